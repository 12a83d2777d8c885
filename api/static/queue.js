// The waiting room page. Enters through POST /api/v1/queue/{id}/enter (the same place
// again if this person is already in line), then follows the place on the event stream:
// position, people ahead, ETA and a progress bar measured from where this page first
// saw the person. On ADMITTED the access pass is posted to the seat map's admission
// (which keeps it in an HttpOnly cookie), so the seat map opens by itself and the
// person never sees a token. The queue token lives only in this script's memory.

import { api, problemText } from './common.js';

const page = document.getElementById('queue');
if (page) follow(page);

function follow(page) {
  const scheduleId = page.dataset.schedule;
  const showId = page.dataset.show;
  const el = (id) => document.getElementById(id);
  const problem = el('queue-problem');
  let first = null;
  let stream = null;
  let retry = 1000;

  const say = (text) => {
    problem.textContent = text;
    problem.hidden = !text;
  };

  const draw = (status) => {
    if (status.state === 'ADMITTED') {
      stream?.close();
      el('queue-admitted').hidden = false;
      el('queue-progress').value = el('queue-progress').max;
      const form = el('queue-admit');
      form.elements.access_token.value = status.access_token;
      form.submit();
      return;
    }
    if (status.state === 'EXPIRED') {
      stream?.close();
      say('입장 시간이 지났어요. 다시 줄을 서 주세요.');
      el('queue-leave').textContent = '다시 줄 서기';
      el('queue-leave').dataset.again = 'true';
      return;
    }
    if (status.position == null) {
      el('queue-position').textContent = '추첨 대기';
      el('queue-ahead').textContent = '-';
      el('queue-eta').textContent = '예매가 열리면 먼저 온 분들 사이에서 무작위로 순서가 정해져요.';
      return;
    }
    first ??= status.position;
    el('queue-position').textContent = `${status.position.toLocaleString('ko-KR')}번째`;
    el('queue-ahead').textContent = `${(status.position - 1).toLocaleString('ko-KR')}명`;
    const progress = el('queue-progress');
    progress.max = first;
    progress.value = Math.max(0, first - status.position + 1);
    el('queue-eta').textContent = status.eta_seconds == null
      ? '곧 입장해요.'
      : `예상 대기 시간 ${duration(status.eta_seconds)}`;
  };

  const listen = (token) => {
    stream = new EventSource(`/api/v1/queue/${scheduleId}/events?token=${encodeURIComponent(token)}`);
    stream.addEventListener('status', (event) => {
      retry = 1000;
      draw(JSON.parse(event.data));
    });
    stream.addEventListener('error', (event) => {
      // An `error` event with data is the server's last word; without data it is a
      // dropped connection, which EventSource retries by itself unless it gave up.
      if (event.data) {
        stream.close();
        const { code } = JSON.parse(event.data);
        if (code === 'NOT_IN_QUEUE') enter();
        else say(problemText({ code }));
      } else if (stream.readyState === EventSource.CLOSED) {
        setTimeout(enter, retry);
        retry = Math.min(retry * 2, 30000);
      }
    });
  };

  async function enter() {
    const answer = await api('POST', `/api/v1/queue/${scheduleId}/enter`);
    if (answer.ok) {
      say('');
      draw(answer.body);
      if (answer.body.state === 'WAITING') listen(answer.body.queue_token);
      return;
    }
    const code = answer.body?.error?.code;
    if (code === 'WAITING_ROOM_OFF') {
      window.location.assign(`/shows/${showId}/book/${scheduleId}`);
      return;
    }
    say(problemText(answer.body?.error));
    setTimeout(enter, retry);
    retry = Math.min(retry * 2, 30000);
  }

  el('queue-leave').addEventListener('click', async (event) => {
    if (event.target.dataset.again) {
      window.location.reload();
      return;
    }
    stream?.close();
    await api('DELETE', `/api/v1/queue/${scheduleId}`);
    window.location.assign(`/shows/${showId}`);
  });

  enter();
}

function duration(seconds) {
  if (seconds < 60) return `${seconds}초`;
  const minutes = Math.floor(seconds / 60);
  return seconds % 60 ? `${minutes}분 ${seconds % 60}초` : `${minutes}분`;
}
