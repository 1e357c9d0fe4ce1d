// minerva web UI: the status line of a search (state badge, hits, time, bytes, cost).

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
  const running = !TERMINAL.has(st.state);
  const hits = `${fmtInt(st.total)} ${st.total === 1 ? 'hit' : 'hits'}`;
  const parts = [
    st.state === 'succeeded' ? hits : running && st.total ? `${hits} so far` : '',
    fmtDuration(st.elapsed_ms),
    `${fmtBytes(st.bytes_scanned)} scanned`,
    st.files_read != null ? `${fmtInt(st.files_read)} files` : '',
    `est. cost ${fmtCost(st.cost_usd)}`,
    st.state === 'failed' && st.reason ? String(st.reason) : '',
  ];
  let extra = null;
  if (st.truncated) {
    extra = document.createElement('span');
    extra.className = 'warn';
    extra.textContent = `only the first ${fmtInt(st.total)} hits are kept: narrow the search`;
  }
  setStatus(el, st.state, parts, extra);
}

