// Seat selection on the seat map page: tap seats (up to the hold limit), see the count
// and the total, then hold them through POST /api/v1/holds with the session cookie and
// the page's CSRF token. A seat someone else took since the page was drawn comes back
// in the 409's unavailable_seat_ids: it is marked taken, the rest of the map is
// fetched again, and the person is told, keeping the seats still free selected. The
// legend's counts follow the seats the map shows free. A map wider than the screen
// opens scrolled to its middle (seats face the centre of the stage) with a cue that
// there is more. A general-admission area (스탠딩, 자유석) is chosen by count with its
// stepper and held as `places`; one hold is either seats or one area's places, so
// choosing one clears the other.

import { api, problemText, won } from './common.js';

const map = document.getElementById('seat-map');
if (map) enhance(map);

function enhance(map) {
  const max = Number(map.dataset.max);
  const showId = map.dataset.show;
  const scheduleId = Number(map.dataset.schedule);
  const summary = document.getElementById('seat-summary');
  const problem = document.getElementById('seat-problem');
  const hold = document.getElementById('hold-seats');
  const seats = new Map([...map.querySelectorAll('.seat')].map((b) => [Number(b.dataset.seat), b]));
  const chosen = new Set();
  const areas = [...map.querySelectorAll('.area')];
  // The area chosen and how many of its places: one area per hold.
  let places = { area: null, count: 0 };
  const hasSeats = seats.size > 0;

  const say = (text) => {
    problem.textContent = text;
    problem.hidden = !text;
  };

  const update = () => {
    for (const area of areas) {
      const count = area === places.area ? places.count : 0;
      area.querySelector('.count').textContent = String(count);
      area.querySelector('.less').disabled = count === 0;
      area.querySelector('.more').disabled = count >= Math.min(max, Number(area.dataset.left));
    }
    if (places.count > 0) {
      const total = places.count * Number(places.area.dataset.price);
      summary.textContent = `${places.area.querySelector('strong').textContent} ${places.count}매 · 합계 ${won(total)}`;
      hold.disabled = false;
      return;
    }
    const total = [...chosen].reduce((sum, id) => sum + Number(seats.get(id).dataset.price), 0);
    summary.textContent = chosen.size === 0
      ? `${hasSeats ? '좌석을' : '매수를'} 선택해 주세요 (최대 ${max}매)`
      : `${chosen.size}석 선택 · 합계 ${won(total)}`;
    hold.disabled = chosen.size === 0;
  };

  const clearSeats = () => {
    for (const id of chosen) seats.get(id)?.setAttribute('aria-pressed', 'false');
    chosen.clear();
  };

  for (const area of areas) {
    area.querySelector('.more').addEventListener('click', () => {
      if (places.area !== area) {
        places = { area, count: 0 };
        clearSeats();
      }
      if (places.count >= max) {
        say(`한 번에 ${max}매까지 선택할 수 있어요.`);
        return;
      }
      places.count += 1;
      say('');
      update();
    });
    area.querySelector('.less').addEventListener('click', () => {
      if (places.area === area && places.count > 0) places.count -= 1;
      update();
    });
  }

  const take = (id) => {
    const seat = seats.get(id);
    if (!seat) return;
    seat.disabled = true;
    seat.classList.add('taken');
    seat.setAttribute('aria-pressed', 'false');
    chosen.delete(id);
  };

  // The legend's 잔여 counts, from the seats the map shows free.
  const recount = () => {
    for (const count of map.querySelectorAll('[data-available]')) {
      const grade = `grade-${count.dataset.available}`;
      count.textContent = String([...seats.values()].filter((b) => b.classList.contains(grade) && !b.disabled).length);
    }
  };

  const scroller = map.querySelector('.seat-map');
  if (scroller && scroller.scrollWidth > scroller.clientWidth) {
    scroller.scrollLeft = (scroller.scrollWidth - scroller.clientWidth) / 2;
    document.getElementById('scroll-cue').hidden = false;
  }

  scroller?.addEventListener('click', (event) => {
    const seat = event.target.closest('.seat');
    if (!seat || seat.disabled) return;
    places = { area: null, count: 0 };
    const id = Number(seat.dataset.seat);
    if (chosen.has(id)) {
      chosen.delete(id);
    } else if (chosen.size >= max) {
      say(`한 번에 ${max}석까지 선택할 수 있어요.`);
      return;
    } else {
      chosen.add(id);
    }
    seat.setAttribute('aria-pressed', String(chosen.has(id)));
    say('');
    update();
  });

  async function refresh() {
    const answer = await api('GET', `/api/v1/shows/${showId}/schedules/${scheduleId}/seats`);
    if (!answer.ok) return;
    for (const seat of answer.body.seats) {
      if (seat.status !== 'AVAILABLE') take(seat.id);
    }
    for (const free of answer.body.areas) {
      const area = areas.find((a) => Number(a.dataset.area) === free.grade_id);
      if (area) setLeft(area, free.available);
    }
  }

  function setLeft(area, left) {
    area.dataset.left = String(left);
    area.querySelector('.area-left').textContent = String(left);
    if (places.area === area) places.count = Math.min(places.count, left);
  }

  hold.addEventListener('click', async () => {
    hold.disabled = true;
    // Admitted through the waiting room: the pass goes with the hold.
    const pass = map.dataset.pass ? { 'x-queue-token': map.dataset.pass } : {};
    // The area asked for, kept: a tap while the request is out may change the choice.
    const asked = places.count > 0 ? places.area : null;
    const request = asked
      ? { schedule_id: scheduleId, places: { grade_id: Number(asked.dataset.area), count: places.count } }
      : { schedule_id: scheduleId, seat_ids: [...chosen] };
    const answer = await api('POST', '/api/v1/holds', request, pass);
    if (answer.ok) {
      window.location.assign(`/checkout/${answer.body.id}`);
      return;
    }
    const error = answer.body?.error ?? {};
    if (answer.status === 401) {
      window.location.assign(`/login?next=${encodeURIComponent(window.location.pathname)}`);
      return;
    }
    if (error.code?.startsWith('QUEUE_TOKEN') || error.code === 'QUEUE_ACCESS_EXPIRED') {
      // The room came on, or this admission ended: back in line.
      window.location.assign(`/shows/${showId}/queue/${scheduleId}`);
      return;
    }
    if (error.code === 'SEAT_UNAVAILABLE') {
      (error.unavailable_seat_ids ?? []).forEach(take);
      await refresh();
      recount();
      say('선택하신 좌석 중 다른 분이 먼저 선택한 좌석이 있어요. 좌석 배치도를 새로 고쳤어요.');
    } else if (error.code === 'PLACES_UNAVAILABLE' && asked) {
      setLeft(asked, error.remaining ?? 0);
      say(error.remaining
        ? `남은 자리가 ${error.remaining}매뿐이에요. 매수를 줄여 주세요.`
        : '이 구역은 매진되었어요.');
    } else {
      say(problemText(error));
    }
    update();
  });
  update();
}
