// Formatting helpers: numbers, sizes, cost, durations, times in UTC or local time, parsing of
// the from/to inputs, and highlighting of matched terms (DOM nodes only, never HTML strings).

const nf = new Intl.NumberFormat('en-US');

export const fmtInt = (n) => nf.format(Number(n) || 0);

export function fmtBytes(n) {
  n = Number(n) || 0;
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB', 'PB'];
  let v = n;
  let i = -1;
  do {
    v /= 1000;
    i++;
  } while (v >= 1000 && i < units.length - 1);
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[i]}`;
}

export function fmtCost(usd) {
  usd = Number(usd) || 0;
  if (usd === 0) return '$0';
  if (usd >= 0.01) return `$${usd.toFixed(2)}`;
  const decimals = Math.min(12, Math.ceil(-Math.log10(usd)) + 1);
  return `$${usd.toFixed(decimals).replace(/0+$/, '')}`;
}

export function fmtDuration(ms) {
  ms = Number(ms) || 0;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
  const m = Math.floor(ms / 60000);
  return `${m} min ${Math.round((ms % 60000) / 1000)} s`;
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

/** "+09:00" for a UTC offset in minutes east of UTC. */
function fmtOffset(minutes) {
  const sign = minutes < 0 ? '-' : '+';
  const a = Math.abs(minutes);
  return `${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

/** The label of a zone choice: "UTC" or "local (UTC+09:00)" (the current offset). */
export function tzLabel(tz) {
  if (tz !== 'local') return 'UTC';
  return `local (UTC${fmtOffset(-new Date().getTimezoneOffset())})`;
}

/** Calendar parts of `ms` in the chosen zone. */
function parts(ms, tz) {
  const d = new Date(ms);
  if (tz === 'local') {
    return [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds(), d.getMilliseconds()];
  }
  return [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()];
}

/** Milliseconds since the epoch of an RFC 3339 string (NaN when invalid). */
export const parseIso = (s) => Date.parse(s);

/** The fractional-second digits of an RFC 3339 string ("" when none). */
function fracDigits(s) {
  const m = /T\d\d:\d\d:\d\d\.(\d+)/.exec(String(s));
  return m ? m[1] : '';
}

/**
 * A record time for display: "2024-01-01 12:00:00.123" in the zone; `digits` fractional
 * digits taken from the string itself (microseconds survive).
 */
export function fmtTimestamp(iso, tz, digits = 3) {
  const ms = parseIso(iso);
  if (Number.isNaN(ms)) return String(iso);
  const [y, mo, d, h, mi, s] = parts(ms, tz);
  let out = `${y}-${pad(mo)}-${pad(d)} ${pad(h)}:${pad(mi)}:${pad(s)}`;
  if (digits > 0) out += `.${fracDigits(iso).padEnd(digits, '0').slice(0, digits)}`;
  return out;
}

/** A time for the from/to inputs: "YYYY-MM-DD HH:MM:SS" (".mmm" only when not zero). */
export function fmtInput(ms, tz) {
  const [y, mo, d, h, mi, s, milli] = parts(ms, tz);
  const base = `${pad(y, 4)}-${pad(mo)}-${pad(d)} ${pad(h)}:${pad(mi)}:${pad(s)}`;
  return milli ? `${base}.${pad(milli, 3)}` : base;
}

/** A short axis label; `spanMs` is the width of the whole axis. */
export function fmtAxis(ms, tz, spanMs) {
  const [y, mo, d, h, mi, s] = parts(ms, tz);
  const day = 86400000;
  if (spanMs > 400 * day) return `${y}-${pad(mo)}`;
  if (spanMs > 30 * day) return `${y}-${pad(mo)}-${pad(d)}`;
  if (spanMs > 2 * 3600000) return `${pad(mo)}-${pad(d)} ${pad(h)}:${pad(mi)}`;
  return `${pad(h)}:${pad(mi)}:${pad(s)}`;
}

/** RFC 3339 UTC with milliseconds, for the API and the URL. */
export function toIso(ms) {
  return new Date(ms).toISOString();
}

/**
 * Parses a from/to input: "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS[.ffffff]]", the same with "T",
 * optionally ending in "Z" or "+09:00" (then that zone wins), or "now". Returns ms or NaN.
 */
export function parseInput(text, tz) {
  const t = String(text).trim();
  if (!t) return NaN;
  if (/^now$/i.test(t)) return Date.now();
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|UTC|[+-]\d{2}:?\d{2})?$/i.exec(t);
  if (!m) return NaN;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4] || 0, m[5] || 0, m[6] || 0].map(Number);
  const milli = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return NaN;
  const zone = m[8];
  if (zone || tz !== 'local') {
    let ms = Date.UTC(y, mo - 1, d, h, mi, s, milli);
    if (zone && !/^(Z|UTC)$/i.test(zone)) {
      const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
      const off = (Number(z[2]) * 60 + Number(z[3])) * (z[1] === '-' ? -1 : 1);
      ms -= off * 60000;
    }
    return ms;
  }
  return new Date(y, mo - 1, d, h, mi, s, milli).getTime();
}

// Token delimiters of the indexer's tokenizer (core/src/tokenizer.rs) plus "." and ":".
const DELIM = String.raw`\s\x00-\x1f\x7f!,;\[\]{}()<>=|\\*"'\/@?&.:`;

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\\/]/g, '\\$&');

/**
 * A matcher for the hit's terms: each term case-insensitively at token boundaries; terms in
 * `prefixes` also match longer tokens. Returns null when there is nothing to highlight.
 */
export function termMatcher(terms, prefixes = []) {
  const alts = [];
  const seen = new Set();
  const pre = new Set(prefixes.map((p) => p.toLowerCase()));
  const list = [...new Set([...(terms || []), ...pre].map((t) => String(t).toLowerCase()))]
    .filter((t) => t.length > 0)
    .sort((a, b) => b.length - a.length);
  for (const t of list) {
    if (seen.has(t)) continue;
    seen.add(t);
    const body = escapeRe(t);
    // Non-ASCII text is split per character or word by the tokenizer: no boundary check.
    if (/[^\x00-\x7f]/.test(t)) alts.push(body);
    else if (pre.has(t)) alts.push(`(?<=^|[${DELIM}])${body}[^${DELIM}]*`);
    else alts.push(`(?<=^|[${DELIM}])${body}(?=$|[${DELIM}])`);
  }
  if (!alts.length) return null;
  try {
    return new RegExp(alts.join('|'), 'giu');
  } catch {
    return null;
  }
}

/** Appends `text` to `parent` with the matches of `re` wrapped in <mark> (text nodes only). */
export function appendHighlighted(parent, text, re) {
  if (!re) {
    parent.appendChild(document.createTextNode(text));
    return 0;
  }
  re.lastIndex = 0;
  let last = 0;
  let count = 0;
  let m;
  while ((m = re.exec(text)) !== null) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    if (m.index > last) parent.appendChild(document.createTextNode(text.slice(last, m.index)));
    const mark = document.createElement('mark');
    mark.textContent = m[0];
    parent.appendChild(mark);
    last = m.index + m[0].length;
    count++;
    if (count > 500) break;
  }
  if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  return count;
}

/** Prefix terms of a query (`adm*`, `user=adm*` → "adm"), lowercased, for highlighting. */
export function prefixTerms(query) {
  const out = [];
  const re = /([^\s()"=:]+)\*(?=$|[\s)])/g;
  let m;
  while ((m = re.exec(String(query))) !== null) {
    const parts = m[1].toLowerCase().split(new RegExp(`[${DELIM}]+`)).filter(Boolean);
    if (parts.length) out.push(parts[parts.length - 1]);
  }
  return out;
}
