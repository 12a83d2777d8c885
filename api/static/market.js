// Buying in the resale market: "구매하기" asks to confirm the seat and the price, then
// POST /api/v1/trades/{id}/purchase as the signed-in browser, one Idempotency-Key per
// tap so a retry cannot buy twice; the new ticket (with its own code and QR) is on MY
// page. Short of points, the refusal links to topping up.

import { api, problemText } from './common.js';

const problem = document.getElementById('market-problem');

/** Says why the purchase was refused; short of points, with the way to top up. */
function refuse(error) {
  problem.replaceChildren();
  problem.append(
    error?.code === 'TRADE_NOT_OPEN'
      ? '방금 다른 분이 구매했거나 판매가 끝난 티켓이에요.'
      : error?.code === 'OWN_TRADE'
        ? '내가 올린 티켓은 살 수 없어요.'
        : problemText(error),
  );
  if (error?.code === 'INSUFFICIENT_POINTS') {
    const link = document.createElement('a');
    link.href = '/me#top-up-heading';
    link.textContent = '포인트 충전하기';
    problem.append(' ', link);
  }
  problem.hidden = false;
}

document.addEventListener('click', async (event) => {
  const ask = event.target.closest('[data-buy-ask]');
  if (ask) {
    ask.hidden = true;
    ask.parentElement.querySelector('.confirm').hidden = false;
    return;
  }
  const close = event.target.closest('[data-buy-close]');
  if (close) {
    const offer = close.closest('.offer');
    offer.querySelector('.confirm').hidden = true;
    offer.querySelector('[data-buy-ask]').hidden = false;
    return;
  }
  const buy = event.target.closest('[data-buy]');
  if (!buy) return;
  buy.disabled = true;
  const answer = await api('POST', `/api/v1/trades/${buy.dataset.buy}/purchase`, undefined, {
    'idempotency-key': crypto.randomUUID(),
  });
  if (answer.ok) {
    window.location.assign('/me?bought=1');
    return;
  }
  const error = answer.body?.error;
  refuse(error);
  if (error?.code !== 'TRADE_NOT_OPEN') buy.disabled = false;
});
