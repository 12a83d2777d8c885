// Admin: a performance's waiting room, saved through PUT /api/v1/admin/queue/{id}
// as the signed-in admin, and its cancellation (공연 취소) through POST
// /api/v1/admin/schedules/{id}/cancellation: the page then shows its refunds' progress. The automatic start, which the form does not offer, is sent
// back as the page found it (empty: none), so saving the rate does not clear it.

import { api } from './common.js';

// The poster: the chosen file sent as it is (PUT /api/v1/admin/shows/{id}/poster); the
// server checks what it really is and says why it is refused.
const posterWords = {
  POSTER_TOO_LARGE: '파일이 8MB보다 커요.',
  POSTER_TYPE_UNSUPPORTED: 'JPEG, PNG, WebP 이미지만 올릴 수 있어요.',
  POSTER_DIMENSIONS: '이미지는 한 변이 200~6000px이어야 해요.',
  POSTER_UNREADABLE: '이미지 파일이 손상되었거나 잘려 있어요.',
};
for (const form of document.querySelectorAll('[data-poster]')) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const problem = form.querySelector('.problem');
    const button = form.querySelector('button');
    const file = form.elements.file.files[0];
    if (!file) return;
    button.disabled = true;
    const answer = await api('PUT', `/api/v1/admin/shows/${form.dataset.poster}/poster`, file);
    button.disabled = false;
    if (answer.ok) {
      window.location.reload();
      return;
    }
    problem.textContent = posterWords[answer.body?.error?.code] ?? '올리지 못했어요. 잠시 후 다시 시도해 주세요.';
    problem.hidden = false;
  });
}

for (const form of document.querySelectorAll('[data-room]')) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const problem = form.querySelector('.problem');
    const button = form.querySelector('button');
    button.disabled = true;
    const answer = await api('PUT', `/api/v1/admin/queue/${form.dataset.room}`, {
      enabled: form.elements.enabled.checked,
      admission_rate: Number(form.elements.admission_rate.value),
      active_cap: Number(form.elements.active_cap.value),
      active_window_secs: Number(form.elements.active_window_secs.value),
      auto_before_secs: form.elements.auto_before_secs.value ? Number(form.elements.auto_before_secs.value) : null,
    });
    button.disabled = false;
    if (answer.ok) {
      window.location.reload();
      return;
    }
    const error = answer.body?.error;
    problem.textContent = error?.code === 'VALIDATION_FAILED'
      ? `${error.field}: ${error.message}`
      : '저장하지 못했어요. 잠시 후 다시 시도해 주세요.';
    problem.hidden = false;
  });
}

for (const button of document.querySelectorAll('[data-cancel-performance]')) {
  button.addEventListener('click', async () => {
    const problem = button.parentElement.querySelector('.problem');
    button.disabled = true;
    const answer = await api('POST', `/api/v1/admin/schedules/${button.dataset.cancelPerformance}/cancellation`);
    if (answer.ok) {
      window.location.reload();
      return;
    }
    button.disabled = false;
    problem.textContent = answer.body?.error?.code === 'CANCELLATION_TOO_LATE'
      ? '공연이 시작된 지 오래되어 취소할 수 없어요.'
      : '취소하지 못했어요. 잠시 후 다시 시도해 주세요.';
    problem.hidden = false;
  });
}
