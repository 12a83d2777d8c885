// The show page's like button. The page is one cached copy for everyone, so it holds
// no one's state: the script asks /session whether this browser is signed in (and
// for its CSRF token), and the first 100 likes whether this show is among them; then
// POST or DELETE /api/v1/shows/{id}/like toggles it. Signed out, it leads to log-in.

import { api } from './common.js';

const button = document.getElementById('like');
if (button) enhance(button);

async function enhance(button) {
  const showId = button.dataset.show;
  const count = document.getElementById('like-count');
  const session = await api('GET', '/session');
  const signedIn = session.ok && session.body.signed_in;
  let liked = false;
  if (signedIn) {
    const meta = document.createElement('meta');
    meta.name = 'csrf-token';
    meta.content = session.body.csrf_token;
    document.head.append(meta);
    const mine = await api('GET', '/api/v1/users/me/likes?limit=100');
    liked = mine.ok && mine.body.items.some((show) => String(show.id) === showId);
  }
  const draw = () => {
    button.setAttribute('aria-pressed', String(liked));
    button.textContent = liked ? '♥ 좋아요 취소' : '♡ 좋아요';
  };
  draw();
  button.hidden = false;
  button.addEventListener('click', async () => {
    if (!signedIn) {
      window.location.assign(`/login?next=${encodeURIComponent(window.location.pathname)}`);
      return;
    }
    button.disabled = true;
    const answer = await api(liked ? 'DELETE' : 'POST', `/api/v1/shows/${showId}/like`);
    button.disabled = false;
    if (answer.ok) {
      liked = answer.body.liked;
      count.textContent = answer.body.like_count.toLocaleString('ko-KR');
      draw();
    }
  });
}
