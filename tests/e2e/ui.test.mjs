// End-to-end test of the minerva web UI in real Chromium (playwright-core, never a downloaded
// browser). Needs a running `minerva serve` with the shared datasets and xss.log indexed.
//
//   MINERVA_URL            base URL of the server (default http://127.0.0.1:8080)
//   MINERVA_SCREENSHOTS    folder for PNG artefacts (default: a new temporary folder)
//   MINERVA_TOKEN          bearer token, when the server has one (entered through the UI prompt)
//   MINERVA_CHROMIUM       browser binary (default /usr/bin/chromium)
//   MINERVA_E2E_QUERY      a bare word with hits (default 173.234.31.186, OpenSSH_2k.log)
//   MINERVA_E2E_MANY_QUERY a query with > 50 hits in several tags (default sshd)
//   MINERVA_E2E_JSON_QUERY a query with CloudTrail JSON hits (default ConsoleLogin)
//   MINERVA_E2E_JSON_FIELD the leaf to filter on (default userIdentity.userName)
//   MINERVA_E2E_RANGES     optional JSON {"<query>": ["<from>", "<to>"]} (RFC 3339): search those
//                          queries in that absolute range instead of the "all time" preset
//
// Run: cd tests/e2e && npm install && MINERVA_URL=http://127.0.0.1:8080 npm test

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';

const BASE = (process.env.MINERVA_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const SHOTS = process.env.MINERVA_SCREENSHOTS || fs.mkdtempSync(path.join(os.tmpdir(), 'minerva-shots-'));
const TOKEN = process.env.MINERVA_TOKEN || '';
const CHROMIUM = process.env.MINERVA_CHROMIUM || '/usr/bin/chromium';
const QUERY = process.env.MINERVA_E2E_QUERY || '173.234.31.186';
const MANY_QUERY = process.env.MINERVA_E2E_MANY_QUERY || 'sshd';
const JSON_QUERY = process.env.MINERVA_E2E_JSON_QUERY || 'ConsoleLogin';
const JSON_FIELD = process.env.MINERVA_E2E_JSON_FIELD || 'userIdentity.userName';
const RANGES = JSON.parse(process.env.MINERVA_E2E_RANGES || '{}');
const TIMEOUT = 60_000;

let context;
let profile;
const pageErrors = [];

before(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  const health = await fetch(`${BASE}/healthz`).catch((e) => assert.fail(`${BASE} is not reachable: ${e.message}`));
  assert.equal(health.status, 200, `${BASE}/healthz answered ${health.status}`);
  profile = fs.mkdtempSync(path.join(os.tmpdir(), 'minerva-chromium-'));
  // launchPersistentContext passes --user-data-dir=<profile> itself (Playwright refuses it in args).
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1366, height: 768 },
    timezoneId: 'UTC',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  context.setDefaultTimeout(TIMEOUT);
});

after(async () => {
  if (context) await context.close();
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
  assert.deepEqual(pageErrors, [], 'uncaught errors in the page');
});

/** A new tab; answers the token prompt when the server asks for one. */
async function newPage() {
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  if (TOKEN) {
    const answer = async () => {
      try {
        await page.locator('#auth:not([hidden]) #token-input').fill(TOKEN, { timeout: 0 });
        await page.locator('#auth-form button[type=submit]').click();
      } catch {
        // page closed
      }
    };
    page.on('load', () => answer());
  }
  return page;
}

async function shot(page, name) {
  const file = path.join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  console.log(`screenshot: ${file}`);
  return file;
}

/**
 * Waits until a search other than `prevId` has succeeded and its first page is shown.
 * Returns {id, total, text}.
 */
async function waitSearch(page, prevId = '') {
  const handle = await page.waitForFunction((prev) => {
    const s = document.querySelector('#status');
    const r = document.querySelector('#results');
    const err = document.querySelector('#error');
    const id = s.dataset.searchId || '';
    // Held by the cost check: fail at once rather than time out.
    if (s.dataset.state === 'held') return { state: 'held', text: s.textContent, error: document.querySelector('#confirm-text').textContent };
    const ended = ['failed', 'cancelled'].includes(s.dataset.state);
    if (ended && (id !== prev || !err.hidden)) {
      return { state: s.dataset.state, text: s.textContent, error: document.querySelector('#error-text').textContent };
    }
    if (!id || id === prev || s.dataset.state !== 'succeeded') return null;
    if (r.dataset.state !== 'loaded' || r.dataset.searchId !== id) return null;
    return { state: 'succeeded', id, total: Number(s.dataset.total), text: s.textContent };
  }, prevId, { timeout: TIMEOUT, polling: 100 });
  const v = await handle.jsonValue();
  assert.equal(v.state, 'succeeded', `search ended ${v.state}: ${v.text} ${v.error || ''}`);
  return v;
}

/** Waits until the page of results for the current search shows `page` (and `tag`). */
async function waitPage(page, pageNo, tag = '') {
  await page.waitForFunction(([p, t]) => {
    const r = document.querySelector('#results');
    return r.dataset.state === 'loaded' && r.dataset.page === String(p) && (r.dataset.tag || '') === t;
  }, [pageNo, tag], { timeout: TIMEOUT, polling: 100 });
}

/** Records the page's API calls as "METHOD /path" (after /api/v1, without the query string). */
function trackApi(page) {
  const calls = [];
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname.startsWith('/api/v1/')) calls.push(`${r.method()} ${u.pathname.slice('/api/v1'.length)}`);
  });
  return { calls, count: (call) => calls.filter((c) => c === call).length };
}

/** Calls the API from the test itself (with the token, when there is one). */
async function apiCall(method, pathAndQuery, body) {
  const headers = { Accept: 'application/json' };
  if (TOKEN) headers.Authorization = `Bearer ${TOKEN}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${BASE}/api/v1${pathAndQuery}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: await res.json().catch(() => null) };
}

/** Goes to the UI with the "all time" preset (> 7 days: cost-checked) and `query` typed, not sent. */
async function typeAllTime(page, query) {
  await page.goto(`${BASE}/`);
  await page.locator('[data-preset="all"]').click();
  await page.locator('#query').fill(query);
}

const currentId = (page) => page.locator('#status').getAttribute('data-search-id').then((v) => v || '');
const rowKeys = (page) => page.locator('#results tr.hit').evaluateAll((rows) => rows.map((r) => `${r.dataset.objectId}:${r.dataset.seq}`));
const urlParams = (page) => new URL(page.url()).searchParams;

/** Opens the UI with the range of `query`: the "all time" preset, or MINERVA_E2E_RANGES. */
async function openWithRange(page, query) {
  const range = RANGES[query];
  if (range) {
    await page.goto(`${BASE}/?${new URLSearchParams({ from: range[0], to: range[1] })}`);
  } else {
    await page.goto(`${BASE}/`);
    await page.locator('[data-preset="all"]').click();
  }
}

/** Opens the UI, types `query`, presses Enter and waits for the results. */
async function search(page, query) {
  await openWithRange(page, query);
  await page.locator('#query').fill(query);
  await page.locator('#query').press('Enter');
  return waitSearch(page);
}

test('1. search by typing a query and pressing Enter: rows with the term highlighted', async () => {
  const page = await newPage();
  await page.goto(`${BASE}/`);
  // "/" focuses the query box.
  await page.locator('body').click({ position: { x: 5, y: 400 } });
  await page.keyboard.press('/');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'query');
  await openWithRange(page, QUERY);
  await page.locator('body').click({ position: { x: 5, y: 400 } }); // focus leaves any input
  await page.keyboard.press('/');
  await page.keyboard.type(QUERY);
  assert.equal(await page.locator('#query').inputValue(), QUERY, '"/" is not typed into the box');
  await page.keyboard.press('Enter');
  const res = await waitSearch(page);
  assert.match(res.text, /succeeded/);
  assert.match(res.text, /\d hits?\b/);
  assert.ok(res.total >= 1, `expected hits for ${QUERY}: ${res.text}`);
  const rows = page.locator('#results tr.hit');
  const n = await rows.count();
  assert.ok(n >= 1 && n <= 50, `rows: ${n}`);
  const marks = await rows.evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('.preview mark')].map((m) => m.textContent.toLowerCase())));
  for (const [i, m] of marks.entries()) {
    assert.ok(m.includes(QUERY.toLowerCase()), `row ${i} has no <mark>${QUERY}</mark>: ${JSON.stringify(m)}`);
  }
  // Status details: bytes and cost are shown.
  assert.match(res.text, /scanned/);
  assert.match(res.text, /\$\d/);
  await shot(page, '01-search');
  await page.close();
});

test('2. timeline: click a bar zooms to its bucket, drag zooms to a span; the search re-runs', async () => {
  const page = await newPage();
  const first = await search(page, QUERY);
  const before = urlParams(page);
  const spanBefore = before.get('preset') === 'all' ? Date.now() - Date.UTC(1970, 0, 1) : Date.parse(before.get('to')) - Date.parse(before.get('from'));
  assert.ok(spanBefore > 0, `range before: ${before}`);
  const fromBefore = await page.locator('#range-from').inputValue();
  const bars = page.locator('#timeline rect[data-bucket]');
  const nBars = await bars.count();
  // A divisor of 2520 (60, 63, 70, 72, 84, 90): the server's buckets are then equally wide.
  assert.ok(nBars >= 60 && 2520 % nBars === 0, `bucket count ${nBars} divides 2520`);
  const widths = await bars.evaluateAll((rs) => rs.map((r) => Number(r.getAttribute('width'))));
  assert.ok(Math.max(...widths) - Math.min(...widths) < 0.01, `equal bars: ${Math.min(...widths)}..${Math.max(...widths)}`);
  const counts = await bars.evaluateAll((rs) => rs.map((r) => Number(r.dataset.count)));
  const total = counts.reduce((a, b) => a + b, 0);
  assert.equal(total, first.total, 'timeline counts add up to the hit count');
  const best = counts.indexOf(Math.max(...counts));
  await bars.nth(best).click();
  const zoomed = await waitSearch(page, first.id);
  const p = urlParams(page);
  assert.equal(p.get('preset'), null, 'zoom switches to an absolute range');
  const from = Date.parse(p.get('from'));
  const to = Date.parse(p.get('to'));
  assert.ok(to > from, `range ${p.get('from')}..${p.get('to')}`);
  assert.ok(to - from < spanBefore, 'the range is narrower than before');
  assert.notEqual(await page.locator('#range-from').inputValue(), fromBefore, 'from input changed');
  assert.ok(zoomed.total <= first.total, `hits ${zoomed.total} <= ${first.total}`);
  assert.ok(zoomed.total >= 1, 'the clicked bucket had hits');
  await shot(page, '02-timeline-zoom');

  // Drag across buckets 10..20 of the zoomed timeline: the range is those 11 buckets.
  const bars2 = page.locator('#timeline rect[data-bucket]');
  const n2 = await bars2.count();
  const a = await bars2.nth(10).boundingBox();
  const b = await bars2.nth(20).boundingBox();
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 5 });
  await page.mouse.up();
  const dragged = await waitSearch(page, zoomed.id);
  const p2 = urlParams(page);
  const span = Date.parse(p2.get('to')) - Date.parse(p2.get('from'));
  const expected = ((to - from) / n2) * 11;
  assert.ok(Math.abs(span - expected) <= 2 + expected * 0.001, `dragged span ${span} ms, expected ~${expected}`);
  assert.ok(dragged.total <= zoomed.total);
  // Back returns to the previous range and its hits.
  await page.goBack();
  const back = await waitSearch(page, dragged.id);
  assert.equal(back.total, zoomed.total);
  await page.close();
});

test('3. tag chips filter the rows to one tag; clicking again clears', async () => {
  const page = await newPage();
  const res = await search(page, MANY_QUERY);
  const chips = page.locator('#tags [data-tag]');
  const tags = await chips.evaluateAll((cs) => cs.map((c) => c.dataset.tag));
  assert.ok(tags.length >= 1, 'tag chips shown');
  const tag = tags[tags.length > 1 ? 1 : 0];
  await page.locator(`#tags [data-tag="${tag}"]`).click();
  await waitPage(page, 1, tag);
  assert.equal(urlParams(page).get('tag'), tag);
  const rowTags = await page.locator('#results tr.hit').evaluateAll((rows) => rows.map((r) => r.dataset.tag));
  assert.ok(rowTags.length >= 1);
  assert.deepEqual([...new Set(rowTags)], [tag]);
  assert.equal(await page.locator(`#tags [data-tag="${tag}"]`).getAttribute('aria-pressed'), 'true');
  await shot(page, '03-tag-filter');
  await page.locator(`#tags [data-tag="${tag}"]`).click();
  await waitPage(page, 1, '');
  assert.equal(urlParams(page).get('tag'), null);
  assert.equal(await currentId(page), res.id, 'tag filtering does not re-run the search');
  await page.close();
});

test('4. paging: next shows the next 50 rows, back returns', async () => {
  const page = await newPage();
  const res = await search(page, MANY_QUERY);
  assert.ok(res.total > 50, `${MANY_QUERY} needs > 50 hits, has ${res.total}`);
  const first = await rowKeys(page);
  assert.equal(first.length, 50);
  assert.match(await page.locator('#page-info').textContent(), /showing 1–50 of [\d,]+/);
  await page.locator('#next-page').click();
  await waitPage(page, 2);
  const second = await rowKeys(page);
  assert.ok(second.length >= 1);
  assert.equal(second.filter((k) => first.includes(k)).length, 0, 'page 2 rows differ from page 1');
  assert.match(await page.locator('#page-info').textContent(), /showing 51–\d+ of/);
  assert.equal(urlParams(page).get('page'), '2');
  await shot(page, '04-page-2');
  await page.locator('#prev-page').click();
  await waitPage(page, 1);
  assert.deepEqual(await rowKeys(page), first);
  await page.goBack();
  await waitPage(page, 2);
  assert.deepEqual(await rowKeys(page), second);
  await page.close();
});

test('5. JSON detail: "+" on a leaf adds field=value to the query and re-runs', async () => {
  const page = await newPage();
  const res = await search(page, JSON_QUERY);
  const row = page.locator('#results tr.hit', { hasText: '{' }).first();
  await row.click();
  const detail = page.locator('#results .hit-detail').first();
  await detail.waitFor();
  assert.ok(await detail.locator('.jt').count(), 'JSON tree shown');
  // Raw toggle and back.
  await detail.locator('.toggle-raw').click();
  assert.match(await detail.locator('pre.raw').textContent(), /^\s*[{[]/);
  await detail.locator('.toggle-raw').click();
  let add = detail.locator(`.add-filter[data-field="${JSON_FIELD}"]`).first();
  if (!(await add.count())) add = detail.locator('.add-filter').first();
  const field = await add.getAttribute('data-field');
  await shot(page, '05-json-detail');
  await add.click();
  const filtered = await waitSearch(page, res.id);
  const q = await page.locator('#query').inputValue();
  assert.ok(q.startsWith(JSON_QUERY), q);
  assert.ok(q.includes(` ${field}=`), `query has ${field}=…: ${q}`);
  assert.ok(filtered.total >= 1, `filtered search has hits: ${q}`);
  assert.ok(filtered.total <= res.total);
  assert.equal(urlParams(page).get('q'), q);
  // "−" excludes: the clause is negated and the search still runs.
  await page.locator('#results tr.hit').first().click();
  const ex = page.locator('#results .hit-detail .exclude-filter').first();
  const exField = await ex.getAttribute('data-field');
  await ex.click();
  await waitSearch(page, filtered.id);
  assert.ok((await page.locator('#query').inputValue()).includes(` -${exField}=`));
  await page.close();
});

test('6. XSS corpus: log text is shown as text, never run', async () => {
  const page = await newPage();
  let dialogs = 0;
  page.on('dialog', (d) => {
    dialogs++;
    d.dismiss().catch(() => {});
  });
  const res = await search(page, 'xssneedle');
  assert.ok(res.total >= 7, `xss.log lines found: ${res.total}`);
  const n = await page.locator('#results tr.hit').count();
  for (let i = 0; i < n; i++) {
    await page.locator('#results tr.hit').nth(i).click();
  }
  assert.equal(await page.locator('#results .hit-detail').count(), n);
  // Show raw for the JSON ones too.
  for (const t of await page.locator('#results .toggle-raw').all()) await t.click();
  await page.waitForTimeout(1000);
  assert.equal(await page.evaluate(() => typeof window.__xss), 'undefined', 'window.__xss was set');
  assert.equal(dialogs, 0, 'a dialog opened');
  const text = await page.evaluate(() => document.body.innerText);
  assert.ok(text.includes('<script>window.__xss=1</script>'), 'the literal <script> text is visible');
  assert.ok(text.includes('<svg onload=window.__xss=1>'));
  const injected = await page.evaluate(() => ({
    scripts: document.querySelectorAll('#results script, #tags script, #timeline script').length,
    imgs: document.querySelectorAll('#results img, #results svg, #results iframe').length,
    links: document.querySelectorAll('#results a').length,
    handlers: [...document.querySelectorAll('#results *')].filter((e) => [...e.attributes].some((a) => /^on/i.test(a.name))).length,
  }));
  assert.deepEqual(injected, { scripts: 0, imgs: 0, links: 0, handlers: 0 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, '06-xss');
  await page.close();
});

test('7. the URL holds the state: reload gives the same query and hits; time zone toggle', async () => {
  const page = await newPage();
  const res = await search(page, QUERY);
  const url = page.url();
  const p = new URL(url).searchParams;
  assert.equal(p.get('q'), QUERY);
  await page.reload();
  const again = await waitSearch(page);
  assert.equal(await page.locator('#query').inputValue(), QUERY);
  assert.equal(again.total, res.total);
  assert.equal(page.url(), url);
  // Opening the URL in a fresh tab runs it too.
  const other = await newPage();
  await other.goto(url);
  const third = await waitSearch(other);
  assert.equal(third.total, res.total);
  await other.close();
  // Time zone: UTC by default, the header says so; local is remembered in the URL.
  const header = page.locator('#results thead th').first();
  assert.match(await header.textContent(), /UTC/);
  await page.locator('[data-tz="local"]').click();
  assert.match(await header.textContent(), /local \(UTC[+-]\d\d:\d\d\)/);
  assert.equal(urlParams(page).get('tz'), 'local');
  await page.close();
});

test('8. errors: a bad query shows the server message in the error banner', async () => {
  const page = await newPage();
  await openWithRange(page, QUERY);
  await page.locator('#query').fill('(admin OR root');
  await page.locator('#query').press('Enter');
  await page.locator('#error:not([hidden])').waitFor();
  const message = await page.locator('#error-text').textContent();
  assert.match(message, /^Query error: /, message);
  assert.match(message, /byte \d+/, 'the server says where');
  assert.equal(await page.locator('#status').getAttribute('data-state'), 'failed');
  await page.close();
});

// A fake estimate far over the bounds (1 GB, $0.05); the real test data is small.
const BIG_ESTIMATE = {
  engine: 'athena', partitions: 8760, index_files: 17520, index_bytes: 2.5e12, message_bytes: 9e12,
  statements: 2, max_scan_bytes: 5e12, max_cost_usd: 25,
};

test('9. estimate: a long range asks for it first and, below the bounds, searches at once; a short range asks none', async () => {
  // The server's own estimate of an "all time" search: an upper bound, nothing run, small here.
  const est = await apiCall('POST', '/search/estimate', { query: QUERY, start: '1970-01-01T00:00:00Z', end: '2060-01-01T00:00:00Z' });
  assert.equal(est.status, 200, JSON.stringify(est.body));
  for (const k of ['engine', 'partitions', 'index_files', 'index_bytes', 'message_bytes', 'statements', 'max_scan_bytes', 'max_cost_usd']) {
    assert.ok(k in est.body, `estimate has ${k}: ${JSON.stringify(est.body)}`);
  }
  assert.ok(est.body.max_scan_bytes <= 1e9 && est.body.max_cost_usd <= 0.05, `the test data is under the bounds: ${JSON.stringify(est.body)}`);
  const bad = await apiCall('POST', '/search/estimate', { query: '(admin OR root', start: '1970-01-01T00:00:00Z', end: '2060-01-01T00:00:00Z' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.code, 'bad_query');

  const page = await newPage();
  const api = trackApi(page);
  await typeAllTime(page, QUERY);
  await page.locator('#query').press('Enter');
  const res = await waitSearch(page);
  assert.ok(res.total >= 1, res.text);
  assert.equal(api.count('POST /search/estimate'), 1, api.calls.join(', '));
  assert.equal(api.count('POST /search'), 1);
  assert.ok(api.calls.indexOf('POST /search/estimate') < api.calls.indexOf('POST /search'), `estimate first: ${api.calls.join(', ')}`);
  assert.ok(await page.locator('#confirm').isHidden(), 'no confirmation below the bounds');
  // 24 hours (<= 7 days): no estimate, the search runs at once.
  await page.locator('[data-preset="24h"]').click();
  await waitSearch(page, res.id);
  assert.equal(api.count('POST /search/estimate'), 1, api.calls.join(', '));
  assert.equal(api.count('POST /search'), 2);
  await page.close();
});

test('10. estimate over the bounds: a confirmation strip; Cancel runs nothing, Run starts the search', async () => {
  const page = await newPage();
  const api = trackApi(page);
  let dialogs = 0;
  page.on('dialog', (d) => {
    dialogs++;
    d.dismiss().catch(() => {});
  });
  await page.route('**/api/v1/search/estimate', (route) => route.fulfill({ json: BIG_ESTIMATE }));
  await typeAllTime(page, QUERY);
  await page.locator('#query').press('Enter');
  const strip = page.locator('#confirm:not([hidden])');
  await strip.waitFor();
  assert.equal(await page.locator('#confirm-text').textContent(), 'This search may scan up to 5.00 TB (8,760 partitions, up to $25.00). Run it?');
  assert.equal(await page.locator('#status').getAttribute('data-state'), 'held');
  await shot(page, '10-estimate-confirm');
  // Cancel: the strip goes, no search is started.
  await page.locator('#confirm-cancel').click();
  await page.locator('#confirm').waitFor({ state: 'hidden' });
  await page.waitForTimeout(500);
  assert.equal(api.count('POST /search'), 0, api.calls.join(', '));
  assert.equal(await page.locator('#status').getAttribute('data-state'), 'idle');
  assert.equal(await currentId(page), '');
  assert.match(await page.locator('#results-empty').textContent(), /^Search not run: it may scan up to 5\.00 TB/);
  // Again, and Run: the search starts once, and its hits are shown.
  await page.locator('#query').press('Enter');
  await strip.waitFor();
  assert.equal(api.count('POST /search'), 0);
  await page.locator('#confirm-run').click();
  await page.locator('#confirm').waitFor({ state: 'hidden' });
  const res = await waitSearch(page);
  assert.ok(res.total >= 1, res.text);
  assert.equal(api.count('POST /search'), 1, api.calls.join(', '));
  assert.equal(api.count('POST /search/estimate'), 2);
  // Filtering the confirmed search by tag asks nothing again.
  const tag = await page.locator('#tags [data-tag]').first().getAttribute('data-tag');
  await page.locator(`#tags [data-tag="${tag}"]`).click();
  await waitPage(page, 1, tag);
  assert.equal(api.count('POST /search/estimate'), 2);
  assert.equal(api.count('POST /search'), 1);
  await page.locator(`#tags [data-tag="${tag}"]`).click();
  await waitPage(page, 1, '');
  // The estimate call failing (Athena without an index location): the search runs anyway, no message.
  await page.unroute('**/api/v1/search/estimate');
  await page.route('**/api/v1/search/estimate', (route) => route.fulfill({
    status: 400, json: { error: { code: 'bad_request', message: 'no index location is configured' } },
  }));
  await page.locator('#query').press('Enter');
  await waitSearch(page, res.id);
  assert.equal(api.count('POST /search/estimate'), 3);
  assert.equal(api.count('POST /search'), 2);
  assert.ok(await page.locator('#confirm').isHidden());
  assert.ok(await page.locator('#error').isHidden(), 'no error shown for a failed estimate');
  assert.equal(dialogs, 0, 'no window.confirm');
  await page.close();
});

test('11. status line: engine and statements; a truncated search shows the limit note as text', async () => {
  const page = await newPage();
  const NOTE = 'phrase search: more than 200,000 candidate records, only the newest were checked <b id="note-html">narrow the range</b>';
  // The status of a search (not /logs, /timeline, /estimate): truncated, with a note holding HTML,
  // and a total over 100,000.
  await page.route((url) => /^\/api\/v1\/search\/(?!estimate$)[^/]+$/.test(url.pathname), async (route) => {
    if (route.request().method() !== 'GET') return route.fallback();
    const response = await route.fetch();
    const body = await response.json();
    if (body && body.state === 'succeeded') Object.assign(body, { truncated: true, limit_note: NOTE, total: 1234567, hours_read: 3, hours_in_range: 168 });
    return route.fulfill({ response, json: body });
  });
  const res = await search(page, QUERY);
  assert.match(res.text, /(?<![\d,])1,234,567 hits\b/, res.text);
  assert.match(res.text, /\b(embedded|athena) · \d[\d,]* statements?\b/, res.text);
  assert.match(res.text, /scanned · .*\$\d/, res.text);
  assert.match(res.text, /\b3 of 168 hours\b/, 'the hours the sketches left: ' + res.text);
  assert.ok(['embedded', 'athena'].includes(await page.locator('#status').getAttribute('data-engine')));
  assert.match(await page.locator('#status').getAttribute('data-statements'), /^\d+$/);
  const note = page.locator('#status .limit-note');
  assert.equal(await note.textContent(), NOTE, 'the note, verbatim');
  assert.equal(await page.locator('#note-html, #status b').count(), 0, 'the note is not parsed as HTML');
  await shot(page, '11-limit-note');
  await page.close();

  // Without a route: the server's own status line, not truncated.
  const plain = await newPage();
  const real = await search(plain, QUERY);
  assert.match(real.text, /\b(embedded|athena) · \d[\d,]* statements?\b/, real.text);
  assert.equal(await plain.locator('#status .limit-note').count(), 0);
  const status = await apiCall('GET', `/search/${encodeURIComponent(real.id)}`);
  assert.equal(status.status, 200);
  assert.equal(status.body.truncated, false);
  assert.ok(['embedded', 'athena'].includes(status.body.engine), JSON.stringify(status.body));
  assert.equal(typeof status.body.statements, 'number');
  // The engine named is the server's; the count shown is the one at the end of the search
  // (reading pages may run more statements afterwards).
  const shown = new RegExp(`\\b${status.body.engine} · ([\\d,]+) statements?\\b`).exec(real.text);
  assert.ok(shown, `${status.body.engine} in ${real.text}`);
  assert.ok(Number(shown[1].replace(/,/g, '')) <= status.body.statements, `${shown[1]} <= ${status.body.statements}`);
  await plain.close();
});

test('12. "/" focuses the query box and selects the query, without typing a slash', async () => {
  const page = await newPage();
  await page.goto(`${BASE}/`);
  const query = page.locator('#query');
  const focused = () => page.evaluate(() => document.activeElement.id);
  const selection = () => page.evaluate(() => {
    const q = document.querySelector('#query');
    return [q.selectionStart, q.selectionEnd];
  });
  // On load the page focuses the box: "/" still only focuses it.
  assert.equal(await focused(), 'query');
  await page.keyboard.press('/');
  assert.equal(await query.inputValue(), '');
  // From elsewhere in the page: focus and select; typing replaces the query.
  await page.keyboard.type('abc');
  await page.locator('body').click({ position: { x: 5, y: 400 } });
  assert.notEqual(await focused(), 'query');
  await page.keyboard.press('/');
  assert.equal(await focused(), 'query');
  assert.equal(await query.inputValue(), 'abc');
  assert.deepEqual(await selection(), [0, 3]);
  await page.keyboard.type('x');
  assert.equal(await query.inputValue(), 'x');
  // While typing in the box a slash is a character (paths).
  await page.keyboard.type('/var');
  assert.equal(await query.inputValue(), 'x/var');
  // From a button (a preset): focus, no slash.
  await page.locator('[data-preset="1h"]').click();
  await page.keyboard.press('/');
  assert.equal(await focused(), 'query');
  assert.equal(await query.inputValue(), 'x/var');
  // After a search sent with Enter the box keeps the focus: "/" selects the query again.
  await openWithRange(page, QUERY);
  await query.fill(QUERY);
  await query.press('Enter');
  await waitSearch(page);
  await page.keyboard.press('/');
  assert.equal(await query.inputValue(), QUERY);
  assert.deepEqual(await selection(), [0, QUERY.length]);
  // In the from/to inputs "/" is typed as usual.
  await page.locator('#range-from').fill('');
  await page.locator('#range-from').press('/');
  assert.equal(await page.locator('#range-from').inputValue(), '/');
  assert.equal(await focused(), 'range-from');
  await page.close();
});
