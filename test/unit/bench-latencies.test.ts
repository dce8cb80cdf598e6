/** The benchmark's response-time recorder (bench/latencies.ts): nearest-rank percentiles to the microsecond. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LatencyRecorder } from '../../bench/latencies.ts';

describe('LatencyRecorder', () => {
  it('gives nearest-rank p50 and p99 and the mean, whatever the order recorded', () => {
    const r = new LatencyRecorder();
    // 1..100 ms in a shuffled order, plus fractions of a millisecond
    for (let i = 0; i < 100; i++) r.record(((i * 37) % 100) + 1 + 0.0004);
    assert.deepEqual(r.stats(), { p50Ms: 50, p99Ms: 99, avgMs: 50.5 });
  });

  it('keeps sub-millisecond differences', () => {
    const r = new LatencyRecorder();
    for (const ms of [0.25, 0.5, 0.75, 1.125]) r.record(ms);
    assert.deepEqual(r.stats(), { p50Ms: 0.5, p99Ms: 1.125, avgMs: 0.656 });
  });

  it('grows past its first buffer', () => {
    const r = new LatencyRecorder();
    const n = (1 << 16) + 10;
    for (let i = 0; i < n; i++) r.record(i === n - 1 ? 500 : 2);
    assert.equal(r.count, n);
    assert.deepEqual(r.stats(), { p50Ms: 2, p99Ms: 2, avgMs: 2.008 });
  });

  it('refuses to make up figures when nothing was recorded', () => {
    assert.throws(() => new LatencyRecorder().stats(), /no response times/);
  });
});
