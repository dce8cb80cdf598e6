/**
 * Where the time goes, without a profile viewer: the self time of each function in a V8
 * `.cpuprofile` (what `node --cpu-prof` writes), summed over every node of the call tree that
 * names the same function at the same place, largest first.
 *
 * The profile's `samples[i]` is the node that was running at sample i and `timeDeltas[i]` the time
 * (µs) since the sample before, so sample i ran for `timeDeltas[i + 1]` (the last one until
 * `endTime`). Profiles without samples fall back to each node's `hitCount` times the mean
 * interval. A window (the measured load, without start-up and sign-in) keeps the samples taken
 * inside it. `(idle)` is time the thread waited for I/O: it is reported apart, and the shares are of
 * the busy time (everything else, `(garbage collector)` and `(program)` included).
 */
import { readFileSync } from 'node:fs';

export interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber?: number; scriptId?: string };
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface FunctionTime {
  /** the function's name, `(anonymous)` when it has none */
  name: string;
  /** where it is defined: path:line (1-based), shortened; '' for V8's own entries such as (program) */
  location: string;
  selfMs: number;
  /** share of the busy time, in per cent */
  percent: number;
}

export interface ProfileSummary {
  /** true when only the samples inside the window asked for were counted */
  windowed: boolean;
  /** the sampled time, in ms */
  totalMs: number;
  idleMs: number;
  busyMs: number;
  /** the `top` functions by self time, idle excluded */
  functions: FunctionTime[];
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * A script's URL made readable: `file:///abs/repo/dist/gate/gate.js` -> `dist/gate/gate.js` when
 * `root` is the repository's folder, anything inside node_modules from `node_modules/` on, and
 * Node's own modules (`node:internal/...`) as they are.
 */
export function shortLocation(url: string, root: string): string {
  let path = url.startsWith('file://') ? decodeURIComponent(url.slice('file://'.length)) : url;
  const modules = path.lastIndexOf('/node_modules/');
  if (modules !== -1) return path.slice(modules + 1);
  const base = root.endsWith('/') ? root : `${root}/`;
  if (base !== '/' && path.startsWith(base)) path = path.slice(base.length);
  return path;
}

/** Self time (µs) per node id of the samples taken in [fromUs, toUs) of the profile's clock. */
function sampledSelfTime(profile: CpuProfile, fromUs: number, toUs: number): Map<number, number> {
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let at = profile.startTime;
  for (let i = 0; i < samples.length; i++) {
    at += deltas[i] as number;
    if (at < fromUs || at >= toUs) continue;
    const id = samples[i] as number;
    const ran = i + 1 < deltas.length ? (deltas[i + 1] as number) : profile.endTime - at;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, ran));
  }
  return selfUs;
}

/**
 * Self time per function of `profile`; `root` shortens the paths, `top` limits the list. `window`
 * (µs on the profile's clock, which is the system's monotonic clock, process.hrtime's) keeps only
 * the samples taken inside it, e.g. the measured load without start-up; when no sample falls in
 * it, the whole profile counts and `windowed` says so.
 */
export function summariseCpuProfile(
  profile: CpuProfile,
  options: { root: string; top: number; window?: { fromUs: number; toUs: number } },
): ProfileSummary {
  if (!Array.isArray(profile.nodes) || profile.nodes.length === 0) throw new Error('not a CPU profile: no nodes');
  let selfUs = new Map<number, number>();
  let windowed = false;
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const totalUs = Math.max(0, profile.endTime - profile.startTime);
  if (samples.length > 0 && deltas.length === samples.length) {
    if (options.window !== undefined) {
      selfUs = sampledSelfTime(profile, options.window.fromUs, options.window.toUs);
      windowed = selfUs.size > 0;
    }
    if (!windowed) selfUs = sampledSelfTime(profile, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
  } else {
    const hits = profile.nodes.reduce((n, node) => n + (node.hitCount ?? 0), 0);
    const intervalUs = hits > 0 ? totalUs / hits : 0;
    for (const node of profile.nodes) selfUs.set(node.id, (node.hitCount ?? 0) * intervalUs);
  }

  const byFunction = new Map<string, { name: string; location: string; us: number }>();
  let idleUs = 0;
  let sampledUs = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    sampledUs += us;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    if (functionName === '(root)') continue;
    const name = functionName === '' ? '(anonymous)' : functionName;
    const location = url === '' ? '' : `${shortLocation(url, options.root)}:${lineNumber + 1}`;
    const key = `${name}\u0000${location}`;
    const entry = byFunction.get(key) ?? { name, location, us: 0 };
    entry.us += us;
    byFunction.set(key, entry);
  }
  const busyUs = sampledUs - idleUs;
  const functions = [...byFunction.values()]
    .filter((f) => f.us > 0)
    .sort((a, b) => b.us - a.us || a.name.localeCompare(b.name))
    .slice(0, options.top)
    .map((f) => ({
      name: f.name,
      location: f.location,
      selfMs: round2(f.us / 1000),
      percent: busyUs > 0 ? round2((f.us / busyUs) * 100) : 0,
    }));
  return {
    windowed,
    totalMs: round2(sampledUs / 1000),
    idleMs: round2(idleUs / 1000),
    busyMs: round2(busyUs / 1000),
    functions,
  };
}

/**
 * Node writes one profile per thread, CPU.<date>.<time>.<pid>.<thread id>.<n>.cpuprofile: the
 * main thread is thread 0 (the others are the module loader's, for the tsx hooks).
 */
export function mainThreadProfile(files: readonly string[]): string | null {
  return files.find((f) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(f)) ?? null;
}

export function readCpuProfile(path: string): CpuProfile {
  return JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
}
