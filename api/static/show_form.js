// The admin's show form, sent as the JSON the API takes: POST /api/v1/shows for a new
// show, PATCH /api/v1/shows/{id} (with add_schedules) for an edit. Korean wall-clock
// times from datetime-local inputs are sent with +09:00. The API validates; its
// VALIDATION_FAILED names the field, shown here. A grade is sold by seat (rows of seats)
// or by count (스탠딩, 자유석, an exhibition's entry: `general_admission` places).

import { api } from './common.js';

const form = document.getElementById('show-form');
if (form) enhance(form);

function enhance(form) {
  const showId = form.dataset.show;
  const schedules = document.getElementById('schedules');
  const problem = document.getElementById('form-problem');
  const clone = (id) => document.getElementById(id).content.firstElementChild.cloneNode(true);

  const addGrade = (schedule) => schedule.querySelector('.grades').append(clone('grade-template'));
  const addSchedule = () => {
    const schedule = clone('schedule-template');
    addGrade(schedule);
    schedules.append(schedule);
  };
  document.getElementById('add-schedule').addEventListener('click', addSchedule);
  schedules.addEventListener('click', (event) => {
    const schedule = event.target.closest('.schedule');
    if (event.target.closest('[data-add-grade]')) addGrade(schedule);
    if (event.target.closest('[data-remove]')) schedule.remove();
  });
  if (!showId) addSchedule();

  // A grade sold by count (general admission) has a number of places instead of rows:
  // the fields of the other way are hidden and disabled, so the form does not ask for them.
  const byCount = (grade) => grade.querySelector('[name="sold_by"]').value === 'count';
  schedules.addEventListener('change', (event) => {
    if (event.target.name !== 'sold_by') return;
    const grade = event.target.closest('.grade');
    const general = byCount(grade);
    for (const label of grade.querySelectorAll('[data-seated]')) {
      label.hidden = general;
      label.querySelector('input').disabled = general;
    }
    const places = grade.querySelector('[data-general]');
    places.hidden = !general;
    places.querySelector('input').disabled = !general;
  });

  const kst = (local) => `${local}:00+09:00`;
  const list = (text) => text.split(',').map((part) => part.trim()).filter(Boolean);
  // 캐스팅, a role a line as "배역: 배우"; a line without the colon is sent whole as the
  // role, so the API names what is missing.
  const castOf = (text) => text.split('\n').map((line) => line.trim()).filter(Boolean).map((line) => {
    const colon = line.indexOf(':');
    return colon < 0
      ? { role: line, actor: '' }
      : { role: line.slice(0, colon).trim(), actor: line.slice(colon + 1).trim() };
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const value = (name) => form.elements[name].value.trim();
    const newSchedules = [...schedules.querySelectorAll('.schedule')].map((schedule) => ({
      starts_at: kst(schedule.querySelector('[name="starts_at"]').value),
      cast: castOf(schedule.querySelector('[name="cast"]').value),
      grades: [...schedule.querySelectorAll('.grade')].map((grade) => {
        const field = (name) => grade.querySelector(`[name="${name}"]`).value;
        const named = { name: field('grade').trim(), price: Number(field('price')) };
        return byCount(grade)
          ? { ...named, general_admission: Number(field('places')) }
          : { ...named, rows: list(field('rows')), seats_per_row: Number(field('seats_per_row')) };
      }),
    }));
    const show = {
      title: value('title'),
      title_en: value('title_en') || (showId ? '' : null),
      category: value('category'),
      description: value('description'),
      venue: { name: value('venue'), address: value('address') },
      artists: list(value('artists')),
      aliases: list(value('aliases')),
      poster_url: value('poster_url') || (showId ? '' : null),
      booking_opens_at: kst(value('booking_opens_at')),
    };
    // 관람 정보: blank is not announced (a new show) or unchanged (an edit).
    for (const name of ['running_minutes', 'intermission_minutes', 'min_age']) {
      if (value(name) !== '') show[name] = Number(value(name));
    }
    if (showId) {
      if (newSchedules.length > 0) show.add_schedules = newSchedules;
    } else {
      show.schedules = newSchedules;
    }
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    const answer = showId
      ? await api('PATCH', `/api/v1/shows/${showId}`, show)
      : await api('POST', '/api/v1/shows', show);
    button.disabled = false;
    if (answer.ok) {
      window.location.assign(`/admin/shows/${answer.body.id}`);
      return;
    }
    const error = answer.body?.error;
    problem.textContent = error?.field
      ? `${error.field}: ${error.message}`
      : (error?.message ?? '저장하지 못했어요. 잠시 후 다시 시도해 주세요.');
    problem.hidden = false;
  });
}
