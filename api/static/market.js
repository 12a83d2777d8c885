// Buying in the resale market: POST /api/v1/trades/{id}/purchase as the signed-in
// browser, one Idempotency-Key per tap so a retry cannot buy twice; the new ticket
// (with its own code and QR) is on MY page.

import { api, problemText } from './common.js';

const problem = document.getElementById('market-problem');

document.addEventListener('click', async (event) => {
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
  problem.textContent = error?.code === 'TRADE_NOT_OPEN'
    ? '방금 다른 분이 구매했거나 판매가 끝난 티켓이에요.'
    : error?.code === 'OWN_TRADE'
      ? '내가 올린 티켓은 살 수 없어요.'
      : problemText(error);
  problem.hidden = false;
  if (error?.code !== 'TRADE_NOT_OPEN') buy.disabled = false;
});
