/** The benchmark's tables as text: one row per target, columns aligned. */
import type { Measurement } from './measure.ts';

export function table(rows: (string | number)[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => String(r[i]).length))) ?? [];
  return rows
    .map((r, n) => {
      const line = r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i] ?? 0) : String(c).padStart(widths[i] ?? 0)));
      return n === 0 ? `${line.join('  ')}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line.join('  ');
    })
    .join('\n');
}

/** The share of one core a process used over the run, from its CPU per request and the rate. */
const coreShare = (usPerRequest: number | null, m: Measurement) =>
  usPerRequest === null ? null : Math.round((usPerRequest * m.requestsPerSec) / 10_000);

export function row(label: string, m: Measurement, pinned: boolean): (string | number)[] {
  const { p50Ms, p99Ms, avgMs, totalRequests, cpuUsPerRequest: cpu } = m;
  const serving = cpu.proxy === null ? null : cpu.proxy + cpu.upstream;
  return [
    label,
    m.requestsPerSec,
    p50Ms.toFixed(2),
    p99Ms.toFixed(2),
    avgMs.toFixed(2),
    totalRequests,
    cpu.proxy ?? '-',
    cpu.upstream,
    cpu.loadGenerator,
    m.upstream.connections,
    pinned ? `${coreShare(serving, m) ?? '-'}% / ${coreShare(cpu.loadGenerator, m)}%` : '-',
  ];
}

export const HEADER = [
  'target',
  'req/s',
  'p50 ms',
  'p99 ms',
  'avg ms',
  'requests',
  'CPU µs/req: proxy',
  'upstream',
  'load gen',
  'upstream conns',
  'core use: serving / load',
];
