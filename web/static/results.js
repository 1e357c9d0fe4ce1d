// The results table: one row per hit (time, tag, source:line, highlighted one-line preview),
// expandable to a detail view (JSON tree or raw text, raw toggle, copy). Log text goes into
// the page only through textContent / text nodes.

import { appendHighlighted, fmtTimestamp, termMatcher } from './format.js';
import { parseJson, renderJsonTree } from './jsontree.js';

const PREVIEW_CHARS = 1500;
const CONTEXT_FROM = 70; // a first match after this many characters…
const CONTEXT_BEFORE = 30; // …is shown with this much text before it

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** The file name of a source URI ("file:///logs/a/ct.json" → "ct.json"). */
export function shortSource(source) {
  const s = String(source || '');
  const noQuery = s.replace(/[?#].*$/, '').replace(/\/+$/, '');
  const name = noQuery.slice(noQuery.lastIndexOf('/') + 1) || s;
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}

/** A span showing a record time in the current zone; refreshTimes() updates it on toggle. */
export function timeSpan(iso, tz, digits = 3) {
  const span = el('span', 'ts', fmtTimestamp(iso, tz, digits));
  span.dataset.ts = String(iso);
  span.dataset.digits = String(digits);
  return span;
}

/** Re-renders every displayed record time for zone `tz`. */
export function refreshTimes(root, tz) {
  for (const span of root.querySelectorAll('[data-ts]')) {
    span.textContent = fmtTimestamp(span.dataset.ts, tz, Number(span.dataset.digits || 3));
  }
}

async function copyText(text) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // fall back below
  }
  const ta = document.createElement('textarea');
  ta.value = text;
  ta.setAttribute('readonly', '');
  ta.className = 'offscreen';
  document.body.appendChild(ta);
  ta.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  ta.remove();
  return ok;
}

/**
 * One line of `msg` (whitespace collapsed); when the first match is far from the start, the
 * line starts shortly before it ("…" marks the cut) so the match is visible.
 */
function previewText(msg, re) {
  let text = msg.slice(0, 20000).replace(/\s+/g, ' ').trim();
  if (re) {
    re.lastIndex = 0;
    const m = re.exec(text);
    re.lastIndex = 0;
    if (m && m.index > CONTEXT_FROM) {
      let start = m.index - CONTEXT_BEFORE;
      const space = text.indexOf(' ', start);
      if (space !== -1 && space < m.index) start = space + 1;
      text = `…${text.slice(start)}`;
    }
  }
  return text.slice(0, PREVIEW_CHARS);
}

export class Results {
  /**
   * `tbody`: the table body; `opts.tz()` the zone, `opts.color(tag)` a tag's colour,
   * `opts.onFilter(clause, exclude)` for the JSON tree buttons.
   */
  constructor(tbody, opts) {
    this.tbody = tbody;
    this.opts = opts;
    this.matchers = new Map();
    tbody.addEventListener('click', (ev) => {
      const tr = ev.target.closest('tr.hit');
      if (!tr || !tbody.contains(tr)) return;
      const sel = window.getSelection();
      if (sel && !sel.isCollapsed && tr.contains(sel.anchorNode)) return; // selecting text
      this.toggle(tr);
    });
    tbody.addEventListener('keydown', (ev) => {
      const tr = ev.target;
      if (!(tr instanceof HTMLElement) || !tr.matches('tr.hit')) return;
      if (ev.key === 'Enter' || ev.key === ' ') {
        ev.preventDefault();
        this.toggle(tr);
      } else if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
        ev.preventDefault();
        const rows = [...tbody.querySelectorAll('tr.hit')];
        const i = rows.indexOf(tr) + (ev.key === 'ArrowDown' ? 1 : -1);
        if (rows[i]) rows[i].focus();
      }
    });
  }

  /** Placeholder rows of the same height as real ones (no layout jump when they arrive). */
  skeleton(n = 12) {
    this.tbody.replaceChildren();
    for (let i = 0; i < n; i++) {
      const tr = el('tr', 'skeleton');
      for (let c = 0; c < 4; c++) {
        const td = el('td');
        td.appendChild(el('span', 'bar'));
        tr.appendChild(td);
      }
      this.tbody.appendChild(tr);
    }
  }

  clear() {
    this.tbody.replaceChildren();
  }

  matcher(terms, prefixes) {
    const key = JSON.stringify([terms, prefixes]);
    if (!this.matchers.has(key)) {
      if (this.matchers.size > 200) this.matchers.clear();
      this.matchers.set(key, termMatcher(terms, prefixes));
    }
    return this.matchers.get(key);
  }

  /** Shows `hits`; `fallbackTerms` (the status' terms) are used when a hit has no `matched`. */
  render(hits, fallbackTerms, prefixes) {
    const tz = this.opts.tz();
    const frag = document.createDocumentFragment();
    for (const hit of hits) {
      const terms = Array.isArray(hit.matched) ? hit.matched : fallbackTerms || [];
      const re = this.matcher(terms, prefixes);
      const tr = this.row(hit, tz, re);
      tr.hitMatcher = re;
      frag.appendChild(tr);
    }
    this.tbody.replaceChildren(frag);
  }

  row(hit, tz, re) {
    const tr = el('tr', 'hit');
    tr.tabIndex = 0;
    tr.dataset.seq = String(hit.seq);
    tr.dataset.tag = String(hit.tag);
    tr.dataset.objectId = String(hit.object_id || '');
    tr.setAttribute('aria-expanded', 'false');
    tr.hitData = hit;

    const tdTime = el('td', 'c-time');
    tdTime.appendChild(timeSpan(hit.timestamp, tz));
    const tdTag = el('td', 'c-tag');
    const sw = el('span', 'swatch');
    sw.style.background = this.opts.color(hit.tag);
    tdTag.append(sw, document.createTextNode(String(hit.tag)));
    tdTag.title = String(hit.tag);
    const line = Number(hit.seq) + 1;
    const tdSrc = el('td', 'c-src', `${shortSource(hit.source)}:${line}`);
    tdSrc.title = `${hit.source} (line ${line})`;
    const tdMsg = el('td', 'c-msg');
    const preview = el('div', 'preview');
    appendHighlighted(preview, previewText(String(hit.message ?? ''), re), re);
    tdMsg.appendChild(preview);
    tr.append(tdTime, tdTag, tdSrc, tdMsg);
    return tr;
  }

  toggle(tr) {
    const next = tr.nextElementSibling;
    if (next && next.classList.contains('detail-row')) {
      next.remove();
      tr.setAttribute('aria-expanded', 'false');
      tr.classList.remove('open');
      return;
    }
    const d = el('tr', 'detail-row');
    const td = el('td');
    td.colSpan = 4;
    td.appendChild(this.detail(tr.hitData, tr.hitMatcher));
    d.appendChild(td);
    tr.after(d);
    tr.setAttribute('aria-expanded', 'true');
    tr.classList.add('open');
  }

  detail(hit, re) {
    const tz = this.opts.tz();
    const box = el('div', 'hit-detail');
    const msg = String(hit.message ?? '');

    const meta = el('div', 'detail-meta');
    const add = (label, node) => {
      const item = el('span', 'meta-item');
      item.appendChild(el('span', 'meta-label', label));
      item.appendChild(node);
      meta.appendChild(item);
    };
    const t = el('span');
    t.append(timeSpan(hit.timestamp, tz, 6));
    add('time', t);
    add('UTC', el('span', 'mono', String(hit.timestamp)));
    add('tag', el('span', 'mono', String(hit.tag)));
    add('source', el('span', 'mono wrap', `${hit.source}`));
    add('line', el('span', 'mono', String(Number(hit.seq) + 1)));
    if (hit.object_id) add('object', el('span', 'mono', String(hit.object_id)));
    box.appendChild(meta);

    const tree = parseJson(msg);
    const actions = el('div', 'detail-actions');
    const body = el('div', 'detail-body');
    const pre = el('pre', 'raw');
    appendHighlighted(pre, msg, re);
    let treeEl = null;
    if (tree) {
      treeEl = renderJsonTree(tree, this.opts.onFilter, (parent, text) => appendHighlighted(parent, text, re));
      const toggle = el('button', 'toggle-raw', 'Show raw');
      toggle.type = 'button';
      toggle.addEventListener('click', () => {
        const raw = body.firstChild === pre;
        body.replaceChildren(raw ? treeEl : pre);
        toggle.textContent = raw ? 'Show raw' : 'Show tree';
      });
      actions.appendChild(toggle);
      body.appendChild(treeEl);
    } else {
      body.appendChild(pre);
    }
    const copy = el('button', 'copy-raw', 'Copy raw');
    copy.type = 'button';
    copy.addEventListener('click', async () => {
      const ok = await copyText(msg);
      copy.textContent = ok ? 'Copied' : 'Copy failed';
      setTimeout(() => {
        copy.textContent = 'Copy raw';
      }, 1500);
    });
    actions.appendChild(copy);
    const size = el('span', 'meta-label', `${msg.length.toLocaleString('en-US')} characters${tree ? ' · JSON' : ''}`);
    actions.appendChild(size);
    box.append(actions, body);
    return box;
  }
}
