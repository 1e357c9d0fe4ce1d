// minerva web UI: state (kept in the URL), the search lifecycle (cost check, start, poll,
// cancel), status, tags, paging and export. See search-api/API.md for the API.

import { api, downloadWithToken, exportUrl, getToken } from './api.js';
import { tokenPrompt } from './auth.js';
import { CostGate, estimateSummary, needsCheck } from './estimate.js';
import { fmtInput, fmtInt, parseInput, prefixTerms, toIso, tzLabel } from './format.js';
import { addClause } from './jsontree.js';
import { queryKeys } from './keys.js';
import { Results, refreshTimes } from './results.js';
import { commit as commitState, initialState, resolveRange, searchKey, stateFromUrl } from './state.js';
import { assignColors, renderTags as drawTags, seriesOf } from './tags.js';
import { TERMINAL, renderStatus, setStatus } from './status.js';
import { Timeline, bucketCountFor } from './timeline.js';

const PAGE_SIZE = 50;
const POLL_MS = 250;
const IDLE_HINT = 'Type a query above (an IP address, a user name, user=alice, "failed password"…) and press Enter. "Syntax help" has examples.';

const $ = (id) => document.getElementById(id);
const ui = {
  form: $('search-form'), query: $('query'), searchBtn: $('search-btn'), cancelBtn: $('cancel-btn'),
  from: $('range-from'), to: $('range-to'), status: $('status'), error: $('error'), errorText: $('error-text'),
  tags: $('tags'), results: $('results'), empty: $('results-empty'), pageInfo: $('page-info'),
  prev: [$('prev-page'), $('prev-page-bottom')], next: [$('next-page'), $('next-page-bottom')],
  exports: { jsonl: $('export-jsonl'), csv: $('export-csv') },
  auth: $('auth'), authForm: $('auth-form'), authMsg: $('auth-msg'), token: $('token-input'),
  confirm: { strip: $('confirm'), text: $('confirm-text'), run: $('confirm-run'), cancel: $('confirm-cancel') },
};

// What the URL holds (state.js).
let state = initialState();
// The current search: {id, key, q, startMs, endMs, status, done, cancelRequested}.
let cur = null;
let gen = 0; // bumped per search; async work of an older search is dropped
let logsGen = 0;
let rangeDirty = false;
let shownRange = [null, null];
let lastRerun = 0;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const commit = (push) => commitState(state, push);
const renderTags = (counts, loading) => drawTags(ui.tags, counts, state.tag, { loading, done: Boolean(cur && cur.done) });

// ---- controls ----------------------------------------------------------------------------

function showRange(startMs, endMs) {
  shownRange = [startMs, endMs];
  rangeDirty = false;
  ui.from.value = startMs == null ? '' : fmtInput(startMs, state.tz);
  ui.to.value = endMs == null ? '' : fmtInput(endMs, state.tz);
  ui.from.removeAttribute('aria-invalid');
  ui.to.removeAttribute('aria-invalid');
}

function applyControls(range = resolveRange(state)) {
  ui.query.value = state.q;
  for (const b of document.querySelectorAll('[data-preset]')) {
    b.setAttribute('aria-pressed', String(b.dataset.preset === state.preset));
  }
  for (const b of document.querySelectorAll('[data-tz]')) b.setAttribute('aria-pressed', String(b.dataset.tz === state.tz));
  for (const l of document.querySelectorAll('[data-zone-label]')) l.textContent = tzLabel(state.tz);
  showRange(...range);
  document.title = state.q ? `${state.q} · minerva` : 'minerva';
}

/** Reads edited from/to inputs into the state; false (with an error shown) when invalid. */
function readRange() {
  if (!rangeDirty) return true;
  const from = parseInput(ui.from.value, state.tz);
  const to = parseInput(ui.to.value, state.tz);
  ui.from.toggleAttribute('aria-invalid', Number.isNaN(from));
  ui.to.toggleAttribute('aria-invalid', Number.isNaN(to));
  if (Number.isNaN(from) || Number.isNaN(to)) {
    showError('Time range: write times as YYYY-MM-DD HH:MM:SS (in the zone shown), optionally ending in Z or +09:00.');
    return false;
  }
  if (to <= from) {
    showError('Time range: "to" must be after "from".');
    return false;
  }
  state.preset = null;
  state.from = from;
  state.to = to;
  return true;
}

function showError(message) {
  ui.errorText.textContent = message;
  ui.error.hidden = false;
}

function hideError() {
  ui.error.hidden = true;
  ui.errorText.textContent = '';
}

function errorMessage(e) {
  if (e && e.code === 'bad_query') return `Query error: ${e.message}`;
  if (e && e.status) return `${e.message} (HTTP ${e.status}${e.code ? `, ${e.code}` : ''})`;
  return String((e && e.message) || e);
}

// ---- search lifecycle --------------------------------------------------------------------

function stopCurrent() {
  if (cur && cur.id && !cur.done) api.cancel(cur.id).catch(() => {});
  if (cur) cur.done = true;
}

function setExports(id) {
  for (const [format, a] of Object.entries(ui.exports)) {
    if (id) {
      a.href = exportUrl(id, format);
      a.setAttribute('download', `minerva-${id}.${format}`);
      a.classList.remove('disabled');
      a.removeAttribute('aria-disabled');
    } else {
      a.removeAttribute('href');
      a.classList.add('disabled');
      a.setAttribute('aria-disabled', 'true');
    }
  }
}

function resetView(message) {
  ui.results.dataset.state = 'idle';
  results.clear();
  ui.empty.hidden = !message;
  ui.empty.textContent = message || '';
  ui.pageInfo.textContent = '';
  setPager(false, false);
  setExports(null);
}

/** The loading look of a search about to start. */
function showStarting(text = 'starting…') {
  setStatus(ui.status, 'queued', [text]);
  ui.cancelBtn.disabled = false;
  timeline.clear('loading');
  renderTags({}, true);
  resetView('');
  ui.results.dataset.state = 'loading';
  results.skeleton();
}

/** Runs the state's search; a long range is cost-checked first, unless `rerun` (same search). */
async function runSearch({ rerun = false } = {}) {
  const my = ++gen;
  gate.dismiss();
  stopCurrent();
  hideError();
  const [startMs, endMs] = resolveRange(state);
  applyControls([startMs, endMs]);
  const q = state.q.trim();
  if (!q) {
    cur = null;
    setStatus(ui.status, 'idle', ['Type a query and press Enter.']);
    ui.cancelBtn.disabled = true;
    timeline.clear('idle');
    renderTags({});
    resetView(IDLE_HINT);
    return;
  }
  cur = null;
  ui.status.dataset.searchId = '';
  ui.status.dataset.total = '';
  const check = !rerun && needsCheck(startMs, endMs);
  showStarting(check ? 'checking the cost…' : 'starting…');
  if (check) {
    const answer = await gate.check(q, startMs, endMs, () => {
      setStatus(ui.status, 'held', ['waiting for Run or Cancel']);
      timeline.clear('idle', 'waiting for Run or Cancel');
      renderTags({});
      resetView('');
    });
    if (my !== gen || answer === 'stale') return;
    if (answer === 'cancel') {
      setStatus(ui.status, 'idle', ['Search not run.']);
      ui.cancelBtn.disabled = true;
      timeline.clear('idle', 'search not run');
      const why = gate.last ? ` it may scan ${estimateSummary(gate.last)}.` : '';
      resetView(`Search not run:${why} Narrow the time range, or search again and press Run.`);
      return;
    }
    showStarting();
  }
  cur = { id: null, key: searchKey(state), q, startMs, endMs, status: null, done: false };
  const search = cur;
  let st;
  try {
    const { id } = await api.startSearch(q, toIso(startMs), toIso(endMs));
    if (my !== gen) {
      api.cancel(id).catch(() => {});
      return;
    }
    search.id = id;
    ui.status.dataset.searchId = id;
    if (search.cancelRequested) api.cancel(id).catch(() => {});
    let failures = 0;
    for (;;) {
      try {
        st = await api.status(id);
        failures = 0;
      } catch (e) {
        if (my !== gen) return;
        if (search.cancelRequested && e.status === 404) {
          st = { id, state: 'cancelled', total: 0, elapsed_ms: 0, bytes_scanned: 0, cost_usd: 0 };
          break;
        }
        if (e.status === 0 && ++failures < 8) {
          await sleep(POLL_MS * 2 * failures);
          continue;
        }
        throw e;
      }
      if (my !== gen) return;
      search.status = st;
      renderStatus(ui.status, st);
      ui.cancelBtn.disabled = TERMINAL.has(st.state);
      if (TERMINAL.has(st.state)) break;
      await sleep(POLL_MS);
      if (my !== gen) return;
    }
  } catch (e) {
    if (my !== gen) return;
    search.done = true;
    setStatus(ui.status, 'failed', ['error']);
    ui.cancelBtn.disabled = true;
    showError(errorMessage(e));
    timeline.clear('failed');
    resetView('');
    return;
  }
  search.done = true;
  search.status = st;
  renderStatus(ui.status, st);
  ui.cancelBtn.disabled = TERMINAL.has(st.state);
  if (st.state === 'succeeded') {
    assignColors(st.tag_counts || {});
    renderTags(st.tag_counts || {});
    setExports(search.id);
    loadTimeline();
    loadLogs();
  } else {
    if (st.state === 'failed') showError(`Search failed: ${st.reason || 'unknown reason'}`);
    timeline.clear(st.state, st.state === 'cancelled' ? 'search cancelled' : 'search failed');
    renderTags({});
    resetView(st.state === 'cancelled' ? 'Search cancelled.' : 'Search failed.');
  }
}

/** The search's id expired on the server (404): run it again, at most every 10 s. */
function rerunExpired(e) {
  if (e && e.status === 404 && Date.now() - lastRerun > 10000) {
    lastRerun = Date.now();
    runSearch({ rerun: true });
    return true;
  }
  return false;
}

async function loadTimeline() {
  const search = cur;
  if (!search || !search.id) return;
  const my = gen;
  const width = document.getElementById('timeline').clientWidth || 900;
  try {
    const data = await api.timeline(search.id, bucketCountFor(width));
    if (my !== gen) return;
    timeline.setActiveTag(state.tag);
    timeline.setData(data);
  } catch (e) {
    if (my !== gen || rerunExpired(e)) return;
    timeline.clear('failed', 'timeline unavailable');
    showError(errorMessage(e));
  }
}

async function loadLogs() {
  const search = cur;
  if (!search || !search.id || !search.status || search.status.state !== 'succeeded') return;
  const my = gen;
  const lg = ++logsGen;
  ui.results.dataset.state = 'loading';
  ui.results.classList.add('stale');
  try {
    const r = await api.logs(search.id, (state.page - 1) * PAGE_SIZE, PAGE_SIZE, state.tag);
    if (my !== gen || lg !== logsGen) return;
    ui.results.classList.remove('stale');
    results.render(r.hits || [], search.status.terms, prefixTerms(search.q));
    const total = Number(r.total) || 0;
    const first = (state.page - 1) * PAGE_SIZE;
    const shown = (r.hits || []).length;
    ui.pageInfo.textContent = total === 0 ? 'no hits' : shown === 0 ? `no hits on page ${state.page} of ${fmtInt(total)}` : `showing ${fmtInt(first + 1)}–${fmtInt(first + shown)} of ${fmtInt(total)}${state.tag ? ` (tag ${state.tag})` : ''}`;
    setPager(state.page > 1, first + shown < total);
    ui.empty.hidden = shown > 0;
    ui.empty.textContent = shown > 0 ? '' : total > 0 ? 'No hits on this page.' : emptyHint();
    ui.results.dataset.searchId = search.id;
    ui.results.dataset.page = String(state.page);
    ui.results.dataset.tag = state.tag || '';
    ui.results.dataset.state = 'loaded';
  } catch (e) {
    if (my !== gen || lg !== logsGen || rerunExpired(e)) return;
    ui.results.classList.remove('stale');
    ui.results.dataset.state = 'failed';
    showError(errorMessage(e));
  }
}

function emptyHint() {
  if (state.tag) return `No hits with tag "${state.tag}". Click the tag again to clear the filter.`;
  if (state.preset !== 'all') return 'No hits. Try a wider time range (e.g. "all time") or fewer words.';
  return 'No hits. Try fewer words, or a prefix like admin*.';
}

function setPager(prev, next) {
  for (const b of ui.prev) b.disabled = !prev;
  for (const b of ui.next) b.disabled = !next;
}

// ---- tags --------------------------------------------------------------------------------

function selectTag(tag) {
  state.tag = state.tag === tag ? null : tag;
  state.page = 1;
  commit(true);
  for (const b of ui.tags.querySelectorAll('[data-tag]')) b.setAttribute('aria-pressed', String(b.dataset.tag === state.tag));
  timeline.setActiveTag(state.tag);
  if (cur && cur.status) renderTags(cur.status.tag_counts || {});
  loadLogs();
}

// ---- actions -----------------------------------------------------------------------------

/** Search with the query box and range inputs (Enter, the button, examples, filters). */
function submit() {
  if (!readRange()) return;
  state.q = ui.query.value.trim();
  state.page = 1;
  commit(true);
  runSearch();
}

function zoom(startMs, endMs) {
  if (!(endMs > startMs)) return;
  state.preset = null;
  state.from = startMs;
  state.to = endMs;
  state.page = 1;
  commit(true);
  runSearch();
}

function goPage(delta) {
  state.page = Math.max(1, state.page + delta);
  commit(true);
  loadLogs();
  // From the bottom pager: back to the first row.
  if (ui.results.getBoundingClientRect().top < 0) ui.results.scrollIntoView({ block: 'start' });
}

function setTz(tz) {
  if (tz === state.tz) return;
  const edited = rangeDirty ? [parseInput(ui.from.value, state.tz), parseInput(ui.to.value, state.tz)] : null;
  state.tz = tz;
  commit(false);
  for (const b of document.querySelectorAll('[data-tz]')) b.setAttribute('aria-pressed', String(b.dataset.tz === tz));
  for (const l of document.querySelectorAll('[data-zone-label]')) l.textContent = tzLabel(tz);
  if (edited && !Number.isNaN(edited[0]) && !Number.isNaN(edited[1])) {
    ui.from.value = fmtInput(edited[0], tz);
    ui.to.value = fmtInput(edited[1], tz);
  } else if (!rangeDirty) showRange(...shownRange);
  refreshTimes(document.body, tz);
  timeline.setTz(tz);
}

function onFilter(clause, exclude) {
  const base = ui.query.value.trim() || (cur ? cur.q : '');
  ui.query.value = addClause(base, clause, exclude);
  submit();
}

// ---- wiring ------------------------------------------------------------------------------

const timeline = new Timeline($('timeline'), $('legend'), { series: seriesOf, onZoom: zoom });
const gate = new CostGate(ui.confirm, api.estimate);
const results = new Results(ui.results.tBodies[0], {
  tz: () => state.tz,
  color: (tag) => seriesOf(tag).color,
  onFilter,
});

tokenPrompt({ box: ui.auth, form: ui.authForm, msg: ui.authMsg, input: ui.token });
const keys = queryKeys(ui.query);

ui.form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  submit();
  keys.arm();
});
ui.cancelBtn.addEventListener('click', () => {
  gate.cancel();
  if (!cur || cur.done) return;
  cur.cancelRequested = true;
  ui.cancelBtn.disabled = true;
  if (cur.id) api.cancel(cur.id).catch((e) => showError(errorMessage(e)));
});
for (const input of [ui.from, ui.to]) {
  input.addEventListener('input', () => {
    rangeDirty = true;
    for (const b of document.querySelectorAll('[data-preset]')) b.setAttribute('aria-pressed', 'false');
  });
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') {
      ev.preventDefault();
      submit();
    }
  });
}
for (const b of document.querySelectorAll('[data-preset]')) {
  b.addEventListener('click', () => {
    state.preset = b.dataset.preset;
    state.from = null;
    state.to = null;
    state.page = 1;
    rangeDirty = false;
    state.q = ui.query.value.trim();
    commit(true);
    if (state.q) runSearch();
    else applyControls();
  });
}
for (const b of document.querySelectorAll('[data-tz]')) b.addEventListener('click', () => setTz(b.dataset.tz));
for (const b of document.querySelectorAll('.example')) {
  b.addEventListener('click', () => {
    ui.query.value = b.dataset.example;
    submit();
    ui.query.focus();
    keys.arm();
  });
}
ui.tags.addEventListener('click', (ev) => {
  const chip = ev.target.closest('[data-tag]');
  if (chip) selectTag(chip.dataset.tag);
});
for (const b of ui.prev) b.addEventListener('click', () => goPage(-1));
for (const b of ui.next) b.addEventListener('click', () => goPage(1));
for (const [format, a] of Object.entries(ui.exports)) {
  a.addEventListener('click', (ev) => {
    if (a.classList.contains('disabled') || !cur || !cur.id) {
      ev.preventDefault();
      return;
    }
    if (getToken()) {
      ev.preventDefault();
      downloadWithToken(cur.id, format).catch((e) => showError(errorMessage(e)));
    }
  });
}
$('error-close').addEventListener('click', hideError);

window.addEventListener('popstate', () => {
  const prev = state;
  state = stateFromUrl();
  if (!state.q) {
    runSearch();
    return;
  }
  if (!cur || cur.key !== searchKey(state) || (cur.done && cur.status && cur.status.state !== 'succeeded')) {
    runSearch();
    return;
  }
  ui.query.value = state.q;
  if (prev.tz !== state.tz) {
    const tz = state.tz;
    state.tz = prev.tz;
    setTz(tz);
  }
  timeline.setActiveTag(state.tag);
  if (cur.status && cur.status.state === 'succeeded') {
    renderTags(cur.status.tag_counts || {});
    if (prev.tag !== state.tag || prev.page !== state.page) loadLogs();
  }
});

// Start: the URL is the state; a URL with a query runs it.
state = stateFromUrl();
commit(false);
if (state.q) runSearch();
else {
  applyControls();
  timeline.clear('idle');
  resetView(IDLE_HINT);
  ui.query.focus();
  keys.arm();
}
