// The lag history behind the chart: a ring of samples in fixed-size typed arrays, so an open
// page costs the same memory after a week as after a minute, and pushing a sample allocates nothing.

import { isNum } from "./format.js";

export const METRICS = ["events_behind", "seconds_behind"];

export class History {
  constructor(capacity) {
    this.capacity = capacity;
    this.times = new Float64Array(capacity); // seconds since the epoch, server clock
    this.series = new Map(); // projector name -> {events_behind: Float64Array, seconds_behind: Float64Array}
    this.start = 0;
    this.size = 0;
  }

  /** The ring slot of the i-th sample, oldest first. */
  slot(i) {
    return (this.start + i) % this.capacity;
  }

  timeAt(i) {
    return this.times[this.slot(i)];
  }

  get lastTime() {
    return this.size ? this.timeAt(this.size - 1) : -Infinity;
  }

  ensure(name) {
    let s = this.series.get(name);
    if (!s) {
      s = {};
      for (const metric of METRICS) s[metric] = new Float64Array(this.capacity).fill(NaN);
      this.series.set(name, s);
    }
    return s;
  }

  /**
   * Append one sample: ``entries`` iterates [name, {events_behind, seconds_behind}]. A sample not
   * newer than the last one is dropped: the seed (?history=) and the stream overlap.
   */
  push(t, entries) {
    if (!isNum(t) || t <= this.lastTime) return false;
    let slot;
    if (this.size < this.capacity) {
      slot = this.slot(this.size);
      this.size += 1;
    } else {
      slot = this.start;
      this.start = (this.start + 1) % this.capacity;
    }
    this.times[slot] = t;
    for (const s of this.series.values()) for (const metric of METRICS) s[metric][slot] = NaN;
    for (const [name, p] of entries) {
      if (!p || typeof name !== "string") continue;
      const s = this.ensure(name);
      for (const metric of METRICS) s[metric][slot] = isNum(p[metric]) ? p[metric] : NaN;
    }
    return true;
  }

  /** The index of the first sample at or after ``t`` (binary search; times only increase). */
  lowerBound(t) {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.timeAt(mid) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The latest value of ``metric`` for ``name`` (NaN when unknown). */
  latest(name, metric) {
    const s = this.series.get(name);
    return s && this.size ? s[metric][this.slot(this.size - 1)] : NaN;
  }
}
