// HTTP client for the minerva search API (search-api/API.md): JSON bodies, the error shape
// {"error": {"code", "message"}}, and the bearer token asked for on 401.

const BASE = '/api/v1';
const TOKEN_KEY = 'minerva.token';

/** An API failure: HTTP status, machine code and a human message. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let askToken = null; // (rejected: boolean) => Promise<void>, set by the UI

/** Registers the UI function that prompts for a token and resolves once one is stored. */
export function onUnauthorized(fn) {
  askToken = fn;
}

export function getToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) || '';
  } catch {
    return '';
  }
}

export function setToken(token) {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // storage disabled: the token is then asked again on the next 401
  }
}

function headers(extra) {
  const h = Object.assign({ Accept: 'application/json' }, extra);
  const token = getToken();
  if (token) h.Authorization = `Bearer ${token}`;
  return h;
}

async function errorFrom(res) {
  let code = `http_${res.status}`;
  let message = `${res.status} ${res.statusText || 'error'}`;
  try {
    const body = await res.json();
    if (body && body.error) {
      code = String(body.error.code || code);
      message = String(body.error.message || message);
    }
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(res.status, code, message);
}

/**
 * Sends one request; on 401 asks for a token (once per rejection) and retries.
 * Returns the parsed JSON body, or null for 204.
 */
export async function request(method, path, body, { signal } = {}) {
  for (let attempt = 0; ; attempt++) {
    const init = { method, headers: headers(body === undefined ? {} : { 'Content-Type': 'application/json' }), signal };
    if (body !== undefined) init.body = JSON.stringify(body);
    let res;
    try {
      res = await fetch(BASE + path, init);
    } catch (e) {
      if (e && e.name === 'AbortError') throw e;
      throw new ApiError(0, 'network', `network error: ${e && e.message ? e.message : e}`);
    }
    if (res.status === 401 && askToken && attempt < 5) {
      await askToken(attempt > 0 || Boolean(getToken()));
      continue;
    }
    if (!res.ok) throw await errorFrom(res);
    if (res.status === 204) return null;
    const text = await res.text();
    return text ? JSON.parse(text) : null;
  }
}

export const api = {
  startSearch: (query, start, end) => request('POST', '/search', { query, start, end }),
  /** Upper bound of what a search would scan and cost (nothing is run). */
  estimate: (query, start, end, opts) => request('POST', '/search/estimate', { query, start, end }, opts),
  status: (id, opts) => request('GET', `/search/${encodeURIComponent(id)}`, undefined, opts),
  cancel: (id) => request('DELETE', `/search/${encodeURIComponent(id)}`),
  logs(id, offset, limit, tag, opts) {
    const p = new URLSearchParams({ offset: String(offset), limit: String(limit) });
    if (tag) p.set('tag', tag);
    return request('GET', `/search/${encodeURIComponent(id)}/logs?${p}`, undefined, opts);
  },
  timeline: (id, buckets, opts) =>
    request('GET', `/search/${encodeURIComponent(id)}/timeline?buckets=${buckets}`, undefined, opts),
};

/** Path of the export of search `id` (format "jsonl" or "csv"). */
export function exportUrl(id, format) {
  return `${BASE}/search/${encodeURIComponent(id)}/export?format=${encodeURIComponent(format)}`;
}

/** Downloads an export with the Authorization header (through a Blob URL). */
export async function downloadWithToken(id, format) {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(exportUrl(id, format), { headers: headers({ Accept: '*/*' }) });
    if (res.status === 401 && askToken && attempt < 5) {
      await askToken(true);
      continue;
    }
    if (!res.ok) throw await errorFrom(res);
    const blob = await res.blob();
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = `minerva-${String(id).replace(/[^A-Za-z0-9_-]/g, '')}.${format}`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 30000);
    return;
  }
}
