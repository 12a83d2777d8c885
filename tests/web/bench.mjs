// The site's speed in Chromium, for `scripts/bench web` (which starts the api at 20,000
// shows and passes MARQUEE_URL and the labelled queries in BENCH_QUERIES, one a line).
//  - First page: every byte the home page's load transfers (headers and bodies,
//    as encoded on the wire), by resource type; posters aside (the demo has none).
//  - Keystroke to rendered results: each query typed into the header's box one key
//    at a time (80 ms apart, a quick typist); for each keystroke, from the page's
//    input event to the moment the live panel shows results for that exact text.
//    A keystroke whose answer was overtaken by the next one never renders and is
//    counted apart, not as fast.

import { chromium } from 'playwright-core';

const base = process.env.MARQUEE_URL;
const queries = (process.env.BENCH_QUERIES ?? '').split('\n').filter(Boolean);
const limit = Number(process.env.BENCH_TYPED_QUERIES ?? 150);
if (!base) throw new Error('MARQUEE_URL is not set');

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync',
  ],
});

async function firstPage() {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'ko-KR' });
  const page = await context.newPage();
  const requests = [];
  page.on('requestfinished', (request) => requests.push(request));
  await page.goto(`${base}/`, { waitUntil: 'networkidle' });
  const byType = {};
  let total = 0;
  for (const request of requests) {
    const sizes = await request.sizes();
    const bytes = sizes.responseBodySize + sizes.responseHeadersSize;
    const type = request.resourceType();
    byType[type] = (byType[type] ?? 0) + bytes;
    total += bytes;
  }
  await context.close();
  return { total, byType, count: requests.length };
}

async function typing() {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'ko-KR' });
  const page = await context.newPage();
  await page.goto(`${base}/`);
  // Timestamps taken in the page: the input event, and the panel drawn for that text.
  await page.evaluate(() => {
    const input = document.getElementById('q');
    window.__typed = [];
    window.__pending = new Map();
    input.addEventListener('input', () => {
      window.__pending.set(input.value.trim(), performance.now());
    }, { capture: true });
    new MutationObserver(() => {
      const panel = document.getElementById('live-search');
      const text = panel?.dataset.query;
      if (text === undefined || !window.__pending.has(text)) return;
      window.__typed.push(performance.now() - window.__pending.get(text));
      window.__pending.delete(text);
    }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-query'], childList: true });
  });
  let keystrokes = 0;
  for (const query of queries.slice(0, limit)) {
    await page.locator('#q').fill('');
    await page.evaluate(() => window.__pending.clear());
    await page.locator('#q').click();
    await page.keyboard.type(query, { delay: 80 });
    keystrokes += [...query].length;
    await page.waitForTimeout(300);
  }
  const typed = await page.evaluate(() => window.__typed);
  await context.close();
  return { typed, keystrokes };
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

const first = await firstPage();
console.log(`\nfirst page (/ at 390x844): ${first.count} requests, ${(first.total / 1024).toFixed(1)} KB transferred`);
for (const [type, bytes] of Object.entries(first.byType)) console.log(`  ${type}: ${(bytes / 1024).toFixed(1)} KB`);

const { typed, keystrokes } = await typing();
console.log(`\nkeystroke to rendered results, ${Math.min(limit, queries.length)} labelled queries typed 80 ms a key:`);
console.log('| keystrokes | rendered | p50 ms | p95 ms | p99 ms | max ms |');
console.log('|---|---|---|---|---|---|');
console.log(`| ${keystrokes} | ${typed.length} | ${percentile(typed, 50).toFixed(1)} | ${percentile(typed, 95).toFixed(1)} | ${percentile(typed, 99).toFixed(1)} | ${Math.max(...typed).toFixed(1)} |`);
await browser.close();
