// The UI state as it lives in the URL (query string): query, range (preset or from/to), tag
// filter, page and time zone, so a search can be shared, bookmarked and navigated with back.

import { toIso } from './format.js';

export const HOUR = 3600000;
export const PRESETS = { '15m': HOUR / 4, '1h': HOUR, '4h': 4 * HOUR, '24h': 24 * HOUR, '7d': 168 * HOUR, '30d': 720 * HOUR, all: null };
export const DEFAULT_PRESET = '24h';

/** The default state. Times are ms since the epoch; `preset` wins over from/to. */
export const initialState = () => ({ q: '', preset: DEFAULT_PRESET, from: null, to: null, tag: null, page: 1, tz: 'utc' });

/** The state of the current URL. */
export function stateFromUrl() {
  const p = new URLSearchParams(location.search);
  const s = { q: p.get('q') || '', preset: null, from: null, to: null, tag: p.get('tag') || null, page: 1, tz: p.get('tz') === 'local' ? 'local' : 'utc' };
  s.page = Math.max(1, parseInt(p.get('page') || '1', 10) || 1);
  const from = Date.parse(p.get('from') || '');
  const to = Date.parse(p.get('to') || '');
  if (!p.has('preset') && !Number.isNaN(from) && !Number.isNaN(to)) {
    s.from = from;
    s.to = to;
  } else {
    s.preset = Object.hasOwn(PRESETS, p.get('preset')) ? p.get('preset') : DEFAULT_PRESET;
  }
  return s;
}

/** The URL (path and query string) of state `s`. */
export function urlFor(s) {
  const p = new URLSearchParams();
  if (s.q) p.set('q', s.q);
  if (s.preset) p.set('preset', s.preset);
  else {
    p.set('from', toIso(s.from));
    p.set('to', toIso(s.to));
  }
  if (s.tag) p.set('tag', s.tag);
  if (s.page > 1) p.set('page', String(s.page));
  if (s.tz === 'local') p.set('tz', 'local');
  return `${location.pathname}?${p}`;
}

/** Writes state `s` to the URL: a new history entry with `push` (only when it changed). */
export function commit(s, push) {
  const url = urlFor(s);
  if (url === location.pathname + location.search) return;
  if (push) history.pushState(null, '', url);
  else history.replaceState(null, '', url);
}

/** What identifies a search: the same key means the same results (no re-run needed). */
export const searchKey = (s) => `${s.q.trim()}\n${s.preset || `${s.from}-${s.to}`}`;

/** [startMs, endMs) of the state's range; presets end now (whole seconds). */
export function resolveRange(s) {
  if (!s.preset) return [s.from, s.to];
  const now = Math.ceil(Date.now() / 1000) * 1000;
  if (s.preset === 'all') return [Date.UTC(1970, 0, 1), now + 24 * HOUR];
  return [now - PRESETS[s.preset], now];
}
