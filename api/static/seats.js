// Seat selection on the seat map page: tap seats (up to the hold limit), see the count
// and the total, then hold them through POST /api/v1/holds with the session cookie and
// the page's CSRF token. A seat someone else took since the page was drawn comes back
// in the 409's unavailable_seat_ids: it is marked taken, the rest of the map is
// fetched again, and the person is told, keeping the seats still free selected. The
// legend's counts follow the seats the map shows free. A map wider than the screen
// opens scrolled to its middle (seats face the centre of the stage) with a cue that
// there is more.

import { api, problemText, won } from './common.js';

const map = document.getElementById('seat-map');
if (map) enhance(map);

function enhance(map) {
  const max = Number(map.dataset.max);
  const showId = map.dataset.show;
  const scheduleId = Number(map.dataset.schedule);
  const summary = document.getElementById('seat-summary');
  const problem = document.getElementById('seat-problem');
  const hold = document.getElementById('hold-seats');
  const seats = new Map([...map.querySelectorAll('.seat')].map((b) => [Number(b.dataset.seat), b]));
  const chosen = new Set();

  const say = (text) => {
    problem.textContent = text;
    problem.hidden = !text;
  };

  const update = () => {
    const total = [...chosen].reduce((sum, id) => sum + Number(seats.get(id).dataset.price), 0);
    summary.textContent = chosen.size === 0
      ? `좌석을 선택해 주세요 (최대 ${max}석)`
      : `${chosen.size}석 선택 · 합계 ${won(total)}`;
    hold.disabled = chosen.size === 0;
  };

  const take = (id) => {
    const seat = seats.get(id);
    if (!seat) return;
    seat.disabled = true;
    seat.classList.add('taken');
    seat.setAttribute('aria-pressed', 'false');
    chosen.delete(id);
  };

  // The legend's 잔여 counts, from the seats the map shows free.
  const recount = () => {
    for (const count of map.querySelectorAll('[data-available]')) {
      const grade = `grade-${count.dataset.available}`;
      count.textContent = String([...seats.values()].filter((b) => b.classList.contains(grade) && !b.disabled).length);
    }
  };

  const scroller = map.querySelector('.seat-map');
  if (scroller.scrollWidth > scroller.clientWidth) {
    scroller.scrollLeft = (scroller.scrollWidth - scroller.clientWidth) / 2;
    document.getElementById('scroll-cue').hidden = false;
  }

  map.querySelector('.seat-map').addEventListener('click', (event) => {
    const seat = event.target.closest('.seat');
    if (!seat || seat.disabled) return;
    const id = Number(seat.dataset.seat);
    if (chosen.has(id)) {
      chosen.delete(id);
    } else if (chosen.size >= max) {
      say(`한 번에 ${max}석까지 선택할 수 있어요.`);
      return;
    } else {
      chosen.add(id);
    }
    seat.setAttribute('aria-pressed', String(chosen.has(id)));
    say('');
    update();
  });

  async function refresh() {
    const answer = await api('GET', `/api/v1/shows/${showId}/schedules/${scheduleId}/seats`);
    if (!answer.ok) return;
    for (const seat of answer.body.seats) {
      if (seat.status !== 'AVAILABLE') take(seat.id);
    }
  }

  hold.addEventListener('click', async () => {
    hold.disabled = true;
    // Admitted through the waiting room: the pass goes with the hold.
    const pass = map.dataset.pass ? { 'x-queue-token': map.dataset.pass } : {};
    const answer = await api('POST', '/api/v1/holds', { schedule_id: scheduleId, seat_ids: [...chosen] }, pass);
    if (answer.ok) {
      window.location.assign(`/checkout/${answer.body.id}`);
      return;
    }
    const error = answer.body?.error ?? {};
    if (answer.status === 401) {
      window.location.assign(`/login?next=${encodeURIComponent(window.location.pathname)}`);
      return;
    }
    if (error.code?.startsWith('QUEUE_TOKEN') || error.code === 'QUEUE_ACCESS_EXPIRED') {
      // The room came on, or this admission ended: back in line.
      window.location.assign(`/shows/${showId}/queue/${scheduleId}`);
      return;
    }
    if (error.code === 'SEAT_UNAVAILABLE') {
      (error.unavailable_seat_ids ?? []).forEach(take);
      await refresh();
      recount();
      say('선택하신 좌석 중 다른 분이 먼저 선택한 좌석이 있어요. 좌석 배치도를 새로 고쳤어요.');
    } else {
      say(problemText(error));
    }
    update();
  });
  update();
}
