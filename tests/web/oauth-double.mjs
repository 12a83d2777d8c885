// A local OAuth 2.0 provider for the browser journeys, answering as Kakao does
// (userinfo `{id, kakao_account: {email, profile: {nickname}}}`). Its consent page has
// one button; the token endpoint checks the client, the redirect URI, single-use codes
// and the PKCE S256 verifier. Prints "oauth double on http://127.0.0.1:PORT" once
// listening. Usage: node oauth-double.mjs CLIENT_ID CLIENT_SECRET

import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

const [clientId, clientSecret] = process.argv.slice(2);
const codes = new Map();
const tokens = new Map();
let people = 0;

const b64url = (buffer) => buffer.toString('base64url');
const send = (response, status, body, type = 'application/json') => {
  response.writeHead(status, { 'content-type': type });
  response.end(typeof body === 'string' ? body : JSON.stringify(body));
};

const server = createServer(async (request, response) => {
  const url = new URL(request.url, 'http://double');
  if (request.method === 'GET' && url.pathname === '/authorize') {
    const q = url.searchParams;
    if (q.get('client_id') !== clientId || q.get('response_type') !== 'code' || q.get('code_challenge_method') !== 'S256') {
      return send(response, 400, 'unknown client or not code + S256', 'text/plain');
    }
    const back = new URL(q.get('redirect_uri'));
    const code = b64url(randomBytes(16));
    codes.set(code, { challenge: q.get('code_challenge'), redirect: q.get('redirect_uri') });
    back.searchParams.set('code', code);
    back.searchParams.set('state', q.get('state'));
    const page = `<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>카카오 로그인 (테스트)</title></head>
<body><main><h1>Marquee에 로그인할까요?</h1><a href="${back.href.replaceAll('"', '&quot;')}">동의하고 계속하기</a></main></body></html>`;
    return send(response, 200, page, 'text/html; charset=utf-8');
  }
  if (request.method === 'POST' && url.pathname === '/token') {
    let raw = '';
    for await (const chunk of request) raw += chunk;
    const form = new URLSearchParams(raw);
    if (form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret) {
      return send(response, 401, { error: 'invalid_client' });
    }
    const issued = codes.get(form.get('code'));
    codes.delete(form.get('code'));
    const challenge = b64url(createHash('sha256').update(form.get('code_verifier') ?? '').digest());
    if (!issued || issued.redirect !== form.get('redirect_uri') || issued.challenge !== challenge) {
      return send(response, 400, { error: 'invalid_grant' });
    }
    people += 1;
    const token = b64url(randomBytes(16));
    tokens.set(token, { id: 4100000000 + people, nickname: `카카오관객${people}` });
    return send(response, 200, { access_token: token, token_type: 'bearer' });
  }
  if (request.method === 'GET' && url.pathname === '/v2/user/me') {
    const person = tokens.get((request.headers.authorization ?? '').replace('Bearer ', ''));
    if (!person) return send(response, 401, { msg: 'this access token does not exist' });
    return send(response, 200, { id: person.id, kakao_account: { profile: { nickname: person.nickname } } });
  }
  send(response, 404, 'not found', 'text/plain');
});

server.listen(0, '127.0.0.1', () => {
  console.log(`oauth double on http://127.0.0.1:${server.address().port}`);
});
