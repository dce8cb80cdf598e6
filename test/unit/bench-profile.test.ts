/**
 * The benchmark's .cpuprofile summariser (bench/cpu-profile.ts): self time per function from a
 * small synthetic V8 profile, the same function reached by two paths summed, idle set apart, and
 * paths shortened for people.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CpuProfile, mainThreadProfile, shortLocation, summariseCpuProfile } from '../../bench/cpu-profile.ts';

const ROOT = '/srv/portcullis';

const frame = (functionName: string, url = '', lineNumber = -1) => ({ functionName, url, lineNumber, columnNumber: 0 });

/**
 * (root) -> (program), (idle), (garbage collector), handle (dist/gate/gate.js:10)
 *   handle -> write (pino), handle again by another path (root -> dispatch -> handle)
 */
const nodes: CpuProfile['nodes'] = [
  { id: 1, callFrame: frame('(root)'), children: [2, 3, 4, 5, 8] },
  { id: 2, callFrame: frame('(program)') },
  { id: 3, callFrame: frame('(idle)') },
  { id: 4, callFrame: frame('(garbage collector)') },
  { id: 5, callFrame: frame('handle', `file://${ROOT}/dist/gate/gate.js`, 9), children: [6] },
  { id: 6, callFrame: frame('write', `file://${ROOT}/node_modules/pino/lib/proto.js`, 199) },
  { id: 7, callFrame: frame('handle', `file://${ROOT}/dist/gate/gate.js`, 9) },
  { id: 8, callFrame: frame('', `file://${ROOT}/dist/main.js`, 0), children: [7] },
];

/**
 * Samples (node id) and the µs since the one before; sample i runs until sample i + 1, the last
 * one until endTime: handle 100 + 300 (two paths), write 200, idle 1000, GC 50, program 30,
 * the anonymous function 0 (never sampled itself).
 */
const samples = [5, 6, 7, 3, 4, 2];
const timeDeltas = [10, 100, 200, 300, 1000, 50];
const startTime = 1_000;
const endTime = startTime + timeDeltas.reduce((a, b) => a + b, 0) + 30;

describe('summariseCpuProfile', () => {
  const summary = summariseCpuProfile({ nodes, startTime, endTime, samples, timeDeltas }, { root: ROOT, top: 10 });

  it('sets idle time apart from busy time', () => {
    assert.equal(summary.windowed, false);
    assert.equal(summary.idleMs, 1);
    assert.equal(summary.busyMs, 0.68);
    assert.equal(summary.totalMs, 1.68);
  });

  it('sums a function reached by two paths, largest self time first, idle and never-sampled ones left out', () => {
    assert.deepEqual(
      summary.functions.map((f) => [f.name, f.location, f.selfMs]),
      [
        ['handle', 'dist/gate/gate.js:10', 0.4],
        ['write', 'node_modules/pino/lib/proto.js:200', 0.2],
        ['(garbage collector)', '', 0.05],
        ['(program)', '', 0.03],
      ],
    );
  });

  it('gives each function its share of the busy time', () => {
    assert.equal(summary.functions[0]?.percent, 58.82);
    const total = summary.functions.reduce((n, f) => n + f.percent, 0);
    assert.ok(Math.abs(total - 100) < 0.05, `shares add up to ${total}`);
  });

  it('keeps only the top functions', () => {
    const top2 = summariseCpuProfile({ nodes, startTime, endTime, samples, timeDeltas }, { root: ROOT, top: 2 });
    assert.deepEqual(
      top2.functions.map((f) => f.name),
      ['handle', 'write'],
    );
  });

  it('counts only the samples inside a window when one is asked for', () => {
    // samples are taken at 1010, 1110, 1310, 1610, 2610 and 2660: the window holds write, handle and idle
    const inside = summariseCpuProfile(
      { nodes, startTime, endTime, samples, timeDeltas },
      { root: ROOT, top: 10, window: { fromUs: 1100, toUs: 1700 } },
    );
    assert.equal(inside.windowed, true);
    assert.equal(inside.idleMs, 1);
    assert.deepEqual(
      inside.functions.map((f) => [f.name, f.selfMs, f.percent]),
      [
        ['handle', 0.3, 60],
        ['write', 0.2, 40],
      ],
    );
    const outside = summariseCpuProfile(
      { nodes, startTime, endTime, samples, timeDeltas },
      { root: ROOT, top: 10, window: { fromUs: 5000, toUs: 6000 } },
    );
    assert.equal(outside.windowed, false, 'no sample in the window: the whole profile counts');
    assert.equal(outside.busyMs, 0.68);
  });

  it('falls back to hit counts when the profile has no samples', () => {
    const counted = nodes.map((n) => ({ ...n, hitCount: n.id === 5 ? 3 : n.id === 3 ? 1 : 0 }));
    const s = summariseCpuProfile({ nodes: counted, startTime: 0, endTime: 4_000 }, { root: ROOT, top: 5 });
    assert.equal(s.idleMs, 1);
    assert.deepEqual(
      s.functions.map((f) => [f.name, f.selfMs, f.percent]),
      [['handle', 3, 100]],
    );
  });

  it('names an anonymous function (anonymous)', () => {
    const anon = summariseCpuProfile(
      { nodes, startTime: 0, endTime: 100, samples: [8, 2], timeDeltas: [0, 60] },
      { root: ROOT, top: 5 },
    );
    assert.deepEqual(
      anon.functions.map((f) => [f.name, f.location, f.selfMs]),
      [
        ['(anonymous)', 'dist/main.js:1', 0.06],
        ['(program)', '', 0.04],
      ],
    );
  });

  it('refuses what is not a profile', () => {
    assert.throws(
      () => summariseCpuProfile({ nodes: [], startTime: 0, endTime: 0 }, { root: ROOT, top: 5 }),
      /no nodes/,
    );
    assert.throws(() => summariseCpuProfile({} as unknown as CpuProfile, { root: ROOT, top: 5 }), /not a CPU profile/);
  });
});

describe('shortLocation', () => {
  const cases: [string, string][] = [
    [`file://${ROOT}/dist/proxy/upstream.js`, 'dist/proxy/upstream.js'],
    [`file://${ROOT}/node_modules/@fastify/reply-from/index.js`, 'node_modules/@fastify/reply-from/index.js'],
    [`file://${ROOT}/node_modules/a/node_modules/b/x.js`, 'node_modules/b/x.js'],
    ['node:internal/http', 'node:internal/http'],
    ['file:///elsewhere/x%20y.js', '/elsewhere/x y.js'],
  ];
  for (const [url, expected] of cases)
    it(`${url} -> ${expected}`, () => assert.equal(shortLocation(url, ROOT), expected));
});

describe('mainThreadProfile', () => {
  it("picks thread 0's profile among those Node wrote", () => {
    const files = [
      'CPU.20260520.101112.4242.1.002.cpuprofile',
      'CPU.20260520.101112.4242.0.001.cpuprofile',
      'notes.txt',
    ];
    assert.equal(mainThreadProfile(files), 'CPU.20260520.101112.4242.0.001.cpuprofile');
  });
  it('answers null when there is none', () => {
    assert.equal(mainThreadProfile(['CPU.20260520.101112.4242.1.002.cpuprofile']), null);
    assert.equal(mainThreadProfile([]), null);
  });
});
