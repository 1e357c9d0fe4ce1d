// Cost check before a long search: for a range over 7 days the UI first asks
// `POST /api/v1/search/estimate` (an upper bound from file sizes; nothing is run). Above 1 GB
// or $0.05 a confirmation strip holds the search until "Run" (or drops it on "Cancel"). A
// failed estimate never blocks: the search then runs at once.

import { fmtBytes, fmtCost, fmtInt, toIso } from './format.js';

/** Ranges longer than this are checked first. */
export const CHECK_RANGE_MS = 7 * 24 * 3600 * 1000;
/** Above either bound the search waits for "Run". */
export const MAX_SCAN_BYTES = 1e9;
export const MAX_COST_USD = 0.05;

/** Whether a search over [startMs, endMs) is checked before it runs. */
export const needsCheck = (startMs, endMs) => endMs - startMs > CHECK_RANGE_MS;

/** Whether an estimate is over the bounds (and so needs a confirmation). */
export function isLarge(est) {
  if (!est || typeof est !== 'object') return false;
  return Number(est.max_scan_bytes) > MAX_SCAN_BYTES || Number(est.max_cost_usd) > MAX_COST_USD;
}

/** "up to 5.00 TB (8,760 partitions, up to $25.00)": what an estimate allows for. */
export function estimateSummary(est) {
  const n = Number(est.partitions) || 0;
  return `up to ${fmtBytes(est.max_scan_bytes)} (${fmtInt(n)} ${n === 1 ? 'partition' : 'partitions'}, up to ${fmtCost(est.max_cost_usd)})`;
}

/** The question of the confirmation strip. */
export const confirmText = (est) => `This search may scan ${estimateSummary(est)}. Run it?`;

/**
 * The confirmation strip and the estimate call. One check at a time: a new check, or
 * `dismiss()`, ends the previous one with "stale".
 */
export class CostGate {
  /**
   * `els`: {strip, text, run, cancel} elements; `estimate(query, start, end, {signal})`
   * returns the estimate (rejects on any failure).
   */
  constructor(els, estimate) {
    this.els = els;
    this.estimate = estimate;
    this.pending = null; // resolve() of the check waiting for "Run"/"Cancel"
    this.abort = null; // AbortController of the estimate call in flight
    this.token = null; // identifies the current check
    this.last = null; // the estimate of the current check, once known
    this.cancelled = null; // token of a check cancelled while its estimate was in flight
    els.run.addEventListener('click', () => this.settle('run'));
    els.cancel.addEventListener('click', () => this.settle('cancel'));
  }

  /** True while the strip waits for an answer. */
  get holding() {
    return Boolean(this.pending);
  }

  /**
   * Decides whether a search of `query` over [startMs, endMs) may start. Resolves "run" at once
   * for a short range, a small estimate or a failed estimate call, and after "Run"; "cancel"
   * after "Cancel"; "stale" when another check or `dismiss()` came first. `onHold(estimate)`
   * is called when the strip is shown.
   */
  async check(query, startMs, endMs, onHold) {
    this.dismiss();
    this.last = null;
    if (!needsCheck(startMs, endMs)) return 'run';
    const token = {};
    const ctl = new AbortController();
    this.token = token;
    this.abort = ctl;
    let est = null;
    try {
      est = await this.estimate(query, toIso(startMs), toIso(endMs), { signal: ctl.signal });
    } catch {
      est = null; // e.g. 400 "no index location is configured": run without a check
    }
    if (this.cancelled === token) {
      this.cancelled = null;
      return 'cancel';
    }
    if (this.token !== token) return 'stale';
    this.abort = null;
    if (!isLarge(est)) {
      this.token = null;
      return 'run';
    }
    this.last = est;
    this.els.text.textContent = confirmText(est);
    this.els.strip.hidden = false;
    const answer = new Promise((resolve) => {
      this.pending = resolve;
    });
    if (onHold) onHold(est);
    return answer;
  }

  /** Answers the check waiting on the strip ("run", "cancel" or "stale") and hides the strip. */
  settle(answer) {
    const resolve = this.pending;
    this.pending = null;
    this.token = null;
    this.els.strip.hidden = true;
    this.els.text.textContent = '';
    if (resolve) resolve(answer);
  }

  /** "Cancel" from elsewhere: ends the current check, strip shown or estimate in flight, with "cancel". */
  cancel() {
    if (this.pending) {
      this.settle('cancel');
    } else if (this.token) {
      this.cancelled = this.token;
      this.token = null;
      if (this.abort) this.abort.abort();
      this.abort = null;
    }
  }

  /** Drops any check in progress (its estimate call is aborted, its strip hidden). */
  dismiss() {
    if (this.abort) this.abort.abort();
    this.abort = null;
    this.settle('stale');
  }
}
