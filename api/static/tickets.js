// MY page's ticket actions, through the JSON API as the signed-in browser: refund (the
// fee was drawn by the server from the refund policy; "환불" shows it, "환불 확인"
// refunds), list for resale at a price up to the cap, and cancel a listing. Each
// change sends its own Idempotency-Key, so a double tap changes once; after a change
// the page is drawn again from the database, saying what was done (`done`), so the
// notice of an earlier payment does not stay.

import { api, problemText } from './common.js';

const problem = document.getElementById('ticket-problem');

function say(text) {
  problem.textContent = text;
  problem.hidden = !text;
  if (text) problem.scrollIntoView({ block: 'nearest' });
}

async function change(button, done, method, path, body) {
  button.disabled = true;
  const answer = await api(method, path, body, { 'idempotency-key': crypto.randomUUID() });
  if (answer.ok) {
    window.location.assign(`/me?done=${done}`);
    return;
  }
  button.disabled = false;
  say(refusal(answer.body?.error));
}

function refusal(error) {
  switch (error?.code) {
    case 'REFUND_WINDOW_CLOSED':
      return '환불 기간이 지났어요.';
    case 'TICKET_LISTED':
      return '양도 등록을 먼저 취소해 주세요.';
    case 'TICKET_NOT_REFUNDABLE':
    case 'TICKET_NOT_LISTABLE':
      return '이 티켓은 지금 바꿀 수 없어요. 페이지를 새로 고쳐 주세요.';
    case 'PRICE_OVER_CAP':
      return `양도 가격은 ${error.max_price.toLocaleString('ko-KR')}원까지예요.`;
    case 'SHOW_STARTED':
      return '이미 시작한 공연이에요.';
    default:
      return problemText(error);
  }
}

document.addEventListener('click', (event) => {
  const ask = event.target.closest('[data-refund-ask]');
  if (ask) {
    ask.hidden = true;
    ask.parentElement.querySelector('.confirm').hidden = false;
    return;
  }
  const close = event.target.closest('[data-refund-close]');
  if (close) {
    const box = close.closest('.refund');
    box.querySelector('.confirm').hidden = true;
    box.querySelector('[data-refund-ask]').hidden = false;
    return;
  }
  const refund = event.target.closest('[data-refund]');
  if (refund) {
    change(refund, 'refunded', 'POST', `/api/v1/tickets/${refund.dataset.refund}/refund`);
    return;
  }
  const cancel = event.target.closest('[data-cancel-trade]');
  if (cancel) change(cancel, 'unlisted', 'DELETE', `/api/v1/trades/${cancel.dataset.cancelTrade}`);
});

document.addEventListener('submit', (event) => {
  const form = event.target.closest('[data-list]');
  if (!form) return;
  event.preventDefault();
  const price = Number(form.elements.price.value);
  change(form.querySelector('button'), 'listed', 'POST', '/api/v1/trades', {
    ticket_id: Number(form.dataset.list),
    price,
  });
});
