// Topping up points (a `.top-up` section on checkout and MY page). Choosing an amount
// opens the configured gateway's payment step; a paid payment is then credited through
// POST /api/v1/points/charges, which asks the gateway before crediting anything, and
// the page draws itself again with the new balance.
// - The dev gateway: a simulated step in the page; approving it sends a fresh dev_ id
//   (the dev gateway counts any dev_ id as paid for the amount asked).
// - PortOne (the section carries the store and channel): the browser SDK the page
//   loaded opens the payment window. On a computer it answers here; on a phone it
//   leaves for the card company and comes back to this page with paymentId (or code
//   and message) in the address, and the charge is completed on arrival.

import { api, problemText, won } from './common.js';

/** What PortOne appends on its way back, and the amount we put there ourselves. */
const RETURN_PARAMS = ['paymentId', 'code', 'message', 'pgCode', 'pgMessage', 'transactionType', 'txId', 'top_up'];

const sections = [...document.querySelectorAll('.top-up')];
for (const section of sections) enhance(section);
if (sections.length > 0) finishRedirectedPayment(sections[0]);

function speaker(section) {
  const problem = section.querySelector('.top-up-problem');
  return (text) => {
    problem.textContent = text;
    problem.hidden = !text;
  };
}

function enhance(section) {
  const panel = section.querySelector('.simulated');
  const say = speaker(section);
  let amount = 0;
  section.addEventListener('click', async (event) => {
    const choice = event.target.closest('[data-top-up]');
    if (choice) {
      amount = Number(choice.dataset.topUp);
      say('');
      if (section.dataset.storeId) {
        choice.disabled = true;
        await payWithPortOne(section, amount, say);
        choice.disabled = false;
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
      if (!(await credit(`dev_${crypto.randomUUID()}`, amount, say))) approve.disabled = false;
    }
  });
}

async function payWithPortOne(section, amount, say) {
  if (!window.PortOne) {
    say('결제 창을 불러오지 못했어요. 잠시 후 다시 시도해 주세요.');
    return;
  }
  const paymentId = `top_${crypto.randomUUID().replaceAll('-', '')}`;
  const back = new URL(window.location.href);
  for (const name of RETURN_PARAMS) back.searchParams.delete(name);
  back.searchParams.set('top_up', String(amount));
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
      redirectUrl: back.href,
    });
  } catch {
    say('결제 창을 열지 못했어요. 잠시 후 다시 시도해 주세요.');
    return;
  }
  // Nothing comes back when the SDK left for a redirect; the return finishes it.
  if (!response) return;
  if (response.code !== undefined) {
    say(response.message || '결제가 완료되지 않았어요.');
    return;
  }
  await credit(response.paymentId ?? paymentId, amount, say);
}

/**
 * Back from PortOne's payment window on a phone. The address is cleaned first, so a
 * reload cannot send the charge twice (the server would credit it once anyway).
 */
async function finishRedirectedPayment(section) {
  const query = new URLSearchParams(window.location.search);
  const paymentId = query.get('paymentId');
  const amount = Number(query.get('top_up'));
  if (!paymentId || !query.has('top_up')) return;
  const clean = new URL(window.location.href);
  for (const name of RETURN_PARAMS) clean.searchParams.delete(name);
  window.history.replaceState(null, '', clean);
  const say = speaker(section);
  if (query.get('code')) {
    say(query.get('message') || '결제가 완료되지 않았어요.');
    return;
  }
  say('결제를 확인하고 있어요…');
  await credit(paymentId, amount, say);
}

/** Credits a paid payment and redraws the page; says why not otherwise. */
async function credit(paymentId, amount, say) {
  const answer = await api('POST', '/api/v1/points/charges', { payment_id: paymentId, amount });
  if (answer.ok) {
    window.location.reload();
    return true;
  }
  say(problemText(answer.body?.error));
  return false;
}
