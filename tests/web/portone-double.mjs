// A local PortOne V2 for the browser journeys: the browser SDK's `requestPayment`
// (served at /v2/browser-sdk.js), the payment window it opens, and the REST lookup
// `GET /payments/{id}` marquee-api verifies a charge with. As PortOne does, the window
// is an iframe over the page on a computer and a redirect on a phone (back to the
// request's redirectUrl with paymentId, or code and message when not paid). It
// refuses a request for another store or channel, a currency other than KRW, or an
// amount that is not a positive whole number, and answers the lookup only with the
// API secret, naming the customer the payment was requested for. Prints "portone double on http://127.0.0.1:PORT" once listening.
// Usage: node portone-double.mjs STORE_ID CHANNEL_KEY API_SECRET

import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

const [storeId, channelKey, apiSecret] = process.argv.slice(2);
const paid = new Map();

const send = (response, status, body, type = 'application/json') => {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  response.end(typeof body === 'string' ? body : JSON.stringify(body));
};
const escape = (text) =>
  String(text).replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** Why PortOne would refuse this request, or null. */
function refusal(request) {
  if (request.storeId !== storeId) return 'unknown storeId';
  if (request.channelKey !== channelKey) return 'unknown channelKey';
  if (!['KRW', 'CURRENCY_KRW'].includes(request.currency)) return 'currency must be KRW';
  if (!Number.isInteger(request.totalAmount) || request.totalAmount <= 0) return 'totalAmount must be a positive integer';
  if (typeof request.paymentId !== 'string' || !request.paymentId) return 'paymentId is required';
  if (paid.has(request.paymentId)) return 'PaymentAlreadyPaid';
  if (!request.orderName) return 'orderName is required';
  return null;
}

const sdk = (origin) => `// PortOne browser SDK (test double)
window.PortOne = {
  requestPayment(request) {
    const query = new URLSearchParams({ request: JSON.stringify(request), origin: location.origin });
    if (window.matchMedia('(max-width: 640px)').matches) {
      if (!request.redirectUrl) return Promise.reject(new Error('redirectUrl is required on a phone'));
      query.set('mode', 'redirect');
      location.href = '${origin}/pay?' + query;
      return new Promise(() => {});
    }
    query.set('mode', 'iframe');
    return new Promise((resolve) => {
      const frame = document.createElement('iframe');
      frame.title = 'PortOne 결제 (테스트)';
      frame.src = '${origin}/pay?' + query;
      Object.assign(frame.style, { position: 'fixed', inset: '0', width: '100%', height: '100%', border: '0', background: '#fff', zIndex: '1000' });
      const answered = (event) => {
        if (event.origin !== '${origin}' || event.source !== frame.contentWindow) return;
        window.removeEventListener('message', answered);
        frame.remove();
        resolve(event.data);
      };
      window.addEventListener('message', answered);
      document.body.append(frame);
    });
  },
};
`;

function windowPage(request, mode, origin) {
  const why = refusal(request);
  const hidden = (name, value) => `<input type="hidden" name="${name}" value="${escape(value)}">`;
  const fields = hidden('request', JSON.stringify(request)) + hidden('mode', mode) + hidden('origin', origin);
  return `<!doctype html><html lang="ko"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>PortOne 결제 (테스트)</title></head><body><main>
<h1>카드 결제 (테스트)</h1>
${why ? `<p role="alert">요청 오류: ${escape(why)}</p>` : `<p>${escape(request.orderName)} · ${request.totalAmount.toLocaleString('ko-KR')}원</p>`}
<form method="post" action="/pay">${fields}${why ? '' : '<button name="decision" value="pay">결제하기</button>'}
<button name="decision" value="cancel">취소</button></form></main></body></html>`;
}

/** What the SDK answers the page: the payment, or PortOne's failure shape. */
function outcome(request, decision) {
  const why = refusal(request);
  if (why) return { code: 'FAILURE_TYPE_PG', message: why, paymentId: request.paymentId };
  if (decision !== 'pay') return { code: 'FAILURE_TYPE_PG', message: '사용자가 결제를 취소했어요.', paymentId: request.paymentId };
  paid.set(request.paymentId, { amount: request.totalAmount, customer: request.customer?.customerId });
  return { transactionType: 'PAYMENT', txId: randomBytes(8).toString('hex'), paymentId: request.paymentId };
}

const server = createServer(async (request, response) => {
  const origin = `http://127.0.0.1:${server.address().port}`;
  const url = new URL(request.url, origin);
  if (request.method === 'GET' && url.pathname === '/v2/browser-sdk.js') {
    return send(response, 200, sdk(origin), 'text/javascript; charset=utf-8');
  }
  if (request.method === 'GET' && url.pathname === '/pay') {
    const order = JSON.parse(url.searchParams.get('request') ?? '{}');
    return send(response, 200, windowPage(order, url.searchParams.get('mode'), url.searchParams.get('origin')), 'text/html; charset=utf-8');
  }
  if (request.method === 'POST' && url.pathname === '/pay') {
    let raw = '';
    for await (const chunk of request) raw += chunk;
    const form = new URLSearchParams(raw);
    const order = JSON.parse(form.get('request') ?? '{}');
    const answer = outcome(order, form.get('decision'));
    if (form.get('mode') === 'redirect') {
      const back = new URL(order.redirectUrl);
      for (const [key, value] of Object.entries(answer)) back.searchParams.set(key, value);
      response.writeHead(303, { location: back.href });
      return response.end();
    }
    const json = (value) => JSON.stringify(value).replaceAll('<', '\\u003c');
    const page = `<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>PortOne</title></head><body>
<script>parent.postMessage(${json(answer)}, ${json(form.get('origin'))});</script></body></html>`;
    return send(response, 200, page, 'text/html; charset=utf-8');
  }
  const lookup = /^\/payments\/([^/]+)$/.exec(url.pathname);
  if (request.method === 'GET' && lookup) {
    if (request.headers.authorization !== `PortOne ${apiSecret}`) return send(response, 401, { type: 'UNAUTHORIZED' });
    const payment = paid.get(decodeURIComponent(lookup[1]));
    if (!payment) return send(response, 404, { type: 'PAYMENT_NOT_FOUND' });
    const found = { status: 'PAID', id: lookup[1], currency: 'KRW', amount: { total: payment.amount } };
    if (payment.customer !== undefined) found.customer = { id: payment.customer };
    return send(response, 200, found);
  }
  send(response, 404, 'not found', 'text/plain');
});

server.listen(0, '127.0.0.1', () => {
  console.log(`portone double on http://127.0.0.1:${server.address().port}`);
});
