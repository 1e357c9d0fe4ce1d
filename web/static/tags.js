// Tag colours (shared by the chips, the rows and the timeline) and the tag chips.

import { fmtInt } from './format.js';

const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f'];
const OTHER = { key: '\u0000other', label: 'other tags', color: '#b9b9b9' };

let colors = new Map();

/** Gives the most frequent tags their own colour; the rest share "other tags". */
export function assignColors(counts) {
  colors = new Map();
  Object.entries(counts)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, PALETTE.length)
    .forEach(([tag], i) => colors.set(tag, PALETTE[i]));
}

/** The timeline series of `tag`: {key, label, color}. */
export const seriesOf = (tag) => (colors.has(tag) ? { key: tag, label: tag, color: colors.get(tag) } : OTHER);

/**
 * Renders the chips of `counts` into `box` (most frequent first), `active` pressed (shown even
 * with no hits, so it can be cleared); `loading` shows placeholders.
 */
export function renderTags(box, counts, active, { loading = false, done = false } = {}) {
  box.replaceChildren();
  if (loading) {
    for (let i = 0; i < 4; i++) {
      const s = document.createElement('span');
      s.className = 'tag-chip skeleton-chip';
      box.appendChild(s);
    }
    return;
  }
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  if (active && !Object.hasOwn(counts, active)) entries.unshift([active, 0]);
  for (const [tag, count] of entries) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'tag-chip';
    b.dataset.tag = tag;
    b.setAttribute('aria-pressed', String(tag === active));
    b.title = tag === active ? `Showing only ${tag}: click to show all tags` : `Show only ${tag}`;
    const sw = document.createElement('span');
    sw.className = 'swatch';
    sw.style.background = seriesOf(tag).color;
    const name = document.createElement('span');
    name.className = 'tag-name';
    name.textContent = tag;
    const n = document.createElement('span');
    n.className = 'tag-count';
    n.textContent = fmtInt(count);
    b.append(sw, name, n);
    box.appendChild(b);
  }
  if (!entries.length) {
    const p = document.createElement('p');
    p.className = 'muted';
    p.textContent = done ? 'no tags' : '';
    box.appendChild(p);
  }
}
