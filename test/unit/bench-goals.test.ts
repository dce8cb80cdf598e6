/**
 * The benchmark's goals (bench/goals.ts): the ratios issue 16 names, judged as printed, and the
 * CPU list parsing of the pinning (bench/pin.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Figures, formatGoals, judgeGoals, type TargetKey } from '../../bench/goals.ts';
import { parseCpuList } from '../../bench/pin.ts';
import { endToEnd } from '../../bench/reference-proxy.ts';

const fig = (requestsPerSec: number, p99Ms: number): Figures => ({ requestsPerSec, p99Ms });

/** key -> [value, status] */
function judged(figures: Partial<Record<TargetKey, Figures>>): Record<string, [number | null, string]> {
  return Object.fromEntries(judgeGoals(figures).map((g) => [g.key, [g.value, g.status]]));
}

describe('judgeGoals', () => {
  it('meets every goal when Portcullis is fast enough', () => {
    const j = judged({
      a: fig(8000, 12),
      b: fig(10_400, 12.5),
      e: fig(11_000, 10),
      f: fig(10_500, 12.9),
      g: fig(12_000, 6),
      h: fig(10_800, 7),
    });
    assert.deepEqual(j, {
      'b/a': [1.3, 'met'],
      'f/a': [1.313, 'met'],
      'e/a': [1.375, 'no goal'],
      'h/g': [0.9, 'met'],
      'p99 b-a': [0.5, 'met'],
      'p99 f-a': [0.9, 'met'],
    });
  });

  it('fails the goals it misses, the p99 one at exactly 1 ms too', () => {
    const j = judged({ a: fig(8000, 12), b: fig(5360, 13), f: fig(4000, 20), g: fig(12_000, 6), h: fig(3240, 15) });
    assert.deepEqual(j['b/a'], [0.67, 'not met']);
    assert.deepEqual(j['f/a'], [0.5, 'not met']);
    assert.deepEqual(j['h/g'], [0.27, 'not met']);
    assert.deepEqual(j['p99 b-a'], [1, 'not met']);
    assert.deepEqual(j['p99 f-a'], [8, 'not met']);
  });

  it('judges a ratio as it is printed, to 3 decimals', () => {
    // 1.29995 prints as 1.300: met, never "1.300 not met"
    assert.deepEqual(judged({ a: fig(100_000, 1), b: fig(129_995, 1) })['b/a'], [1.3, 'met']);
    assert.deepEqual(judged({ a: fig(100_000, 1), b: fig(129_940, 1) })['b/a'], [1.299, 'not met']);
  });

  it('says what was not measured instead of guessing', () => {
    const j = judged({ a: fig(8000, 12), b: fig(9000, 12) });
    assert.deepEqual(j['h/g'], [null, 'not measured']);
    assert.deepEqual(j['f/a'], [null, 'not measured']);
    assert.deepEqual(j['p99 f-a'], [null, 'not measured']);
    assert.deepEqual(judged({ a: fig(0, 1), b: fig(9000, 12) })['b/a'], [null, 'not measured']);
  });

  it('prints one aligned line per goal, NOT MET in capitals', () => {
    const lines = formatGoals(judgeGoals({ a: fig(8000, 12), b: fig(5360, 13), e: fig(11_000, 10) }));
    assert.equal(lines.length, 6);
    assert.match(lines[0] ?? '', /^b\/a +0\.670 +goal >= 1\.3 +NOT MET +inline/);
    assert.match(lines[2] ?? '', /^e\/a +1\.375 +reference +no goal/);
    assert.match(lines[3] ?? '', /^h\/g +- +goal >= 0\.9 +not measured/);
    assert.match(lines[4] ?? '', /^p99 b-a +1\.00 ms +goal < 1 ms +NOT MET/);
  });
});

describe('parseCpuList', () => {
  const cases: [string, number[]][] = [
    ['0', [0]],
    ['0,1', [0, 1]],
    ['0-3', [0, 1, 2, 3]],
    ['2-3,6\n', [2, 3, 6]],
  ];
  for (const [text, expected] of cases)
    it(`reads ${JSON.stringify(text)}`, () => assert.deepEqual(parseCpuList(text), expected));
  for (const bad of ['', 'a', '3-1', '0,,1', '-1'])
    it(`refuses ${JSON.stringify(bad)}`, () => assert.throws(() => parseCpuList(bad), /not a CPU list/));
});

describe('endToEnd (the reference proxy)', () => {
  it('drops hop-by-hop headers and those the Connection header names, keeps the rest', () => {
    assert.deepEqual(
      endToEnd({
        host: 'app.test',
        connection: 'keep-alive, X-Trace',
        'keep-alive': 'timeout=5',
        'x-trace': '1',
        'transfer-encoding': 'chunked',
        te: 'trailers',
        upgrade: 'websocket',
        'proxy-authorization': 'Basic x',
        expect: '100-continue',
        cookie: 'a=1',
        'set-cookie': ['b=2', 'c=3'],
        'content-length': '5',
        absent: undefined,
      }),
      { host: 'app.test', cookie: 'a=1', 'set-cookie': ['b=2', 'c=3'], 'content-length': '5' },
    );
  });
});
