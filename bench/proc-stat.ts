/**
 * CPU time of another process by its pid, for processes the benchmark did not fork with an IPC
 * channel (a gateway started as `portcullis start`, its cluster primary and workers): Linux's
 * /proc/<pid>/stat, fields 14 and 15 (utime, stime) in clock ticks. Where /proc is missing
 * (macOS, Windows), processCpuMicros answers null and the CPU columns stay empty.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcTimes {
  /** user-mode time, in clock ticks */
  readonly utime: number;
  /** kernel-mode time, in clock ticks */
  readonly stime: number;
}

/**
 * utime and stime from the text of /proc/<pid>/stat. The second field (the command name, in
 * parentheses) may itself hold spaces and parentheses, so the fields are counted after the last ')'.
 */
export function parseProcStat(text: string): ProcTimes {
  const close = text.lastIndexOf(')');
  if (close === -1) throw new Error('not a /proc/<pid>/stat line: no command name');
  // after ')': field 3 (state) is at index 0, so field n is at index n - 3
  const fields = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const utime = Number(fields[14 - 3]);
  const stime = Number(fields[15 - 3]);
  if (!Number.isInteger(utime) || !Number.isInteger(stime) || utime < 0 || stime < 0)
    throw new Error('not a /proc/<pid>/stat line: utime and stime are not counts');
  return { utime, stime };
}

/** The parent's pid (field 4) from the text of /proc/<pid>/stat. */
export function parseParentPid(text: string): number {
  const close = text.lastIndexOf(')');
  const ppid = Number(
    close === -1
      ? Number.NaN
      : text
          .slice(close + 1)
          .trim()
          .split(/\s+/)[4 - 3],
  );
  if (!Number.isInteger(ppid) || ppid < 0) throw new Error('not a /proc/<pid>/stat line: no parent pid');
  return ppid;
}

/** User + system time in µs from clock ticks at `ticksPerSecond` (CLK_TCK, almost always 100). */
export function ticksToMicros(times: ProcTimes, ticksPerSecond: number): number {
  return Math.round(((times.utime + times.stime) * 1_000_000) / ticksPerSecond);
}

let ticks: number | undefined;

/** CLK_TCK from `getconf`, or 100 (the Linux default) when it cannot be asked. */
export function clockTicksPerSecond(): number {
  if (ticks !== undefined) return ticks;
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    ticks = Number.isInteger(n) && n > 0 ? n : 100;
  } catch {
    ticks = 100;
  }
  return ticks;
}

let hasProc: boolean | undefined;

/** True when this system has /proc/<pid>/stat (Linux). */
export function procStatAvailable(): boolean {
  if (hasProc !== undefined) return hasProc;
  try {
    parseProcStat(readFileSync('/proc/self/stat', 'utf8'));
    hasProc = true;
  } catch {
    hasProc = false;
  }
  return hasProc;
}

/** User + system CPU time (µs) `pid` has used so far, or null without /proc; throws if the process is gone. */
export function processCpuMicros(pid: number): number | null {
  if (!procStatAvailable()) return null;
  return ticksToMicros(parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8')), clockTicksPerSecond());
}

/** The pids whose parent is `pid` (an nginx master's workers), from /proc; [] without /proc. */
export function childPids(pid: number): number[] {
  if (!procStatAvailable()) return [];
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      if (parseParentPid(readFileSync(`/proc/${entry}/stat`, 'utf8')) === pid) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
