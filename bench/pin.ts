/**
 * Pinning with `taskset` (Linux, util-linux): the load generator (autocannon, in bench/run.ts's own
 * process) gets one core to itself, and every process that serves a request (the upstream, the
 * proxy under test, nginx and its auth service) shares one other core. Requests/s then measure how
 * much serving work fits in one core, which is what the ratios compare, and the load generator
 * never competes with what it measures. On by default when `taskset` exists and this process may
 * run on at least two CPUs; BENCH_PIN=0 turns it off. `portcullis start` with several workers (the
 * cluster part) is given every core back: its point is to use more than one.
 */
import { execFileSync } from 'node:child_process';
import { BenchError } from './bench-error.ts';

export interface Pinning {
  /** the CPU list (taskset -c syntax) of the serving processes; null when not pinning */
  readonly server: string | null;
  /** the CPU list of this process, the load generator; null when not pinning */
  readonly load: string | null;
  /** every CPU this process was allowed at start, to give back to the cluster's processes */
  readonly all: string | null;
  /** why not, when not pinning */
  readonly off: string | null;
}

/** "0-2,5" -> [0, 1, 2, 5]; throws on anything else. */
export function parseCpuList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (m === null) throw new Error(`not a CPU list: '${text}'`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) throw new Error(`not a CPU list: '${text}'`);
    for (let cpu = from; cpu <= to; cpu++) out.push(cpu);
  }
  return out;
}

function taskset(args: string[]): string {
  return execFileSync('taskset', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** From BENCH_PIN and what taskset says of this process: which CPUs to use, or why not. */
export function pinningSetting(env: NodeJS.ProcessEnv = process.env): Pinning {
  const none = (off: string): Pinning => ({ server: null, load: null, all: null, off });
  if (env.BENCH_PIN === '0') return none('BENCH_PIN=0');
  if (env.BENCH_PIN !== undefined && env.BENCH_PIN !== '' && env.BENCH_PIN !== '1')
    throw new Error(`BENCH_PIN must be 0 or 1, got '${env.BENCH_PIN}'`);
  let allowed: number[];
  try {
    // "pid 123's current affinity list: 0,1"
    const said = taskset(['-p', '-c', String(process.pid)]);
    allowed = parseCpuList(said.slice(said.lastIndexOf(':') + 1));
  } catch {
    return none('taskset is not available (util-linux)');
  }
  if (allowed.length < 2) return none(`this process may run on ${allowed.length} CPU only`);
  const [load, server] = allowed as [number, number];
  return { load: String(load), server: String(server), all: allowed.join(','), off: null };
}

/** Binds every thread of `pid` to `cpus` (taskset -c syntax); a no-op for null. */
export function pin(pid: number, cpus: string | null): void {
  if (cpus === null) return;
  try {
    taskset(['-a', '-p', '-c', cpus, String(pid)]);
  } catch (err) {
    throw new BenchError(`taskset could not pin pid ${pid} to CPU ${cpus} (BENCH_PIN=0 turns pinning off): ${err}`);
  }
}
