// Topping up points (a `.top-up` section on checkout and MY page). Choosing an amount
// opens the configured gateway's payment step; a paid payment is then credited through
// POST /api/v1/points/charges, which asks the gateway before crediting anything, and
// the page draws itself again with the new balance.
// - The dev gateway: a simulated step in the page; approving it sends a fresh dev_ id
//   (the dev gateway counts any dev_ id as paid for the amount asked).
// - PortOne (the section carries the store and channel): the browser SDK the page
//   loaded opens the payment window. On a computer it answers here; on a phone it
//   leaves for the card company and comes back to MY page with paymentId (or code) in
//   the address, and the charge is completed there, then the page the person started
//   from opens again.
//
// A PortOne payment waits in localStorage until the server has answered for it: a
// failed or interrupted return (a timeout, a closed tab, a session that ran out) is
// retried on the next visit of either page, so a paid payment is not forgotten. Only
// the payment this browser started is ever sent: an address carrying another id (a
// link someone was sent) is ignored. The id funds nobody else's account: PortOne is
// told the customer, and the server checks it.

import { api, problemText, won } from './common.js';

/** What PortOne appends on its way back, and our own marks. */
const RETURN_PARAMS = ['paymentId', 'code', 'message', 'pgCode', 'pgMessage', 'transactionType', 'txId', 'top_up', 'paid'];
const PENDING = 'marquee_top_up_pending';
/** A payment window left open longer than this was abandoned. */
const PENDING_FOR_MS = 24 * 3600 * 1000;

const sections = [...document.querySelectorAll('.top-up')];
for (const section of sections) enhance(section);
if (sections.length > 0) finishPending(sections[0]);

function speaker(section) {
  const problem = section.querySelector('.top-up-problem');
  return (text) => {
    problem.textContent = text;
    problem.hidden = !text;
  };
}

function enhance(section) {
  const panel = section.querySelector('.simulated');
  const choices = [...section.querySelectorAll('[data-top-up]')];
  const say = speaker(section);
  /** One payment at a time: every amount waits while a window is open. */
  const busy = (on) => {
    for (const choice of choices) choice.disabled = on;
  };
  let amount = 0;
  section.addEventListener('click', async (event) => {
    const choice = event.target.closest('[data-top-up]');
    if (choice) {
      amount = Number(choice.dataset.topUp);
      say('');
      if (section.dataset.storeId) {
        busy(true);
        if (!(await payWithPortOne(section, amount, say))) busy(false);
        return;
      }
      panel.querySelector('.simulated-amount').textContent = won(amount);
      panel.hidden = false;
      return;
    }
    if (event.target.closest('[data-cancel-payment]')) {
      panel.hidden = true;
      return;
    }
    const approve = event.target.closest('[data-approve-payment]');
    if (approve) {
      approve.disabled = true;
      const answer = await credit(`dev_${crypto.randomUUID()}`, amount);
      if (answer.ok) return window.location.reload();
      approve.disabled = false;
      say(problemText(answer.body?.error));
    }
  });
}

function pending() {
  try {
    const found = JSON.parse(window.localStorage.getItem(PENDING));
    if (found && typeof found.paymentId === 'string' && Number.isInteger(found.amount)) {
      if (Date.now() - found.at < PENDING_FOR_MS) return found;
    }
  } catch {
    // Unreadable: nothing is pending.
  }
  window.localStorage.removeItem(PENDING);
  return null;
}

/** Opens PortOne's window; true when the page is leaving or reloading. */
async function payWithPortOne(section, amount, say) {
  if (!window.PortOne) {
    say('결제 창을 불러오지 못했어요. 잠시 후 다시 시도해 주세요.');
    return false;
  }
  const paymentId = `top_${crypto.randomUUID().replaceAll('-', '')}`;
  const back = new URL(window.location.href);
  for (const name of RETURN_PARAMS) back.searchParams.delete(name);
  const returnTo = new URL('/me', window.location.origin);
  returnTo.searchParams.set('top_up', 'returned');
  const waiting = { paymentId, amount, back: back.pathname + back.search, at: Date.now() };
  window.localStorage.setItem(PENDING, JSON.stringify(waiting));
  let response;
  try {
    response = await window.PortOne.requestPayment({
      storeId: section.dataset.storeId,
      channelKey: section.dataset.channelKey,
      paymentId,
      orderName: `Marquee 포인트 ${won(amount)}`,
      totalAmount: amount,
      currency: 'CURRENCY_KRW',
      payMethod: 'CARD',
      customer: { customerId: section.dataset.customerId },
      redirectUrl: returnTo.href,
    });
  } catch {
    window.localStorage.removeItem(PENDING);
    say('결제 창을 열지 못했어요. 잠시 후 다시 시도해 주세요.');
    return false;
  }
  // Nothing comes back when the SDK left for a redirect; MY page finishes it.
  if (!response) return true;
  if (response.code !== undefined) {
    window.localStorage.removeItem(PENDING);
    say(response.message || '결제가 완료되지 않았어요.');
    return false;
  }
  return settle(waiting, say, true);
}

/**
 * On arrival: back from PortOne's window on a phone, or a payment an earlier visit
 * could not finish. The address is cleaned first, so a reload sends nothing twice.
 */
async function finishPending(section) {
  const query = new URLSearchParams(window.location.search);
  const returned = query.get('top_up') === 'returned' || query.has('paymentId');
  if (returned) {
    const clean = new URL(window.location.href);
    for (const name of RETURN_PARAMS) clean.searchParams.delete(name);
    window.history.replaceState(null, '', clean);
  }
  const waiting = pending();
  if (!waiting) return;
  const say = speaker(section);
  const ours = returned && query.get('paymentId') === waiting.paymentId;
  if (ours && query.get('code')) {
    // PortOne's own words arrive in the address, where anyone can write them.
    window.localStorage.removeItem(PENDING);
    say('결제가 취소되었거나 완료되지 않았어요.');
    return;
  }
  if (ours) say('결제를 확인하고 있어요…');
  await settle(waiting, ours ? say : () => {}, ours);
}

/**
 * Sends a pending payment once. A definite answer (credited, or refused: not paid,
 * another account's) ends its wait; a failure to get one keeps it for the next visit.
 * Credited, the page the payment started from opens with the new balance.
 */
async function settle(waiting, say, announce) {
  const answer = await credit(waiting.paymentId, waiting.amount);
  const definite = answer.ok || (answer.status >= 400 && answer.status < 500 && answer.status !== 401);
  if (definite) window.localStorage.removeItem(PENDING);
  if (answer.ok) {
    const here = window.location.pathname + window.location.search;
    const local = /^\/(?!\/)/.test(waiting.back ?? '');
    if (local && waiting.back !== here) window.location.replace(waiting.back);
    else window.location.reload();
    return true;
  }
  if (!definite) say('결제 확인이 늦어지고 있어요. 이 페이지를 다시 열면 다시 확인해요.');
  else if (announce) say(problemText(answer.body?.error));
  return false;
}

function credit(paymentId, amount) {
  return api('POST', '/api/v1/points/charges', { payment_id: paymentId, amount });
}
