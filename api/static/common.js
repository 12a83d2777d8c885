// What the site's scripts share: calling the JSON API as the signed-in browser, and
// saying its refusals in Korean.

/**
 * Calls the JSON API with the session cookie and the page's CSRF token (a change made
 * with the cookie needs it). Answers { ok, status, body } and never throws on an HTTP
 * status; a network failure is { ok: false, status: 0 }.
 */
export async function api(method, path, body, headers = {}) {
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content;
  const init = {
    method,
    credentials: 'same-origin',
    headers: { accept: 'application/json', ...headers },
  };
  if (csrf && method !== 'GET') init.headers['x-csrf-token'] = csrf;
  if (body instanceof Blob) {
    // A file as it is (a poster): its own type, no JSON around it.
    init.headers['content-type'] = body.type || 'application/octet-stream';
    init.body = body;
  } else if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  try {
    const response = await fetch(path, init);
    const text = await response.text();
    return { ok: response.ok, status: response.status, body: text ? JSON.parse(text) : null };
  } catch {
    return { ok: false, status: 0, body: null };
  }
}

export function won(amount) {
  return `${amount.toLocaleString('ko-KR')}원`;
}

/** A refusal of the API, for people. */
export function problemText(error) {
  switch (error?.code) {
    case 'SEAT_UNAVAILABLE':
      return '다른 분이 먼저 선택한 좌석이 있어요.';
    case 'TICKET_LIMIT_REACHED':
      return `이 회차는 1인 ${error.limit}매까지 예매할 수 있어요. 지금 ${error.remaining}매 더 선택할 수 있어요.`;
    case 'TOO_MANY_SEATS':
      return '한 번에 선택할 수 있는 좌석 수를 넘었어요.';
    case 'NOT_ON_SALE':
      return '지금은 예매할 수 없는 회차예요.';
    case 'HOLD_NOT_ACTIVE':
    case 'HOLD_NOT_FOUND':
      return '좌석 선택 시간이 지났어요. 좌석을 다시 선택해 주세요.';
    case 'DISCOUNT_NOT_ON_SALE':
      return '지금은 판매하지 않는 할인 권종이에요.';
    case 'DISCOUNT_LIMIT_EXCEEDED':
      return `이 할인 권종은 한 번에 ${error.limit}매까지 예매할 수 있어요.`;
    case 'DISCOUNT_NOT_ELIGIBLE':
      return '재관람 할인은 이 공연의 지난 회차 티켓이 있어야 받을 수 있어요.';
    case 'COUPON_NOT_FOUND':
      return '쿠폰 번호를 다시 확인해 주세요.';
    case 'COUPON_EXHAUSTED':
      return '쿠폰이 모두 소진되었어요.';
    case 'COUPON_ALREADY_CLAIMED':
      return '이미 받은 쿠폰이에요.';
    case 'COUPON_NOT_APPLICABLE':
      return {
        USED: '이미 사용한 쿠폰이에요.',
        NOT_STARTED: '아직 사용할 수 없는 쿠폰이에요.',
        EXPIRED: '사용 기간이 지난 쿠폰이에요.',
        OTHER_SHOW: '이 공연에는 쓸 수 없는 쿠폰이에요.',
        BELOW_MINIMUM: '최소 결제 금액이 모자라 쓸 수 없는 쿠폰이에요.',
      }[error.reason] ?? '이 예매에는 쓸 수 없는 쿠폰이에요.';
    case 'INSUFFICIENT_POINTS':
      return `포인트가 ${won(error.shortfall)} 부족해요. 충전 후 결제해 주세요.`;
    case 'QUEUE_TOKEN_REQUIRED':
    case 'QUEUE_TOKEN_INVALID':
    case 'QUEUE_ACCESS_EXPIRED':
      return '대기열을 거쳐 입장해 주세요.';
    case 'RATE_LIMITED':
    case 'OVERLOADED':
    case 'QUEUE_UNAVAILABLE':
    case 'DATABASE_UNAVAILABLE':
      return '지금 요청이 많아요. 잠시 후 다시 시도해 주세요.';
    case 'PAYMENT_NOT_CONFIRMED':
      return '결제가 확인되지 않았어요.';
    case 'GATEWAY_UNAVAILABLE':
      return '결제 서비스에 연결하지 못했어요. 잠시 후 다시 시도해 주세요.';
    case 'CSRF_TOKEN_INVALID':
    case 'UNAUTHENTICATED':
      return '로그인이 끝났어요. 페이지를 새로 고친 뒤 다시 로그인해 주세요.';
    default:
      return '문제가 생겼어요. 잠시 후 다시 시도해 주세요.';
  }
}
