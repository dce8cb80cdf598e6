/**
 * The benchmark's pure helpers for a gateway started as a process: CPU time from
 * /proc/<pid>/stat (bench/proc-stat.ts) and the workers' pids from the primary's log lines
 * (bench/cluster-target.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { workerPids } from '../../bench/cluster-target.ts';
import {
  childPids,
  parseParentPid,
  parseProcStat,
  processCpuMicros,
  procStatAvailable,
  ticksToMicros,
} from '../../bench/proc-stat.ts';

/** fields 3..17 after the command name: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime */
const tail = (utime: number, stime: number) => `S 1 1 1 0 -1 4194304 97 0 0 0 ${utime} ${stime} 7 8 20 0 1 0 193395`;

describe('parseProcStat', () => {
  const cases: [string, string, { utime: number; stime: number }][] = [
    ['a plain command name', `4242 (node) ${tail(1234, 56)}`, { utime: 1234, stime: 56 }],
    ['a name with spaces', `4242 (node worker 1) ${tail(10, 20)}`, { utime: 10, stime: 20 }],
    ['a name with parentheses', `4242 (a) (b)) ${tail(3, 4)}`, { utime: 3, stime: 4 }],
    ['a trailing newline', `4242 (node) ${tail(0, 0)}\n`, { utime: 0, stime: 0 }],
  ];
  for (const [what, text, expected] of cases)
    it(`reads utime and stime with ${what}`, () => assert.deepEqual(parseProcStat(text), expected));

  const bad: [string, string][] = [
    ['no command name', '4242 node S 1 1 1'],
    ['too few fields', '4242 (node) S 1 1 1'],
    ['a negative count', `4242 (node) ${tail(-1, 5)}`],
    ['a non-number', `4242 (node) ${tail(1, 5).replace(' 1 5 ', ' 1 x ')}`],
    ['an empty text', ''],
  ];
  for (const [what, text] of bad) it(`refuses ${what}`, () => assert.throws(() => parseProcStat(text), /\/proc/));
});

describe('ticksToMicros', () => {
  it('sums user and system time at the clock rate', () => {
    assert.equal(ticksToMicros({ utime: 150, stime: 50 }, 100), 2_000_000);
    assert.equal(ticksToMicros({ utime: 1, stime: 0 }, 250), 4_000);
    assert.equal(ticksToMicros({ utime: 0, stime: 0 }, 100), 0);
  });
});

describe('parseParentPid', () => {
  it('reads field 4, after a command name with spaces and parentheses', () => {
    assert.equal(parseParentPid(`4242 (nginx: worker (x)) S 77 1 1 0 -1 4194304 97 0 0 0 1 2 7 8 20 0 1 0 193395`), 77);
  });
  it('refuses a line without it', () => {
    assert.throws(() => parseParentPid('4242 nginx S 77'), /parent pid/);
    assert.throws(() => parseParentPid('4242 (nginx) S'), /parent pid/);
  });
});

describe('childPids', () => {
  it('finds a child of this process, and no child of a process that has none', async (t) => {
    if (!procStatAvailable()) return t.skip('no /proc on this system');
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    t.after(() => child.kill('SIGKILL'));
    assert.ok(childPids(process.pid).includes(child.pid as number));
    assert.deepEqual(childPids(child.pid as number), []);
  });
});

describe('processCpuMicros', () => {
  it('reads this process on Linux, null elsewhere', (t) => {
    if (!procStatAvailable()) {
      assert.equal(processCpuMicros(process.pid), null);
      t.skip('no /proc on this system: the CPU columns stay empty');
      return;
    }
    const micros = processCpuMicros(process.pid);
    assert.ok(typeof micros === 'number' && Number.isInteger(micros) && micros >= 0);
  });

  it('throws for a process that does not exist', (t) => {
    if (!procStatAvailable()) return t.skip('no /proc on this system');
    // above the largest pid Linux allows (2^22)
    assert.throws(() => processCpuMicros(2 ** 22 + 1));
  });
});

describe('workerPids', () => {
  const ready = (worker: number, pid: number) => ({ level: 30, msg: 'worker ready', worker, pid, version: 'abc' });

  it('names each worker by its latest pid (a restarted worker has a new one)', () => {
    const logs = [ready(1, 100), { msg: 'other', worker: 2, pid: 1 }, ready(2, 200), ready(1, 300)];
    assert.deepEqual(workerPids(logs, 2), { 'worker 1': 300, 'worker 2': 200 });
  });

  it('fails when a worker never reported ready', () => {
    assert.throws(() => workerPids([ready(1, 100)], 2), /worker 2 never logged 'worker ready'/);
    assert.throws(() => workerPids([{ msg: 'worker ready', worker: 1, pid: '100' }], 1), /worker 1/);
  });
});
