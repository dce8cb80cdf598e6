/**
 * One measurement of one target: start it, sign in as its authentication asks, prove end to end
 * that the benchmarked request is what it should be (bench/checks.ts), warm up, then load it with
 * autocannon from this process and read every process's CPU time around the measured run. Before
 * and after, the upstream's counters prove that every measured request reached it (with the
 * identity, and without the session cookie where Portcullis proxies).
 */
import autocannon, { type Result } from 'autocannon';
import { fail } from './bench-error.ts';
import { login, loginMfa, verifyBare, verifyForwardAuth, verifyPortcullis } from './checks.ts';
import type { Child } from './child.ts';
import { LatencyRecorder } from './latencies.ts';
import type { ServedTarget } from './served-target.ts';
import { APP_HOST, BENCH_PATH, BODY, cpuMicros, type UpstreamCounts } from './shared.ts';

export interface LoadSettings {
  /** seconds measured */
  duration: number;
  /** seconds of load before, not measured */
  warmup: number;
  connections: number;
  pipelining: number;
}

export interface Measurement {
  target: string;
  round: number;
  requestsPerSec: number;
  /** response times of the measured run, to the microsecond (bench/latencies.ts) */
  p50Ms: number;
  p99Ms: number;
  avgMs: number;
  totalRequests: number;
  /**
   * CPU time (user + system) per completed request of each process: where the cores went. `proxy`
   * is everything that serves the target (a gateway's primary and workers; nginx and its auth
   * service); null where it cannot be read.
   */
  cpuUsPerRequest: { proxy: number | null; upstream: number; loadGenerator: number };
  /** the proxy's CPU time per request by process, when it has several (primary, worker 1, ...; nginx, auth) */
  proxyProcesses?: Record<string, number>;
  upstream: UpstreamCounts;
}

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const round1 = (n: number) => Math.round(n * 10) / 10;
const sum = (xs: Record<string, number>) => Object.values(xs).reduce((a, b) => a + b, 0);

/** `latencies`: where to record each response's time (the measured run only). */
async function load(
  port: number,
  headers: Record<string, string>,
  duration: number,
  s: LoadSettings,
  latencies?: LatencyRecorder,
): Promise<Result> {
  const run = autocannon({
    url: `http://127.0.0.1:${port}${BENCH_PATH}`,
    connections: s.connections,
    pipelining: s.pipelining,
    duration,
    headers,
    expectBody: BODY,
  });
  if (latencies !== undefined) run.on('response', (_client, _status, _bytes, ms) => latencies.record(ms));
  return await run;
}

function checkLoad(target: string, r: Result): void {
  const bad = { errors: r.errors, timeouts: r.timeouts, non2xx: r.non2xx, mismatches: r.mismatches };
  if (Object.values(bad).some((v) => v > 0))
    fail(`${target}: not every response was the upstream's 200: ${JSON.stringify(bad)}`);
  if (r.requests.total === 0 || r['2xx'] !== r.requests.total)
    fail(`${target}: ${r['2xx']} of ${r.requests.total} completed requests were 2xx`);
}

/** Signs in as the target's authentication asks and proves the benchmarked request: the headers to load it with. */
async function prepare(served: ServedTarget): Promise<Record<string, string>> {
  const { port, cookieName, auth } = served;
  if (auth.kind === 'none' || cookieName === null) {
    await verifyBare(port);
    return { host: APP_HOST };
  }
  if (auth.kind === 'inline') {
    const cookie = auth.level === 'mfa' ? await loginMfa(port, cookieName) : await login(port, cookieName);
    await verifyPortcullis(port, cookie, cookieName, served.verifyRepeat);
    return { host: APP_HOST, cookie };
  }
  const cookie = await login(port, cookieName);
  await verifyForwardAuth(port, cookie, auth.portcullis);
  return { host: APP_HOST, cookie };
}

export async function measure(
  target: string,
  start: () => Promise<ServedTarget>,
  upstream: Child,
  round: number,
  settings: LoadSettings,
  /** told when the measured load ran, in µs of the monotonic clock (process.hrtime) */
  onWindow?: (fromUs: number, toUs: number) => void,
): Promise<Measurement> {
  const served = await start();
  try {
    const headers = await prepare(served);
    checkLoad(target, await load(served.port, headers, settings.warmup, settings));
    await sleep(200);
    upstream.process.send({ type: 'counts' }); // resets the counters
    const upstreamBefore = (await upstream.next('counts')).cpuMicros;
    const proxyBefore = await served.cpu();
    const loadBefore = cpuMicros();

    const latencies = new LatencyRecorder();
    const fromUs = monotonicUs();
    const r = await load(served.port, headers, settings.duration, settings, latencies);
    onWindow?.(fromUs, monotonicUs());
    const loadCpu = cpuMicros() - loadBefore;
    checkLoad(target, r);
    await sleep(300);
    upstream.process.send({ type: 'counts' });
    const { counts, cpuMicros: upstreamAfter } = await upstream.next('counts');
    const proxyAfter = await served.cpu();
    served.check();
    // the upstream may have seen a few more: requests in flight when autocannon stopped
    if (counts.total < r.requests.total)
      fail(`${target}: upstream saw ${counts.total} requests, autocannon completed ${r.requests.total}`);
    if (served.auth.kind !== 'none' && counts.withIdentity !== counts.total)
      fail(`${target}: ${counts.total - counts.withIdentity} requests reached the upstream without the identity`);
    if (served.auth.kind === 'inline' && counts.leakedCookie !== 0)
      fail(`${target}: the session cookie reached the upstream ${counts.leakedCookie} times`);
    const total = r.requests.total;
    let proxyProcesses: Record<string, number> | null = null;
    if (proxyBefore !== null && proxyAfter !== null)
      proxyProcesses = Object.fromEntries(
        Object.entries(proxyAfter).map(([name, us]) => [name, round1((us - (proxyBefore[name] ?? 0)) / total)]),
      );
    return {
      target,
      round,
      requestsPerSec: Math.round(r.requests.average),
      ...latencies.stats(),
      totalRequests: total,
      cpuUsPerRequest: {
        proxy: proxyProcesses === null ? null : round1(sum(proxyProcesses)),
        upstream: round1((upstreamAfter - upstreamBefore) / total),
        loadGenerator: round1(loadCpu / total),
      },
      ...(proxyProcesses !== null && !('proxy' in proxyProcesses) ? { proxyProcesses } : {}),
      upstream: counts,
    };
  } finally {
    await served.close();
  }
}

/** The median round by requests/s (the lower middle one for an even count). */
export function median(ms: readonly Measurement[]): Measurement {
  const sorted = [...ms].sort((a, b) => a.requestsPerSec - b.requestsPerSec);
  return sorted[Math.floor((sorted.length - 1) / 2)] as Measurement;
}
