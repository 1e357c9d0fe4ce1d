// minerva web UI: the status line of a search (state badge, hits, time, engine, statements,
// bytes, cost, and the note of a truncated search).

import { fmtBytes, fmtCost, fmtDuration, fmtInt } from './format.js';

/** States after which a search does not change. */
export const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

/** Shows a state badge and the status parts (joined by " · ") in `el`, plus an optional element. */
export function setStatus(el, stateName, parts, extra) {
  el.dataset.state = stateName;
  const badge = document.createElement('span');
  badge.className = `badge badge-${stateName}`;
  badge.textContent = stateName;
  const text = document.createElement('span');
  text.className = 'status-text';
  text.textContent = parts.filter(Boolean).join(' · ');
  el.replaceChildren(badge, text);
  if (extra) el.appendChild(extra);
}

/** Shows a search status from `GET /api/v1/search/{id}` in `el`. */
export function renderStatus(el, st) {
  el.dataset.searchId = st.id;
  el.dataset.total = String(st.total ?? 0);
  el.dataset.engine = st.engine ? String(st.engine) : '';
  el.dataset.statements = st.statements != null ? String(st.statements) : '';
  const running = !TERMINAL.has(st.state);
  const hits = `${fmtInt(st.total)} ${st.total === 1 ? 'hit' : 'hits'}`;
  const athena = st.engine === 'athena';
  const parts = [
    st.state === 'succeeded' ? hits : running && st.total ? `${hits} so far` : '',
    fmtDuration(st.elapsed_ms),
    st.engine ? String(st.engine) : '',
    st.statements != null ? `${fmtInt(st.statements)} ${Number(st.statements) === 1 ? 'statement' : 'statements'}` : '',
    `${fmtBytes(st.bytes_scanned)} scanned`,
    st.files_read != null && !(athena && !st.files_read) ? `${fmtInt(st.files_read)} files` : '',
    // The hours the hour sketches left, when they ruled any out.
    st.hours_in_range != null && st.hours_read < st.hours_in_range
      ? `${fmtInt(st.hours_read)} of ${fmtInt(st.hours_in_range)} hours` : '',
    // Athena bills it; the embedded engine shows what Athena would bill.
    athena ? fmtCost(st.cost_usd) : `est. cost ${fmtCost(st.cost_usd)}`,
    st.state === 'failed' && st.reason ? String(st.reason) : '',
  ];
  let extra = null;
  if (st.truncated) {
    // The server's note, as text (never HTML).
    const note = st.limit_note ? String(st.limit_note) : 'only part of the matches were checked: narrow the search';
    extra = document.createElement('span');
    extra.className = 'warn limit-note';
    extra.textContent = note;
    extra.title = note;
  }
  setStatus(el, st.state, parts, extra);
}
