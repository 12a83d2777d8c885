// Topping up points (a `.top-up` section on checkout and MY page). With the dev gateway
// the payment is a simulated step: choose an amount, approve, and the page credits it
// through POST /api/v1/points/charges with a fresh dev_ payment id (the dev gateway
// counts any dev_ id as paid for the amount asked), then draws itself again.

import { api, problemText, won } from './common.js';

for (const section of document.querySelectorAll('.top-up')) enhance(section);

function enhance(section) {
  const panel = section.querySelector('.simulated');
  const problem = section.querySelector('.top-up-problem');
  const say = (text) => {
    problem.textContent = text;
    problem.hidden = !text;
  };
  let amount = 0;
  section.addEventListener('click', async (event) => {
    const choice = event.target.closest('[data-top-up]');
    if (choice) {
      if (!panel) {
        say('이 환경의 결제 수단은 아직 브라우저 충전을 지원하지 않아요.');
        return;
      }
      amount = Number(choice.dataset.topUp);
      panel.querySelector('.simulated-amount').textContent = won(amount);
      panel.hidden = false;
      say('');
      return;
    }
    if (event.target.closest('[data-cancel-payment]')) {
      panel.hidden = true;
      return;
    }
    const approve = event.target.closest('[data-approve-payment]');
    if (approve) {
      approve.disabled = true;
      const answer = await api('POST', '/api/v1/points/charges', {
        payment_id: `dev_${crypto.randomUUID()}`,
        amount,
      });
      if (answer.ok) {
        window.location.reload();
        return;
      }
      approve.disabled = false;
      say(problemText(answer.body?.error));
    }
  });
}
