// Checkout: the hold's countdown and paying the hold with points (topping up is
// static/topup.js). Paying sends one Idempotency-Key per page, so
// a double tap or a retry after a lost answer buys once. When the countdown ends the
// pay button goes and the way back to the seat map stays.

import { api, problemText } from './common.js';

const page = document.getElementById('checkout');
if (page) enhance(page);

function enhance(page) {
  const holdId = page.dataset.hold;
  const seatMap = page.dataset.seatMap;
  const problem = document.getElementById('checkout-problem');
  const timer = document.getElementById('hold-timer');
  const pay = document.getElementById('pay');
  const purchaseKey = crypto.randomUUID();
  const deadline = performance.now() + Number(page.dataset.remainingMs);
  let expired = false;

  const say = (text) => {
    problem.textContent = text;
    problem.hidden = !text;
  };

  const tick = () => {
    const left = Math.max(0, Math.ceil((deadline - performance.now()) / 1000));
    timer.textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
    if (left === 0 && !expired) {
      expired = true;
      pay.disabled = true;
      say('좌석 선택 시간이 지났어요. 좌석을 다시 선택해 주세요.');
      return;
    }
    if (!expired) setTimeout(tick, 250);
  };
  tick();

  pay.addEventListener('click', async () => {
    pay.disabled = true;
    const answer = await api('POST', `/api/v1/holds/${holdId}/purchase`, undefined, {
      'idempotency-key': purchaseKey,
    });
    if (answer.ok) {
      window.location.assign(`/me?paid=${answer.body.number}`);
      return;
    }
    say(problemText(answer.body?.error));
    if (!expired && answer.status !== 409) pay.disabled = false;
  });

  document.getElementById('release-hold').addEventListener('click', async () => {
    if (!expired) await api('DELETE', `/api/v1/holds/${holdId}`);
    window.location.assign(seatMap);
  });
}
