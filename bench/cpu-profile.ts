/**
 * Where the time goes, without a profile viewer: the self time of each function in a V8
 * `.cpuprofile` (what `node --cpu-prof` writes), summed over every node of the call tree that
 * names the same function at the same place, largest first.
 *
 * The profile's `samples[i]` is the node that was running at sample i and `timeDeltas[i]` the time
 * (µs) since the sample before, so sample i ran for `timeDeltas[i + 1]` (the last one until
 * `endTime`). Profiles without samples fall back to each node's `hitCount` times the mean
 * interval. `(idle)` is time the thread waited for I/O: it is reported apart, and the shares are of
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

/** Self time per function of `profile`; `root` shortens the paths, `top` limits the list. */
export function summariseCpuProfile(profile: CpuProfile, options: { root: string; top: number }): ProfileSummary {
  if (!Array.isArray(profile.nodes) || profile.nodes.length === 0) throw new Error('not a CPU profile: no nodes');
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const totalUs = Math.max(0, profile.endTime - profile.startTime);
  if (samples.length > 0 && deltas.length === samples.length) {
    const lastAt = profile.startTime + deltas.reduce((t, d) => t + d, 0);
    for (let i = 0; i < samples.length; i++) {
      const id = samples[i] as number;
      const ran = i + 1 < deltas.length ? (deltas[i + 1] as number) : profile.endTime - lastAt;
      selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, ran));
    }
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
  return { totalMs: round2(sampledUs / 1000), idleMs: round2(idleUs / 1000), busyMs: round2(busyUs / 1000), functions };
}

export function readCpuProfile(path: string): CpuProfile {
  return JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
}
