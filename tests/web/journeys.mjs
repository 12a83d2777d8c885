// Browser journeys through the Marquee site, as a person takes them: playwright-core
// drives Debian's Chromium against the real marquee-api (scripts/web-test starts it
// on a fresh database with the demo catalog, indexed). Each journey runs at a phone's
// viewport and at desktop width; every page is checked for sideways scrolling, script
// errors, requests that leave the machine and serious or critical accessibility
// violations (axe-core, WCAG 2.1 A and AA), and screenshotted into WEB_ARTIFACTS.
// Prints one "web (journey, viewport): passed|failed" line each; exits 1 on a failure.

import { mkdirSync, readFileSync } from 'node:fs';
import { crc32, deflateSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

// axe-core is evaluated through the DevTools protocol, which the pages' CSP (scripts
// from this origin only) does not govern; injecting a <script> would be refused.
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const base = process.env.MARQUEE_URL;
const artifacts = process.env.WEB_ARTIFACTS ?? '.local/web-artifacts';
if (!base) throw new Error('MARQUEE_URL is not set');
mkdirSync(artifacts, { recursive: true });

const viewports = {
  phone: { width: 390, height: 844 },
  desktop: { width: 1280, height: 800 },
};

class Visit {
  constructor(page, journey, viewport) {
    Object.assign(this, { page, journey, viewport, shots: 0, problems: [], allowed: [] });
    // This machine's origins: the site, the OAuth provider double the social login
    // journey signs in through, and the PortOne journey's site and double.
    const local = [base, process.env.MARQUEE_OAUTH_URL, process.env.MARQUEE_PORTONE_SITE, process.env.MARQUEE_PORTONE_URL]
      .filter(Boolean)
      .map((address) => new URL(address).origin);
    page.on('pageerror', (err) => this.problems.push(`script error: ${err.message}`));
    page.on('console', (msg) => {
      // A page answered 404 or 401 on purpose (a dead link, a wrong password), or a
      // status a journey allowed, is logged by Chromium as a failed load; the journeys
      // check those answers themselves.
      const status = /status of (\d{3})/.exec(msg.text())?.[1];
      const expected = ['401', '404', ...this.allowed].includes(status);
      if (msg.type() === 'error' && !expected) this.problems.push(`console: ${msg.text()}`);
    });
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (!local.includes(url.origin) && url.protocol !== 'data:') this.problems.push(`left the machine: ${request.url()}`);
    });
  }

  /** Checks the page a person now sees and keeps a picture of it. */
  async look(name) {
    const { scrollWidth, clientWidth } = await this.page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      clientWidth: document.documentElement.clientWidth,
    }));
    if (scrollWidth > clientWidth) this.problems.push(`${name}: scrolls sideways (${scrollWidth} > ${clientWidth})`);
    await this.page.evaluate(`${axeSource}\n;undefined`);
    const violations = await this.page.evaluate(async () => {
      const found = await window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] });
      return found.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
    });
    for (const violation of violations) this.problems.push(`${name}: axe ${violation}`);
    this.shots += 1;
    await this.page.screenshot({
      path: `${artifacts}/${this.journey}-${this.viewport}-${this.shots}-${name}.png`,
      fullPage: true,
    });
  }
}

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

/**
 * From the home page, the seat map of the first performance of the `n`th show on sale
 * (demo shows only: the queue journey's own show has its waiting room on).
 */
async function openSeatMap(page, n, site = base) {
  await openShow(page, n, site);
  await Promise.all([page.waitForURL(/\/book\/\d+$/), page.getByRole('link', { name: '예매하기' }).first().click()]);
}

/**
 * From the home page, the page of the `n`th demo show on sale that has a seat map (an
 * exhibition sells entries by count, with no seat to tap; the journeys' own shows, the
 * queue's and the standing concert's, are passed over).
 */
async function openShow(page, n, site = base) {
  await page.goto(`${site}/`);
  const onSale = page.locator('section', { has: page.getByRole('heading', { name: '지금 예매 중' }) });
  const card = onSale
    .locator('.card')
    .filter({ hasNot: page.locator('.tag', { hasText: /^전시$/ }) })
    .locator('a', { hasNotText: /대기열 공연|스탠딩 공연/ })
    .nth(n);
  await Promise.all([page.waitForURL(/\/shows\/\d+$/), card.click()]);
}

/** A datetime-local value in Korean time, `seconds` from now. */
function koreanLocal(seconds) {
  return new Date(Date.now() + seconds * 1000 + 9 * 3600 * 1000).toISOString().slice(0, 16);
}

/**
 * As the signed-in admin, fills the new-show form: on sale since an hour ago, one
 * performance `days` ahead with the form's default seat map.
 */
async function fillNewShow(page, title, venue, address, days) {
  await page.goto(`${base}/admin/shows/new`);
  await page.getByLabel('공연명', { exact: true }).fill(title);
  await page.getByLabel('공연장', { exact: true }).fill(venue);
  await page.getByLabel('공연장 주소').fill(address);
  await page.getByLabel(/예매 오픈/).fill(koreanLocal(-3600));
  await page.locator('[name="starts_at"]').fill(koreanLocal(days * 86400));
}

/** Logs in through the form. */
/**
 * A poster-shaped PNG (3:4, a diagonal gradient with a band), made here so the journey
 * uploads a real image without a file on disk.
 */
function posterPng(width = 600, height = 800) {
  const rows = [];
  for (let y = 0; y < height; y += 1) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x += 1) {
      const band = y > height * 0.6 && y < height * 0.75;
      row[1 + x * 3] = band ? 250 : Math.floor((x / width) * 120) + 60;
      row[2 + x * 3] = band ? 250 : 30;
      row[3 + x * 3] = band ? 250 : Math.floor((y / height) * 150) + 80;
    }
    rows.push(row);
  }
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

async function logIn(page, email, password) {
  await page.goto(`${base}/login`);
  await page.getByLabel('이메일').fill(email);
  await page.getByLabel('비밀번호').fill(password);
  await Promise.all([page.waitForURL(`${base}/`), page.getByRole('button', { name: '로그인' }).click()]);
}

/** Tops up on MY page through the simulated payment step. */
async function topUp(page, label) {
  await page.goto(`${base}/me`);
  await page.getByRole('button', { name: label }).click();
  await page.getByRole('button', { name: '결제 승인' }).click();
  await page.locator('.simulated').waitFor({ state: 'hidden' });
}

/** Tops up, books the first free seat of the first show on sale and pays; ends on MY page. */
async function buyOneSeat(page) {
  await topUp(page, '300,000원 충전');
  await openSeatMap(page, 0);
  await page.locator('.seat:not([disabled])').first().click();
  await Promise.all([page.waitForURL(/\/checkout\/\d+$/), page.getByRole('button', { name: '선택 완료' }).click()]);
  await page.getByLabel('취소·환불 규정을 확인했고 동의해요').check();
  await Promise.all([page.waitForURL(/\/me\?paid=\d+$/), page.getByRole('button', { name: /결제하기/ }).click()]);
}

/** Points as a number, from a won amount as the pages print it ("12,000원", "-8,000원"). */
function points(text) {
  return Number(text.replace(/[^0-9]/g, ''));
}

/** Signs a new account up through the form; the browser ends on MY page. */
async function signUp(page, email, site = base) {
  await page.goto(`${site}/signup`);
  await page.getByLabel('이메일').fill(email);
  await page.getByLabel('비밀번호').fill('correct horse battery');
  await page.getByLabel('닉네임').fill('웹관객');
  await Promise.all([page.waitForURL(`${site}/`), page.getByRole('button', { name: '가입하기' }).click()]);
}

const journeys = {
  /**
   * A typo typed on an English keyboard, one key at a time, is answered as it is typed:
   * 시카고 among the suggestions and highlighted among the results; Enter shows every
   * result, and the show's page opens from there.
   */
  async search_a_typo_and_open_the_show(visit) {
    const { page } = visit;
    await page.goto(`${base}/`);
    expect(await page.getByRole('heading', { name: '지금 예매 중' }).isVisible(), 'home has its on-sale section');
    await visit.look('home');
    await page.locator('#q').click();
    await page.keyboard.type('tlzkrh', { delay: 60 });
    const live = page.locator('#live-search[data-query="tlzkrh"]');
    await live.waitFor();
    const suggestions = await live.locator('.suggestions [role="option"]').allTextContents();
    expect(suggestions.some((title) => title.includes('시카고')), `시카고 suggested: ${suggestions.join(', ')}`);
    expect((await live.locator('.found em').first().textContent())?.includes('시카고'), 'the first live result highlights 시카고');
    expect((await page.locator('#q').getAttribute('aria-expanded')) === 'true', 'the box says its list is open');
    await visit.look('as-you-type');
    await Promise.all([page.waitForURL(/\/search\?q=tlzkrh/), page.keyboard.press('Enter')]);
    const first = page.locator('.results li').first();
    expect((await first.locator('em').first().textContent())?.includes('시카고'), 'the first result highlights 시카고');
    await visit.look('results');
    await Promise.all([page.waitForURL(/\/shows\/\d+$/), first.locator('a').click()]);
    expect((await page.locator('h1').textContent())?.includes('시카고'), 'the show page is 시카고');
    expect(await page.locator('.performances table').first().isVisible(), 'performances with prices and free seats');
    // 관람 정보 and 캐스팅 일정, as a Korean show page states them.
    expect(await page.locator('.facts dt', { hasText: '관람시간' }).isVisible(), 'the running time is stated');
    expect(await page.locator('.facts dd', { hasText: '만 8세 이상' }).isVisible(), 'the age rating is stated');
    expect(await page.locator('.performances .cast').first().innerText().then((text) => text.includes('빌리 플린 최재림')), 'each performance names its cast');
    expect(await page.getByRole('region', { name: '캐스팅 일정표' }).isVisible(), 'the cast schedule is on the page');
    await visit.look('show');
  },

  /** A Korean typo (하 for 카), typed syllable by syllable; the live result opens the show. */
  async pick_a_live_result(visit) {
    const { page } = visit;
    await page.goto(`${base}/`);
    await page.locator('#q').click();
    await page.keyboard.type('시하고', { delay: 80 });
    const live = page.locator('#live-search[data-query="시하고"]');
    await live.waitFor();
    const hit = live.locator('.found [role="option"]', { hasText: '시카고' }).first();
    expect((await hit.locator('em').textContent())?.includes('시카고'), '시카고 is highlighted');
    await page.keyboard.press('ArrowDown');
    expect((await page.locator('#q').getAttribute('aria-activedescendant')) !== null, 'arrow keys move through the list');
    await Promise.all([page.waitForURL(/\/shows\/\d+$/), hit.click()]);
    expect((await page.locator('h1').textContent())?.includes('시카고'), 'the show page is 시카고');
  },

  /** Sign up, see MY page, log out, log back in with a wrong then the right password. */
  async sign_up_and_log_in(visit) {
    const { page } = visit;
    const email = `web-${visit.viewport}-${Date.now()}@example.kr`;
    await page.goto(`${base}/`);
    await Promise.all([page.waitForURL(/\/login\?next=%2Fme/), page.getByRole('link', { name: 'MY' }).click()]);
    await visit.look('login');
    await Promise.all([page.waitForURL(/\/signup/), page.getByRole('link', { name: '회원가입' }).click()]);
    await page.getByLabel('이메일').fill(email);
    await page.getByLabel('비밀번호').fill('correct horse battery');
    await page.getByLabel('닉네임').fill('웹관객');
    await visit.look('signup');
    await Promise.all([page.waitForURL(`${base}/me`), page.getByRole('button', { name: '가입하기' }).click()]);
    expect((await page.locator('h1').textContent())?.includes('웹관객'), 'my page greets the new account');
    await visit.look('me');
    const cookies = await page.context().cookies();
    const session = cookies.find((cookie) => cookie.name === 'marquee_session');
    expect(session?.httpOnly && session.sameSite === 'Lax', 'the session cookie is HttpOnly and SameSite=Lax');
    const scriptVisible = await page.evaluate(() => document.cookie.includes('marquee_session') || localStorage.length > 0);
    expect(!scriptVisible, 'no script can read the session');
    await Promise.all([page.waitForURL(`${base}/`), page.getByRole('button', { name: '로그아웃' }).click()]);
    await page.goto(`${base}/login?next=%2Fme`);
    await page.getByLabel('이메일').fill(email);
    await page.getByLabel('비밀번호').fill('not the password');
    await page.getByRole('button', { name: '로그인' }).click();
    expect(await page.getByRole('alert').isVisible(), 'a wrong password is said so');
    await visit.look('wrong-password');
    await page.getByLabel('비밀번호').fill('correct horse battery');
    await Promise.all([page.waitForURL(`${base}/me`), page.getByRole('button', { name: '로그인' }).click()]);
  },

  /**
   * Journey 2: sign up, open a show on sale, pick a performance and two seats, see
   * the countdown, top up through the simulated payment step, pay, see both tickets'
   * QR codes on MY page, refund one with the fee shown first, see the balance back.
   */
  async book_two_seats_and_pay(visit) {
    const { page } = visit;
    await signUp(page, `book-${visit.viewport}-${Date.now()}@example.kr`);
    await openSeatMap(page, 0);
    await visit.look('seat-map');
    // A map wider than the screen says so and opens at its middle; the stage is over
    // the middle of the seats either way.
    const map = page.locator('.seat-map');
    const wide = await map.evaluate((m) => m.scrollWidth > m.clientWidth);
    expect(wide === (await page.locator('#scroll-cue').isVisible()), `the scroll cue shows exactly when the map scrolls (${wide})`);
    if (wide) expect(await map.evaluate((m) => m.scrollLeft > 0), 'a wide map opens at its middle');
    const offset = await page.evaluate(() => {
      const box = (selector) => document.querySelector(selector).getBoundingClientRect();
      const [stage, grid] = [box('.stage'), box('.seat-grid')];
      return Math.abs(stage.left + stage.width / 2 - (grid.left + grid.width / 2));
    });
    expect(offset < 2, `the stage is centred over the seats (${offset}px off)`);
    const free = page.locator('.seat:not([disabled])');
    expect((await free.count()) >= 2, 'two free seats to choose');
    await free.nth(0).click();
    await free.nth(1).click();
    const summary = await page.locator('#seat-summary').textContent();
    expect(summary.startsWith('2석 선택'), `the bar counts two seats: ${summary}`);
    expect((await page.locator('.seat[aria-pressed="true"]').count()) === 2, 'two seats show as chosen');
    await visit.look('two-seats');
    await Promise.all([page.waitForURL(/\/checkout\/\d+$/), page.getByRole('button', { name: '선택 완료' }).click()]);
    const first = await page.locator('#hold-timer').textContent();
    await page.waitForTimeout(1500);
    const later = await page.locator('#hold-timer').textContent();
    expect(/^\d:\d\d$/.test(first) && later < first, `the countdown runs: ${first} then ${later}`);
    expect(await page.getByRole('button', { name: /결제하기/ }).isDisabled(), 'no paying without the points');
    await visit.look('checkout');
    await page.getByRole('button', { name: /충전하기/ }).click();
    await page.getByRole('button', { name: '결제 승인' }).click();
    // The page comes back with the new balance and no top-up left to do.
    await page.locator('.top-up').waitFor({ state: 'detached' });
    expect(!(await page.getByRole('button', { name: /결제하기/ }).isDisabled()), 'topped up, paying is possible');
    await visit.look('topped-up');
    // The second seat as 조기예매: the price, the discount and the total follow.
    const before = points(await page.locator('#total').textContent());
    const kind = page.locator('select.kind').nth(1);
    const early = await kind.locator('option', { hasText: '조기예매' }).getAttribute('value');
    await kind.selectOption(early);
    await page.locator('#discount-row:not([hidden])').waitFor();
    const discount = points(await page.locator('#discount').textContent());
    const after = points(await page.locator('#total').textContent());
    expect(discount > 0 && after === before - discount, `조기예매 takes ${discount} off: ${before} -> ${after}`);
    expect((await page.locator('#pay').textContent()).startsWith(await page.locator('#total').textContent()), 'the pay button says the new total');
    await visit.look('kind-chosen');
    // The demo's welcome code, typed in lower case, comes off the order too.
    await page.getByLabel('쿠폰 번호 등록').fill('welcome3000');
    await page.getByRole('button', { name: '등록', exact: true }).click();
    await page.locator('#coupon-row:not([hidden])').waitFor();
    const couponOff = points(await page.locator('#coupon-discount').textContent());
    const withCoupon = points(await page.locator('#total').textContent());
    expect(couponOff === 3000 && withCoupon === after - couponOff, `the coupon takes ${couponOff} off: ${after} -> ${withCoupon}`);
    await visit.look('coupon-applied');
    // Paying asks for the agreement to the refund rules first.
    await page.getByRole('button', { name: /결제하기/ }).click();
    await page.locator('#checkout-problem', { hasText: '동의해 주세요' }).waitFor();
    await page.getByLabel('취소·환불 규정을 확인했고 동의해요').check();
    await Promise.all([page.waitForURL(/\/me\?paid=\d+$/), page.getByRole('button', { name: /결제하기/ }).click()]);
    expect(await page.getByRole('status').isVisible(), 'says the payment went through');
    expect((await page.locator('.qr svg').count()) === 2, 'a QR code per ticket');
    expect((await page.locator('.ticket', { hasText: '조기예매' }).count()) === 1, 'the 조기예매 ticket says its kind');
    await visit.look('tickets');
    const left = points(await page.locator('#balance').textContent());
    expect(left === discount + couponOff, `paid the discounted total: ${left} left of the top-up`);
    const ticket = page.locator('.ticket').first();
    await ticket.getByRole('button', { name: '환불', exact: true }).click();
    // The quote can be put away and asked for again.
    await ticket.getByRole('button', { name: '취소', exact: true }).click();
    expect(await ticket.locator('.confirm').isHidden(), 'the refund quote closes');
    await ticket.getByRole('button', { name: '환불', exact: true }).click();
    const net = await ticket.locator('.net').textContent();
    const fee = await ticket.locator('.fee').textContent();
    expect(await ticket.locator('.confirm').isVisible(), `the fee (${fee}) is shown before confirming`);
    await visit.look('refund-quote');
    await ticket.getByRole('button', { name: '환불 확인' }).click();
    await page.locator('.ticket .status', { hasText: '환불됨' }).waitFor();
    const back = points(await page.locator('#balance').textContent());
    expect(back === left + points(net), `the balance is back: ${left} + ${net} = ${back}`);
    expect((await page.locator('.qr svg').count()) === 1, 'the refunded ticket lost its QR code');
    await visit.look('refunded');
  },

  /**
   * Journey 4: one person lists a ticket; another buys it in the market; the seller's
   * ticket shows as resold and the buyer's has a new QR code.
   */
  async resell_a_ticket(visit) {
    const { page } = visit;
    await signUp(page, `seller-${visit.viewport}-${Date.now()}@example.kr`);
    await buyOneSeat(page);
    const ticket = page.locator('.ticket').first();
    const code = await ticket.locator('.code').textContent();
    await ticket.getByLabel(/양도 가격/).fill('10000');
    await ticket.getByRole('button', { name: '양도 등록' }).click();
    await page.locator('.ticket .status', { hasText: '양도 등록 중' }).waitFor();
    await visit.look('listed');

    const other = await page.context().browser().newContext({ viewport: page.viewportSize(), locale: 'ko-KR' });
    const buyer = await other.newPage();
    const buying = new Visit(buyer, visit.journey, `${visit.viewport}-buyer`);
    await signUp(buyer, `buyer-${visit.viewport}-${Date.now()}@example.kr`);
    // No points yet: the refusal leads to topping up.
    buying.allowed.push('402');
    await buyer.goto(`${base}/market?sort=newest`);
    let offer = buyer.locator('.offer', { hasText: '10,000원' }).first();
    await offer.getByRole('button', { name: '구매하기' }).click();
    await offer.getByRole('button', { name: '구매 확인' }).click();
    const short = buyer.locator('#market-problem');
    await short.getByRole('link', { name: '포인트 충전하기' }).waitFor();
    await buying.look('market-short-of-points');
    await Promise.all([buyer.waitForURL(/\/me#top-up-heading$/), short.getByRole('link', { name: '포인트 충전하기' }).click()]);
    await topUp(buyer, '10,000원 충전');
    await buyer.goto(`${base}/market?sort=newest`);
    await buying.look('market');
    offer = buyer.locator('.offer', { hasText: '10,000원' }).first();
    await offer.getByRole('button', { name: '구매하기' }).click();
    const confirm = offer.locator('.confirm');
    expect((await confirm.textContent()).includes('10,000원'), 'asks to confirm the seat and the price');
    await buying.look('resale-confirm');
    await Promise.all([buyer.waitForURL(/\/me\?bought=1$/), offer.getByRole('button', { name: '구매 확인' }).click()]);
    const bought = buyer.locator('.ticket').first();
    expect(await bought.locator('.qr svg').isVisible(), 'the buyer has a QR code');
    const newCode = await bought.locator('.code').textContent();
    expect(newCode && newCode !== code, 'the buyer\'s ticket has a new code');
    await buying.look('bought');
    expect(buying.problems.length === 0, buying.problems.join('; '));
    await other.close();

    await page.reload();
    expect(await page.locator('.ticket .status', { hasText: '양도됨' }).first().isVisible(), 'the seller\'s ticket is resold');
    expect((await page.locator('.qr svg').count()) === 0, 'the seller has no QR code left');
    await visit.look('resold');
  },

  /**
   * Journey 3: an admin creates a show and turns its waiting room on at 1 person a
   * second with room for one at a time; a first fan takes the slot; two more browsers
   * enter and each sees its live position; when the slot frees, the first of them is
   * taken to the seat map by itself, and the second after.
   */
  async queue_for_a_hot_show(visit) {
    const { page } = visit;
    await logIn(page, process.env.MARQUEE_ADMIN_EMAIL, process.env.MARQUEE_ADMIN_PASSWORD);
    await fillNewShow(page, `대기열 공연 ${visit.viewport}`, 'KSPO DOME', '서울 송파구 올림픽로 424', 30);
    await visit.look('admin-new-show');
    await Promise.all([page.waitForURL(/\/admin\/shows\/\d+$/), page.getByRole('button', { name: '등록' }).click()]);
    const showPath = new URL(page.url()).pathname.replace('/admin', '');
    const room = page.locator('.room').first();
    await room.getByLabel('대기열 사용').check();
    await room.getByLabel('초당 입장 인원').fill('1');
    await room.getByLabel('동시 입장 최대 인원').fill('1');
    await room.getByLabel(/예매 가능 시간/).fill('6');
    await room.getByRole('button', { name: '저장' }).click();
    await page.locator('.room .tag', { hasText: '대기열 켜짐' }).waitFor();
    await visit.look('admin-room-on');
    await page.goto(`${base}/admin${showPath}/edit`);
    expect((await page.getByLabel('공연명', { exact: true }).inputValue()) === `대기열 공연 ${visit.viewport}`, 'the edit form starts from the show');
    await visit.look('admin-edit-show');
    await page.goto(`${base}/admin`);
    expect(await page.getByRole('link', { name: `대기열 공연 ${visit.viewport}` }).isVisible(), 'the new show is listed');
    await visit.look('admin-shows');

    const fans = [];
    for (const name of ['first', 'second', 'third']) {
      const context = await page.context().browser().newContext({ viewport: page.viewportSize(), locale: 'ko-KR' });
      const fan = await context.newPage();
      const seen = new Visit(fan, visit.journey, `${visit.viewport}-${name}`);
      await signUp(fan, `queue-${name}-${visit.viewport}-${Date.now()}@example.kr`);
      await fan.goto(`${base}${showPath}`);
      await Promise.all([fan.waitForURL(/\/queue\/\d+$/), fan.getByRole('link', { name: '예매하기' }).first().click()]);
      fans.push({ fan, seen, context });
    }
    const [holder, a, b] = fans;
    // The first fan takes the only slot; the others wait behind.
    await holder.fan.waitForURL(/\/book\/\d+$/);
    await a.fan.locator('#queue-position', { hasText: '1번째' }).waitFor();
    await b.fan.locator('#queue-position', { hasText: '2번째' }).waitFor();
    await a.seen.look('queue-first');
    await b.seen.look('queue-second');
    // The slot frees when the holder's six seconds end: a goes in, b moves up live.
    await a.fan.waitForURL(/\/book\/\d+$/, { timeout: 20000 });
    expect(await a.fan.locator('.seat:not([disabled])').first().isVisible(), 'the seat map opened by itself');
    await a.seen.look('admitted');
    expect(b.fan.url().includes('/queue/'), 'the second is still waiting');
    await b.fan.locator('#queue-position', { hasText: '1번째' }).waitFor();
    await b.fan.waitForURL(/\/book\/\d+$/, { timeout: 20000 });
    for (const { seen, context } of fans) {
      expect(seen.problems.length === 0, seen.problems.join('; '));
      await context.close();
    }
  },

  /**
   * The organizer cancels a performance a fan has booked: the admin page says it is
   * cancelled and follows the refunds to the end; the fan's MY page reads 공연 취소
   * with the whole price and fee back and the standard's compensation on top, and the
   * show page no longer sells that performance.
   */
  async cancel_a_booked_performance(visit) {
    const { page } = visit;
    await logIn(page, process.env.MARQUEE_ADMIN_EMAIL, process.env.MARQUEE_ADMIN_PASSWORD);
    await fillNewShow(page, `취소될 공연 ${visit.viewport}`, '블루스퀘어', '서울 용산구 이태원로 294', 20);
    await Promise.all([page.waitForURL(/\/admin\/shows\/\d+$/), page.getByRole('button', { name: '등록' }).click()]);
    const adminPath = new URL(page.url()).pathname;
    const showPath = adminPath.replace('/admin', '');
    // The poster: an SVG is refused with the reason, a PNG becomes the poster.
    visit.allowed.push('415'); // the SVG's refusal
    const poster = page.locator('form.poster-upload');
    await poster.getByLabel(/JPEG, PNG, WebP/).setInputFiles({ name: 'poster.svg', mimeType: 'image/svg+xml', buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>') });
    await poster.getByRole('button', { name: '포스터 올리기' }).click();
    await poster.getByText('JPEG, PNG, WebP 이미지만 올릴 수 있어요.').waitFor();
    await poster.getByLabel(/JPEG, PNG, WebP/).setInputFiles({ name: 'poster.jpg', mimeType: 'image/jpeg', buffer: posterPng() });
    await Promise.all([page.waitForLoadState('load'), poster.getByRole('button', { name: '포스터 올리기' }).click()]);
    await page.locator('img.poster-thumb').waitFor();
    expect(await page.locator('img.poster-thumb').evaluate((img) => img.complete && img.naturalWidth === 240), 'the admin page shows the new poster');
    await visit.look('admin-poster');

    const context = await page.context().browser().newContext({ viewport: page.viewportSize(), locale: 'ko-KR' });
    const fan = await context.newPage();
    const seen = new Visit(fan, visit.journey, `${visit.viewport}-fan`);
    await fan.goto(`${base}${showPath}`);
    const shown = fan.locator('img.poster');
    await shown.evaluate((img) => img.decode());
    // One of the copies, as the browser chose for 240 CSS pixels at its density.
    expect(await shown.evaluate((img) => img.naturalWidth > 0 && /\/posters\/\d+\/[0-9a-f]{16}\/(240|480|960)\.jpg$/.test(img.currentSrc)), 'the show page draws the uploaded poster');
    await seen.look('show-poster');
    await signUp(fan, `cancelled-${visit.viewport}-${Date.now()}@example.kr`);
    await topUp(fan, '300,000원 충전');
    const before = points(await fan.locator('#balance').innerText());
    await fan.goto(`${base}${showPath}`);
    await Promise.all([fan.waitForURL(/\/book\/\d+$/), fan.getByRole('link', { name: '예매하기' }).first().click()]);
    await fan.locator('.seat:not([disabled])').first().click();
    await Promise.all([fan.waitForURL(/\/checkout\/\d+$/), fan.getByRole('button', { name: '선택 완료' }).click()]);
    await fan.getByLabel('취소·환불 규정을 확인했고 동의해요').check();
    await Promise.all([fan.waitForURL(/\/me\?paid=\d+$/), fan.getByRole('button', { name: /결제하기/ }).click()]);
    const paid = before - points(await fan.locator('#balance').innerText());
    expect(paid > 0, 'the booking cost points');
    const number = await fan.locator('.ticket .order-number').first().innerText();

    await page.goto(`${base}${adminPath}`);
    const block = page.locator('.cancel-performance').first();
    await block.getByText('이 회차 공연 취소').click();
    await visit.look('admin-cancel-ask');
    await Promise.all([
      page.waitForLoadState('load'),
      block.getByRole('button', { name: '공연 취소하고 전액 환불' }).click(),
    ]);
    await page.locator('.cancellation-state', { hasText: '공연 취소' }).waitFor();
    for (let tries = 0; !(await page.locator('.cancellation-state', { hasText: '환불 완료' }).isVisible()); tries += 1) {
      expect(tries < 40, 'the refunds finished');
      await page.waitForTimeout(250);
      await page.reload();
    }
    expect(await page.locator('.cancellation-state', { hasText: '환불 1장' }).isVisible(), 'one ticket refunded');
    await visit.look('admin-cancelled');

    await fan.goto(`${base}/me`);
    const ticket = fan.locator('.ticket', { hasText: number });
    expect(await ticket.locator('.tag.status', { hasText: '공연 취소' }).isVisible(), 'the ticket reads 공연 취소');
    expect(await ticket.getByText('전액 환불했어요').isVisible(), 'it says the whole price came back');
    expect(await ticket.getByText(/공연 취소 배상 [\d,]+원 지급/).isVisible(), 'and the compensation');
    expect((await ticket.locator('svg').count()) === 0, 'no entry code is left');
    const after = points(await fan.locator('#balance').innerText());
    expect(after > before, `the fee came back with the price and compensation on top (${before} -> ${after})`);
    expect(await fan.locator('.ledger td', { hasText: '공연 취소 배상' }).isVisible(), 'the point history shows the compensation');
    await seen.look('me-cancelled');
    await fan.goto(`${base}${showPath}`);
    expect(await fan.locator('.tag.cancelled', { hasText: '공연 취소' }).isVisible(), 'the show page says the performance is cancelled');
    expect((await fan.getByRole('link', { name: '예매하기' }).count()) === 0, 'and no longer sells it');
    await seen.look('show-cancelled');
    expect(seen.problems.length === 0, seen.problems.join('; '));
    await context.close();
  },

  /**
   * A standing concert, as its admin sets it up and a fan books it: the admin's form
   * sells a grade by count (스탠딩, 100 places) and states 관람 정보 and the cast; the
   * fan reads them on the show page, chooses two places with the area's stepper, pays,
   * and finds 입장번호 1 and 2 on MY page.
   */
  async buy_standing_places(visit) {
    const { page } = visit;
    await logIn(page, process.env.MARQUEE_ADMIN_EMAIL, process.env.MARQUEE_ADMIN_PASSWORD);
    await fillNewShow(page, `스탠딩 공연 ${visit.viewport}`, '무신사 개러지', '서울 마포구 와우산로 19', 25);
    await page.getByLabel('등급', { exact: true }).fill('스탠딩');
    await page.getByLabel('판매 방식').selectOption('count');
    await page.getByLabel(/인원/).fill('100');
    expect(await page.getByLabel(/^열당 좌석/).isHidden(), 'a grade sold by count asks for no rows');
    // 관람 정보 and the performance's cast, as the show page will state them.
    await page.getByLabel(/^관람시간/).fill('120');
    await page.getByLabel(/^인터미션/).fill('0');
    await page.getByLabel('관람등급').selectOption({ label: '만 7세 이상' });
    await page.getByLabel(/^캐스팅/).fill('게스트: 십센치');
    // Out of the number field before the picture: after a full-page screenshot taken
    // with a number input focused, Chromium drops the next click (a harness quirk; a
    // person's tap goes through, as the same steps without the picture show).
    await page.getByLabel(/인원/).blur();
    await visit.look('admin-standing-form');
    await Promise.all([page.waitForURL(/\/admin\/shows\/\d+$/), page.getByRole('button', { name: '등록' }).click()]);
    const showPath = new URL(page.url()).pathname.replace('/admin', '');

    const context = await page.context().browser().newContext({ viewport: page.viewportSize(), locale: 'ko-KR' });
    const fan = await context.newPage();
    const seen = new Visit(fan, visit.journey, `${visit.viewport}-fan`);
    await fan.goto(`${base}${showPath}`);
    expect(await fan.locator('.facts dd', { hasText: '120분 (인터미션 없음)' }).isVisible(), 'the running time is on the show page');
    expect(await fan.locator('.facts dd', { hasText: '만 7세 이상' }).isVisible(), 'the age rating is on the show page');
    expect(await fan.locator('.performances .cast', { hasText: '게스트 십센치' }).isVisible(), 'the performance names its cast');
    await seen.look('standing-show');
    await signUp(fan, `standing-${visit.viewport}-${Date.now()}@example.kr`);
    await topUp(fan, '300,000원 충전');
    await fan.goto(`${base}${showPath}`);
    await Promise.all([fan.waitForURL(/\/book\/\d+$/), fan.getByRole('link', { name: '예매하기' }).first().click()]);
    expect(await fan.locator('.seat').count() === 0, 'a standing area draws no seats');
    const more = fan.getByRole('button', { name: '스탠딩 한 매 더하기' });
    await more.click();
    await more.click();
    await fan.locator('#seat-summary', { hasText: '스탠딩 2매' }).waitFor();
    await seen.look('standing-chosen');
    await Promise.all([fan.waitForURL(/\/checkout\/\d+$/), fan.getByRole('button', { name: '선택 완료' }).click()]);
    expect(await fan.getByText('입장번호는 결제 순서대로').first().isVisible(), 'checkout says how numbers are given');
    await seen.look('standing-checkout');
    await fan.getByLabel('취소·환불 규정을 확인했고 동의해요').check();
    await Promise.all([fan.waitForURL(/\/me\?paid=\d+$/), fan.getByRole('button', { name: /결제하기/ }).click()]);
    for (const number of [1, 2]) {
      expect(await fan.locator('.ticket', { hasText: `스탠딩 입장번호 ${number}` }).first().isVisible(), `MY page shows 입장번호 ${number}`);
    }
    await seen.look('standing-tickets');
    expect(seen.problems.length === 0, seen.problems.join('; '));
    await context.close();
  },

  /**
   * Journey 5: a seat taken from another browser between viewing and holding is named
   * and the map marks it, keeping the other chosen seat; and a hold left to expire
   * (holds last 20 s in this run) stops the payment and frees its seats.
   */
  async lose_a_seat_and_let_a_hold_expire(visit) {
    const { page } = visit;
    await signUp(page, `late-${visit.viewport}-${Date.now()}@example.kr`);
    await openSeatMap(page, 1);
    const free = page.locator('.seat:not([disabled])');
    const wanted = await free.nth(0).getAttribute('data-seat');
    const kept = await free.nth(1).getAttribute('data-seat');
    await free.nth(0).click();
    await free.nth(1).click();

    // Meanwhile someone else holds the first of those seats.
    const context = await page.context().browser().newContext({ viewport: page.viewportSize(), locale: 'ko-KR' });
    const rival = await context.newPage();
    const rivalVisit = new Visit(rival, visit.journey, `${visit.viewport}-rival`);
    await signUp(rival, `rival-${visit.viewport}-${Date.now()}@example.kr`);
    await rival.goto(page.url());
    await rival.locator(`.seat[data-seat="${wanted}"]`).click();
    await Promise.all([rival.waitForURL(/\/checkout\/\d+$/), rival.getByRole('button', { name: '선택 완료' }).click()]);
    expect(rivalVisit.problems.length === 0, rivalVisit.problems.join('; '));
    await context.close();

    visit.allowed.push('409'); // the hold that lost the seat
    await page.getByRole('button', { name: '선택 완료' }).click();
    const problem = page.locator('#seat-problem');
    await problem.waitFor();
    expect((await problem.textContent()).includes('다른 분이 먼저 선택한 좌석'), 'says a seat was taken');
    expect(await page.locator(`.seat[data-seat="${wanted}"]`).isDisabled(), 'the taken seat is marked taken');
    const counted = (await page.locator('[data-available]').allTextContents()).reduce((sum, n) => sum + Number(n), 0);
    const shown = await page.locator('.seat:not([disabled])').count();
    expect(counted === shown, `the legend counts the seats the map shows free: ${counted} and ${shown}`);
    expect((await page.locator(`.seat[data-seat="${kept}"]`).getAttribute('aria-pressed')) === 'true', 'the other seat stays chosen');
    await visit.look('seat-taken');

    // Hold the seat still free, and let the hold run out.
    await Promise.all([page.waitForURL(/\/checkout\/\d+$/), page.getByRole('button', { name: '선택 완료' }).click()]);
    await page.locator('#checkout-problem', { hasText: '좌석 선택 시간이 지났어요' }).waitFor({ timeout: 30000 });
    expect((await page.locator('#hold-timer').textContent()) === '0:00', 'the countdown reached zero');
    expect(await page.getByRole('button', { name: /결제하기/ }).isDisabled(), 'no paying for an expired hold');
    await visit.look('hold-expired');
    await Promise.all([page.waitForURL(/\/book\/\d+$/), page.getByRole('button', { name: '좌석 다시 선택' }).click()]);
    expect(!(await page.locator(`.seat[data-seat="${kept}"]`).isDisabled()), 'the expired hold freed its seat');
  },

  /** "카카오로 시작하기": consent at the provider (a local double), back signed in. */
  async start_with_kakao(visit) {
    const { page } = visit;
    await page.goto(`${base}/login?next=%2Fme`);
    await Promise.all([
      page.waitForURL((url) => url.href.startsWith(process.env.MARQUEE_OAUTH_URL)),
      page.getByRole('link', { name: '카카오로 시작하기' }).click(),
    ]);
    await Promise.all([page.waitForURL(`${base}/me`), page.getByRole('link', { name: '동의하고 계속하기' }).click()]);
    expect((await page.locator('h1').textContent())?.startsWith('카카오관객'), 'signed in as the Kakao account');
    await visit.look('kakao-me');

    // Signed in, the cached show page's like button works for this account.
    await openShow(page, 2);
    const like = page.locator('#like');
    await like.waitFor();
    const before = Number((await page.locator('#like-count').textContent()).replaceAll(',', ''));
    expect((await like.getAttribute('aria-pressed')) === 'false', 'not liked yet');
    await like.click();
    await page.locator('#like[aria-pressed="true"]').waitFor();
    expect(Number((await page.locator('#like-count').textContent()).replaceAll(',', '')) === before + 1, 'one more like');
    await visit.look('liked');
    await page.reload();
    await page.locator('#like[aria-pressed="true"]').waitFor();
  },

  /**
   * Top up through PortOne's payment window (a local double of its SDK and API, on an
   * api configured for PortOne): the window is a redirect on a phone and an iframe on
   * a computer. Cancelling credits nothing and says so; paying at checkout comes back
   * to the checkout with the points credited (the server asked PortOne), and the order
   * is paid with them.
   */
  async top_up_with_portone(visit) {
    const { page } = visit;
    const site = process.env.MARQUEE_PORTONE_SITE;
    const phone = visit.viewport === 'phone';
    await signUp(page, `portone-${visit.viewport}-${Date.now()}@example.kr`, site);
    const paymentWindow = () => (phone ? page : page.frameLocator('iframe[title="PortOne 결제 (테스트)"]'));

    await page.goto(`${site}/me`);
    await page.getByRole('button', { name: '50,000원 충전' }).click();
    if (phone) await page.waitForURL((url) => url.href.startsWith(process.env.MARQUEE_PORTONE_URL));
    await paymentWindow().getByRole('button', { name: '취소' }).click();
    const problem = page.locator('.top-up-problem');
    await problem.filter({ hasText: '취소' }).waitFor();
    expect(page.url() === `${site}/me`, `back on MY page with a clean address: ${page.url()}`);
    expect((await page.locator('#balance').textContent()) === '0원', 'nothing was credited');
    await visit.look('portone-cancelled');

    // A link carrying a payment id this browser did not start sends nothing.
    let charges = 0;
    page.on('request', (request) => {
      if (request.url().endsWith('/api/v1/points/charges')) charges += 1;
    });
    await page.goto(`${site}/me?top_up=returned&paymentId=top_forged`, { waitUntil: 'networkidle' });
    expect(charges === 0 && page.url() === `${site}/me`, `a forged return is ignored and wiped (${charges} charges)`);

    await openSeatMap(page, 0, site);
    await page.locator('.seat:not([disabled])').first().click();
    await Promise.all([page.waitForURL(/\/checkout\/\d+$/), page.getByRole('button', { name: '선택 완료' }).click()]);
    const checkout = page.url();
    const pay = page.getByRole('button', { name: /결제하기$/ });
    expect(await pay.isDisabled(), 'no points yet: paying waits for a top-up');
    await visit.look('portone-checkout');
    await page.getByRole('button', { name: /충전하기$/ }).click();
    if (phone) await page.waitForURL((url) => url.href.startsWith(process.env.MARQUEE_PORTONE_URL));
    await paymentWindow().getByRole('button', { name: '결제하기' }).click();
    await page.waitForURL(checkout);
    await page.locator('#pay:not([disabled])').waitFor();
    expect(page.url() === checkout, `the address is clean again: ${page.url()}`);
    await visit.look('portone-topped-up');
    await page.getByLabel('취소·환불 규정을 확인했고 동의해요').check();
    await Promise.all([page.waitForURL(/\/me\?paid=\d+$/), pay.click()]);
    expect(await page.locator('.ticket').first().isVisible(), 'the ticket is on MY page');
  },

  /** A category chip narrows the home page to that category. */
  async browse_one_category(visit) {
    const { page } = visit;
    await page.goto(`${base}/`);
    await Promise.all([page.waitForURL(/category=PLAY/), page.getByRole('link', { name: '연극', exact: true }).click()]);
    const tags = await page.locator('.card .tag').allTextContents();
    expect(tags.length > 0 && tags.every((tag) => tag === '연극'), `only plays: ${tags.join(', ')}`);
    expect((await page.locator('.chips [aria-current="page"]').textContent()) === '연극', 'the chip shows as chosen');
    await visit.look('plays');
  },

  /** An old link to a show that is gone is a page that leads home. */
  async follow_a_dead_link(visit) {
    const { page } = visit;
    const response = await page.goto(`${base}/shows/987654321`);
    expect(response.status() === 404, `404, not ${response.status()}`);
    expect(await page.getByRole('heading', { name: '찾을 수 없어요' }).isVisible(), 'says the show is not found');
    await visit.look('not-found');
    await Promise.all([page.waitForURL(`${base}/`), page.getByRole('link', { name: '처음으로' }).click()]);
  },
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync',
  ],
});
let failed = 0;
// JOURNEYS=name,name runs only those (while working on one); the test command runs all.
const only = process.env.JOURNEYS?.split(',').filter(Boolean);
for (const [journey, run] of Object.entries(journeys)) {
  if (only && !only.includes(journey)) continue;
  for (const [viewport, size] of Object.entries(viewports)) {
    const context = await browser.newContext({ viewport: size, locale: 'ko-KR' });
    const page = await context.newPage();
    const visit = new Visit(page, journey, viewport);
    try {
      await run(visit);
      expect(visit.problems.length === 0, visit.problems.join('; '));
      console.log(`web (${journey}, ${viewport}): passed`);
    } catch (err) {
      failed += 1;
      await page.screenshot({ path: `${artifacts}/${journey}-${viewport}-failure.png`, fullPage: true }).catch(() => {});
      console.log(`web (${journey}, ${viewport}): failed: ${err.message}`);
    }
    await context.close();
  }
}
await browser.close();
process.exit(failed === 0 ? 0 : 1);
