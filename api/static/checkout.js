// Checkout: the hold's countdown, a price kind per seat (each change asks the server's
// quote, so the prices shown are the ones the purchase will charge), agreeing to the
// refund rules, and paying the hold with points (topping up is static/topup.js).
// Paying sends one Idempotency-Key per page, so a double tap or a retry after a lost
// answer buys once. When the countdown ends the pay button goes and the way back to
// the seat map stays.

import { api, problemText, won } from './common.js';

const page = document.getElementById('checkout');
if (page) enhance(page);

function enhance(page) {
  const holdId = page.dataset.hold;
  const seatMap = page.dataset.seatMap;
  const problem = document.getElementById('checkout-problem');
  const timer = document.getElementById('hold-timer');
  const pay = document.getElementById('pay');
  const agree = document.getElementById('agree');
  const coupon = document.getElementById('coupon');
  const selects = [...page.querySelectorAll('select.kind')];
  const balance = Number(page.dataset.balance);
  let total = Number(page.dataset.total);
  // A new key whenever the kinds change: the key names one purchase as priced.
  let purchaseKey = crypto.randomUUID();
  const deadline = performance.now() + Number(page.dataset.remainingMs);
  let expired = false;
  let pricing = false;

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

  const kinds = () =>
    selects.filter((s) => s.value).map((s) => ({ seat_id: Number(s.dataset.seat), kind_id: Number(s.value) }));
  const terms = () => ({ kinds: kinds(), ...(coupon.value ? { coupon_id: Number(coupon.value) } : {}) });

  const settle = () => {
    pay.disabled = expired || pricing || total > balance;
  };

  const show = (quote) => {
    total = quote.total;
    for (const line of quote.lines) {
      const price = page.querySelector(`tr[data-line="${line.seat_id}"] .price`);
      if (price) price.textContent = won(line.price);
    }
    const discountRow = document.getElementById('discount-row');
    discountRow.hidden = quote.discount === 0;
    document.getElementById('discount').textContent = `-${won(quote.discount)}`;
    document.getElementById('coupon-row').hidden = quote.coupon_discount === 0;
    document.getElementById('coupon-discount').textContent = `-${won(quote.coupon_discount)}`;
    const fees = document.getElementById('booking-fees');
    if (fees) fees.textContent = won(quote.booking_fees);
    document.getElementById('total').textContent = won(quote.total);
    pay.textContent = `${won(quote.total)} 결제하기`;
  };

  // Asks the quote for the choices on the page; on a refusal puts `changed` back.
  const reprice = async (changed) => {
    pricing = true;
    settle();
    const answer = await api('POST', `/api/v1/holds/${holdId}/quote`, terms());
    pricing = false;
    if (answer.ok) {
      say('');
      for (const s of [...selects, coupon]) s.dataset.was = s.value;
      purchaseKey = crypto.randomUUID();
      show(answer.body);
    } else {
      say(problemText(answer.body?.error));
      changed.value = changed.dataset.was;
    }
    settle();
  };

  for (const select of [...selects, coupon]) {
    select.dataset.was = select.value;
    select.addEventListener('change', () => reprice(select));
  }

  document.getElementById('coupon-register').addEventListener('submit', async (event) => {
    event.preventDefault();
    const input = document.getElementById('coupon-code');
    const answer = await api('POST', '/api/v1/coupons', { code: input.value });
    if (!answer.ok) {
      say(problemText(answer.body?.error));
      return;
    }
    input.value = '';
    const option = new Option(answer.body.name, answer.body.id);
    coupon.add(option);
    coupon.value = String(answer.body.id);
    await reprice(coupon);
  });

  agree.addEventListener('change', () => {
    if (agree.checked) say('');
  });

  pay.addEventListener('click', async () => {
    if (!agree.checked) {
      say('취소·환불 규정을 확인하고 동의해 주세요.');
      agree.focus();
      return;
    }
    pay.disabled = true;
    const answer = await api('POST', `/api/v1/holds/${holdId}/purchase`, terms(), {
      'idempotency-key': purchaseKey,
    });
    if (answer.ok) {
      window.location.assign(`/me?paid=${answer.body.number}`);
      return;
    }
    say(problemText(answer.body?.error));
    if (!expired && answer.status !== 409) settle();
  });

  document.getElementById('release-hold').addEventListener('click', async () => {
    if (!expired) await api('DELETE', `/api/v1/holds/${holdId}`);
    window.location.assign(seatMap);
  });
}
