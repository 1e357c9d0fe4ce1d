// Timeline histogram: an SVG drawn by hand, bars stacked by tag, a legend; click a bar to zoom
// to its bucket, drag across bars to zoom to the span.

import { fmtAxis, fmtInt, fmtTimestamp, parseIso, toIso } from './format.js';

const SVG = 'http://www.w3.org/2000/svg';
const HEIGHT = 118;
const M = { left: 46, right: 8, top: 8, bottom: 20 };

function svgEl(tag, attrs) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  return e;
}

/** Bucket counts that divide 2520: the server's buckets are then all equally wide. */
export const BUCKET_COUNTS = [60, 63, 70, 72, 84, 90];

/** How many buckets to ask for at the container's width: ~10 px each, a divisor of 2520 in 60–90. */
export function bucketCountFor(width) {
  const want = Math.max(60, Math.min(100, Math.floor((width - M.left - M.right) / 10)));
  let best = BUCKET_COUNTS[0];
  for (const n of BUCKET_COUNTS) if (Math.abs(n - want) < Math.abs(best - want)) best = n;
  return best;
}

export class Timeline {
  /**
   * `series(tag)` maps a tag to its series {key, label, color} (top tags keep their own, the
   * rest share "other"); `onZoom(startMs, endMs)` is called with the selected span.
   */
  constructor(box, legend, { series, onZoom }) {
    this.box = box;
    this.legend = legend;
    this.series = series;
    this.onZoom = onZoom;
    this.data = null;
    this.tz = 'utc';
    this.activeTag = null;
    this.drag = null;
    this.width = 0;
    new ResizeObserver(() => {
      const w = Math.floor(this.box.clientWidth);
      if (w !== this.width) {
        this.width = w;
        if (this.data) this.render();
      }
    }).observe(this.box);
  }

  /** Shows a placeholder ("loading", "idle", "failed"). */
  clear(state, text = '') {
    this.data = null;
    this.box.replaceChildren();
    this.box.dataset.state = state;
    const p = document.createElement('div');
    p.className = 'timeline-placeholder';
    p.textContent = text;
    this.box.appendChild(p);
    this.legend.replaceChildren();
  }

  setData(data) {
    this.data = data;
    this.render();
  }

  setTz(tz) {
    this.tz = tz;
    if (this.data) this.render();
  }

  setActiveTag(tag) {
    this.activeTag = tag || null;
    if (this.data) this.render();
  }

  /** [startMs, endMs) of buckets a..b (inclusive, any order). */
  span(a, b) {
    const d = this.data;
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    const bucketMs = d.bucket_seconds * 1000;
    const start = parseIso(d.buckets[lo].start);
    const endAll = parseIso(d.end);
    const next = hi + 1 < d.buckets.length ? parseIso(d.buckets[hi + 1].start) : endAll;
    const end = Number.isNaN(next) ? Math.ceil(parseIso(d.buckets[hi].start) + bucketMs) : next;
    return [Math.floor(start), Math.min(Math.ceil(end), endAll)];
  }

  /**
   * x of each bucket's left edge and of the right end (n + 1 values): from each bucket's own
   * start and the range end, so nearly equal buckets are drawn as they are; equal steps when a
   * time is missing.
   */
  edges(left, plotW) {
    const d = this.data;
    const n = d.buckets.length;
    const t0 = parseIso(d.start);
    const t1 = parseIso(d.end);
    const times = d.buckets.map((b) => parseIso(b.start)).concat([t1]);
    const ok = t1 > t0 && times.every((t, i) => !Number.isNaN(t) && t >= t0 && t <= t1 && (i === 0 || t >= times[i - 1]));
    return times.map((t, i) => left + (ok ? ((t - t0) / (t1 - t0)) * plotW : n ? (i / n) * plotW : 0));
  }

  render() {
    const d = this.data;
    this.box.replaceChildren();
    this.box.dataset.state = 'ready';
    const width = Math.max(200, this.width || Math.floor(this.box.clientWidth) || 800);
    const n = d.buckets.length;
    const svg = svgEl('svg', { width, height: HEIGHT, viewBox: `0 0 ${width} ${HEIGHT}`, role: 'img', 'aria-label': 'Hits over time' });
    svg.classList.add('timeline-svg');
    const plotW = width - M.left - M.right;
    const plotH = HEIGHT - M.top - M.bottom;
    const bw = n ? plotW / n : plotW; // mean width
    const xs = this.edges(M.left, plotW);
    const w = (i) => xs[i + 1] - xs[i];

    // Stack per series, series ordered by total count (largest at the bottom).
    const totals = new Map();
    const stacks = d.buckets.map((b) => {
      const m = new Map();
      for (const [tag, c] of Object.entries(b.counts || {})) {
        const s = this.series(tag);
        m.set(s.key, (m.get(s.key) || 0) + c);
        const t = totals.get(s.key) || { s, count: 0 };
        t.count += c;
        totals.set(s.key, t);
      }
      return m;
    });
    const order = [...totals.values()].sort((a, b) => b.count - a.count || (a.s.key < b.s.key ? -1 : 1));
    let max = 0;
    for (const m of stacks) {
      let sum = 0;
      for (const v of m.values()) sum += v;
      max = Math.max(max, sum);
    }
    const y = (v) => (max ? (v / max) * plotH : 0);
    const activeKey = this.activeTag ? this.series(this.activeTag).key : null;

    // Axes and grid.
    svg.appendChild(svgEl('line', { x1: M.left, x2: width - M.right, y1: M.top + plotH + 0.5, y2: M.top + plotH + 0.5, class: 'axis' }));
    svg.appendChild(svgEl('line', { x1: M.left, x2: width - M.right, y1: M.top + 0.5, y2: M.top + 0.5, class: 'grid' }));
    const ymax = svgEl('text', { x: M.left - 6, y: M.top + 4, class: 'ylabel', 'text-anchor': 'end' });
    ymax.textContent = fmtInt(max);
    svg.appendChild(ymax);
    const y0 = svgEl('text', { x: M.left - 6, y: M.top + plotH, class: 'ylabel', 'text-anchor': 'end' });
    y0.textContent = '0';
    svg.appendChild(y0);

    const startMs = parseIso(d.start);
    const spanMs = parseIso(d.end) - startMs;
    const every = Math.max(1, Math.ceil(120 / bw));
    for (let i = 0; i < n; i += every) {
      const x = xs[i];
      svg.appendChild(svgEl('line', { x1: x, x2: x, y1: M.top + plotH, y2: M.top + plotH + 4, class: 'axis' }));
      const t = svgEl('text', { x: x + 2, y: HEIGHT - 5, class: 'xlabel' });
      t.textContent = fmtAxis(parseIso(d.buckets[i].start), this.tz, spanMs);
      svg.appendChild(t);
    }

    // Bars.
    const gap = bw > 4 ? 1 : 0;
    for (let i = 0; i < n; i++) {
      const x = xs[i];
      let acc = 0;
      for (const { s } of order) {
        const v = stacks[i].get(s.key);
        if (!v) continue;
        const h = Math.max(1, y(v));
        const r = svgEl('rect', { x: x + gap / 2, y: M.top + plotH - y(acc) - h, width: Math.max(1, w(i) - gap), height: h, class: 'seg' });
        r.style.fill = s.color;
        if (activeKey && s.key !== activeKey) r.classList.add('dim');
        svg.appendChild(r);
        acc += v;
      }
    }
    // Hit areas on top: one per bucket, full height, with data-bucket and a tooltip.
    for (let i = 0; i < n; i++) {
      const b = d.buckets[i];
      let total = 0;
      for (const v of stacks[i].values()) total += v;
      const hit = svgEl('rect', { x: xs[i], y: M.top, width: Math.max(0, w(i)), height: plotH, class: 'hit-area' });
      hit.dataset.bucket = String(i);
      hit.dataset.count = String(total);
      const title = svgEl('title');
      const [, end] = this.span(i, i);
      const lines = [`${fmtTimestamp(b.start, this.tz, 0)} – ${fmtTimestamp(toIso(end), this.tz, 0)} · ${fmtInt(total)} hits`];
      for (const [tag, c] of Object.entries(b.counts || {}).sort((p, q) => q[1] - p[1]).slice(0, 12)) lines.push(`${tag}: ${fmtInt(c)}`);
      title.textContent = lines.join('\n');
      hit.appendChild(title);
      svg.appendChild(hit);
    }
    const sel = svgEl('rect', { x: 0, y: M.top, width: 0, height: plotH, class: 'selection' });
    sel.style.display = 'none';
    svg.appendChild(sel);
    this.bindDrag(svg, sel, xs);
    this.box.appendChild(svg);
    if (!max) {
      const empty = document.createElement('div');
      empty.className = 'timeline-empty';
      empty.textContent = 'no hits in this range';
      this.box.appendChild(empty);
    }
    this.renderLegend(order);
  }

  /** Click and drag over the buckets whose edges are at `xs`. */
  bindDrag(svg, sel, xs) {
    const n = xs.length - 1;
    const index = (ev) => {
      const x = ev.clientX - svg.getBoundingClientRect().left;
      let i = 0;
      while (i < n - 1 && x >= xs[i + 1]) i++;
      return i;
    };
    const show = (a, b) => {
      const lo = Math.min(a, b);
      const hi = Math.max(a, b);
      sel.setAttribute('x', String(xs[lo]));
      sel.setAttribute('width', String(xs[hi + 1] - xs[lo]));
      sel.style.display = '';
    };
    svg.addEventListener('pointerdown', (ev) => {
      if (ev.button !== 0 || !n) return;
      const r = svg.getBoundingClientRect();
      if (ev.clientX - r.left < M.left) return;
      this.drag = { from: index(ev), to: index(ev), id: ev.pointerId };
      try {
        svg.setPointerCapture(ev.pointerId);
      } catch {
        // synthetic events have no capturable pointer
      }
      show(this.drag.from, this.drag.to);
      ev.preventDefault();
    });
    svg.addEventListener('pointermove', (ev) => {
      if (!this.drag) return;
      this.drag.to = index(ev);
      show(this.drag.from, this.drag.to);
    });
    const finish = (ev, apply) => {
      if (!this.drag) return;
      const { from, to } = this.drag;
      this.drag = null;
      sel.style.display = 'none';
      if (apply) {
        const [a, b] = this.span(from, ev.type === 'pointerup' ? index(ev) : to);
        this.onZoom(a, b);
      }
    };
    svg.addEventListener('pointerup', (ev) => finish(ev, true));
    svg.addEventListener('pointercancel', (ev) => finish(ev, false));
  }

  renderLegend(order) {
    this.legend.replaceChildren();
    for (const { s, count } of order) {
      const item = document.createElement('span');
      item.className = 'legend-item';
      const sw = document.createElement('span');
      sw.className = 'swatch';
      sw.style.background = s.color;
      const label = document.createElement('span');
      label.textContent = `${s.label} ${fmtInt(count)}`;
      item.append(sw, label);
      this.legend.appendChild(item);
    }
  }
}
