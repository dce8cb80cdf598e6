/**
 * Response times to the microsecond. autocannon's own histogram keeps whole milliseconds, too
 * coarse for "p99 added under 1 ms"; its `response` event has the time as measured (ms, from
 * process.hrtime), which this records into a growing Float64Array (no allocation per response).
 */
export interface LatencyStats {
  p50Ms: number;
  p99Ms: number;
  avgMs: number;
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

export class LatencyRecorder {
  #values = new Float64Array(1 << 16);
  #count = 0;

  record(ms: number): void {
    if (this.#count === this.#values.length) {
      const bigger = new Float64Array(this.#values.length * 2);
      bigger.set(this.#values);
      this.#values = bigger;
    }
    this.#values[this.#count++] = ms;
  }

  get count(): number {
    return this.#count;
  }

  /** Nearest-rank percentiles and the mean, in ms to the microsecond; throws when nothing was recorded. */
  stats(): LatencyStats {
    const n = this.#count;
    if (n === 0) throw new Error('no response times recorded');
    const sorted = this.#values.slice(0, n).sort();
    const rank = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * n) - 1)] as number;
    let sum = 0;
    for (const v of sorted) sum += v;
    return { p50Ms: round3(rank(50)), p99Ms: round3(rank(99)), avgMs: round3(sum / n) };
  }
}
