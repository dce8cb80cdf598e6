/**
 * `npm run bench`: what Portcullis costs on top of a plain reverse proxy, what several workers
 * bring, and what policy evaluation costs.
 *
 * 1. HTTP: one minimal upstream (bench/upstream.ts), then the same request through
 *    (a) bare Fastify + @fastify/http-proxy with default options and
 *    (b) Portcullis (a signed-in session, policy evaluated, identity headers and assertion on),
 *    each in a fresh child process (bench/target.ts), loaded by autocannon from this process
 *    (which does nothing else meanwhile). Before measuring, (b) is checked end to end: the
 *    upstream must answer 200 with the identity headers; afterwards the upstream's counters must
 *    show that every measured request reached it with the identity and without the cookie.
 * 2. Cluster: Portcullis started as an operator starts it (`node dist/main.js start --config F`,
 *    bench/cluster-target.ts) with (c) `server.workers: 1` and (d) `server.workers: 2`, both on
 *    Redis + PostgreSQL (a key prefix and a schema of their own, removed afterwards), so the worker
 *    count is the only difference; same upstream, sign-in, checks and autocannon settings as (b).
 *    Their CPU column sums the primary and its workers (/proc/<pid>/stat, bench/proc-stat.ts).
 *    On a 2-core machine the load generator and the upstream share the cores with the workers,
 *    so 2 workers cannot double requests/s there: the ratio d/c means something only on a machine
 *    with cores to spare. Skipped with a notice when Redis or PostgreSQL is not reachable.
 * 3. Policy: compilePolicies + evaluate for 10, 100 and 1000 rules over 50 hosts (bench/policy.ts).
 *
 * Environment: BENCH_DURATION (s, default 10), BENCH_CONNECTIONS (50), BENCH_WARMUP (s, 2),
 * BENCH_ROUNDS (1; more alternates the targets and reports the median round), BENCH_POLICY_SECONDS (0.8 per size),
 * BENCH_WORKERS (2; 0 skips the cluster part, N compares 1 worker with N),
 * BENCH_REDIS_URL / BENCH_POSTGRES_URL (the cluster's servers: redis://127.0.0.1:6379/0,
 * postgres://postgres@127.0.0.1:5432/test), BENCH_UPSTREAM_CONNECTIONS / BENCH_UPSTREAM_PIPELINING
 * (experiments on Portcullis' undici pool, (b) only), BENCH_LISTEN_HOST (default 127.0.0.1; `::`
 * listens dual-stack, so peers are ::ffff:127.0.0.1).
 * The CPU columns are each process's user+system time per completed request: on a shared 2-core
 * machine they vary less from run to run than requests/s does.
 * Results: a table on stdout and bench/results/latest.json.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon, { type Result } from 'autocannon';
import { BenchError, fail } from './bench-error.ts';
import { login, verifyBare, verifyPortcullis } from './checks.ts';
import { startClusterTarget } from './cluster-target.ts';
import { passwordHash } from './config-folder.ts';
import { benchPolicy, type PolicyResult } from './policy.ts';
import type { ServedTarget } from './served-target.ts';
import { APP_HOST, BENCH_PATH, BODY, type ChildMessage, cpuMicros, type UpstreamCounts } from './shared.ts';
import { POSTGRES_URL, REDIS_URL, sharedStoresProblem, withoutCredentials } from './shared-stores.ts';

const here = dirname(fileURLToPath(import.meta.url));

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got '${raw}'`);
  return n;
}

const DURATION = envNumber('BENCH_DURATION', 10);
const CONNECTIONS = Math.round(envNumber('BENCH_CONNECTIONS', 50));
const WARMUP = envNumber('BENCH_WARMUP', 2);
const ROUNDS = Math.round(envNumber('BENCH_ROUNDS', 1));
const POLICY_SECONDS = envNumber('BENCH_POLICY_SECONDS', 0.8);
const PIPELINING = 1;
/** 0 skips the cluster part; N (at least 2) compares server.workers: 1 with server.workers: N */
const WORKERS = workersSetting(process.env.BENCH_WORKERS);

function workersSetting(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 2;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n === 1)
    throw new Error(`BENCH_WORKERS must be 0 (no cluster part) or a whole number of at least 2, got '${raw}'`);
  return n;
}

// ---------------------------------------------------------------------------------------------
// child processes

interface Child {
  process: ChildProcess;
  ready: Extract<ChildMessage, { type: 'ready' }>;
  /** the next message of the given type */
  next<T extends ChildMessage['type']>(type: T): Promise<Extract<ChildMessage, { type: T }>>;
  close(): Promise<void>;
}

function startChild(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Child> {
  const child = fork(join(here, file), args, { execArgv: ['--import', 'tsx'], env, stdio: 'inherit' });
  const waiting: { type: string; resolve: (m: ChildMessage) => void }[] = [];
  let exited = false;
  child.on('message', (m: ChildMessage) => {
    const i = waiting.findIndex((w) => w.type === m.type);
    if (i !== -1) waiting.splice(i, 1)[0]?.resolve(m);
  });
  const next = <T extends ChildMessage['type']>(type: T) =>
    new Promise<Extract<ChildMessage, { type: T }>>((resolve, reject) => {
      if (exited) reject(new BenchError(`${file} has exited`));
      waiting.push({ type, resolve: resolve as (m: ChildMessage) => void });
    });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      exited = true;
      reject(new BenchError(`${file} ${args[0] ?? ''} exited (code ${code}) before it was ready`));
    });
    child.on('message', (m: ChildMessage) => {
      if (m.type === 'error') reject(new BenchError(`${file} ${args[0] ?? ''} failed to start:\n${m.message}`));
      if (m.type !== 'ready') return;
      resolve({
        process: child,
        ready: m,
        next,
        close: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
            child.once('exit', () => {
              clearTimeout(timer);
              done();
            });
            child.send({ type: 'close' });
          }),
      });
    });
  });
}

/** The forked child (bench/target.ts) as a target: its CPU time comes over the IPC channel. */
async function childTarget(role: 'bare' | 'portcullis', origin: string): Promise<ServedTarget> {
  const child = await startChild('target.ts', [role, origin]);
  const cookieName = role === 'bare' ? null : (child.ready.cookieName ?? null);
  if (role === 'portcullis' && cookieName === null) {
    await child.close();
    fail('portcullis did not report its cookie name');
  }
  return {
    port: child.ready.port,
    cookieName,
    verifyRepeat: 1,
    async cpu() {
      child.process.send({ type: 'cpu' });
      return { proxy: (await child.next('cpu')).cpuMicros };
    },
    check() {},
    close: () => child.close(),
  };
}

// ---------------------------------------------------------------------------------------------
// measurement

/** 'bare', 'portcullis' (in process, SQLite + memory), or 'workers-N' (portcullis start, Redis + PostgreSQL) */
type TargetName = string;

interface Measurement {
  target: TargetName;
  round: number;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  avgMs: number;
  totalRequests: number;
  /**
   * CPU time (user + system) per completed request of each process: where the cores went. For a
   * started gateway, `proxy` is the sum over its primary and workers; null where it cannot be read.
   */
  cpuUsPerRequest: { proxy: number | null; upstream: number; loadGenerator: number };
  /** a started gateway's CPU time per request by process (primary, worker 1, ...) */
  proxyProcesses?: Record<string, number>;
  upstream: UpstreamCounts;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round1 = (n: number) => Math.round(n * 10) / 10;
const sum = (xs: Record<string, number>) => Object.values(xs).reduce((a, b) => a + b, 0);

function load(port: number, headers: Record<string, string>, duration: number): Promise<Result> {
  return autocannon({
    url: `http://127.0.0.1:${port}${BENCH_PATH}`,
    connections: CONNECTIONS,
    pipelining: PIPELINING,
    duration,
    headers,
    expectBody: BODY,
  });
}

function checkLoad(target: TargetName, r: Result): void {
  const bad = { errors: r.errors, timeouts: r.timeouts, non2xx: r.non2xx, mismatches: r.mismatches };
  if (Object.values(bad).some((v) => v > 0))
    fail(`${target}: not every response was the upstream's 200: ${JSON.stringify(bad)}`);
  if (r.requests.total === 0 || r['2xx'] !== r.requests.total)
    fail(`${target}: ${r['2xx']} of ${r.requests.total} completed requests were 2xx`);
}

async function measure(
  target: TargetName,
  start: () => Promise<ServedTarget>,
  upstream: Child,
  round: number,
): Promise<Measurement> {
  const served = await start();
  try {
    const { port, cookieName } = served;
    let headers: Record<string, string> = { host: APP_HOST };
    if (cookieName !== null) {
      const cookie = await login(port, cookieName);
      await verifyPortcullis(port, cookie, cookieName, served.verifyRepeat);
      headers = { host: APP_HOST, cookie };
    } else {
      await verifyBare(port);
    }
    checkLoad(target, await load(port, headers, WARMUP));
    await sleep(200);
    upstream.process.send({ type: 'counts' }); // resets the counters
    const upstreamBefore = (await upstream.next('counts')).cpuMicros;
    const proxyBefore = await served.cpu();
    const loadBefore = cpuMicros();

    const r = await load(port, headers, DURATION);
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
    if (cookieName !== null) {
      if (counts.withIdentity !== counts.total)
        fail(`${target}: ${counts.total - counts.withIdentity} requests reached the upstream without the identity`);
      if (counts.leakedCookie !== 0)
        fail(`${target}: the session cookie reached the upstream ${counts.leakedCookie} times`);
    }
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
      p50Ms: r.latency.p50,
      p99Ms: r.latency.p99,
      avgMs: r.latency.average,
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

function row(label: string, m: Measurement): (string | number)[] {
  const { p50Ms, p99Ms, avgMs, totalRequests, cpuUsPerRequest: cpu } = m;
  return [
    label,
    m.requestsPerSec,
    p50Ms,
    p99Ms,
    avgMs.toFixed(2),
    totalRequests,
    cpu.proxy ?? '-',
    cpu.upstream,
    cpu.loadGenerator,
  ];
}

function median(ms: Measurement[]): Measurement {
  const sorted = [...ms].sort((a, b) => a.requestsPerSec - b.requestsPerSec);
  return sorted[Math.floor((sorted.length - 1) / 2)] as Measurement;
}

const ratioOf = (a: Measurement, b: Measurement) => Math.round((b.requestsPerSec / a.requestsPerSec) * 1000) / 1000;

function table(rows: (string | number)[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => String(r[i]).length))) ?? [];
  return rows
    .map((r, n) => {
      const line = r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i] ?? 0) : String(c).padStart(widths[i] ?? 0)));
      return n === 0 ? `${line.join('  ')}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line.join('  ');
    })
    .join('\n');
}

/** Why the cluster part is skipped (BENCH_WORKERS=0, stores not reachable), or null when it runs. */
async function clusterSkipped(): Promise<string | null> {
  if (WORKERS === 0) return 'BENCH_WORKERS=0';
  return sharedStoresProblem();
}

async function main(): Promise<void> {
  const started = Date.now();
  const experiment = {
    ...(process.env.BENCH_UPSTREAM_CONNECTIONS ? { connections: Number(process.env.BENCH_UPSTREAM_CONNECTIONS) } : {}),
    ...(process.env.BENCH_UPSTREAM_PIPELINING ? { pipelining: Number(process.env.BENCH_UPSTREAM_PIPELINING) } : {}),
  };
  const listenHost = process.env.BENCH_LISTEN_HOST ?? '127.0.0.1';
  console.log(
    `HTTP: ${DURATION}s per target after ${WARMUP}s warm-up, ${CONNECTIONS} connections, pipelining ${PIPELINING}, ` +
      `${ROUNDS} round(s); ${cpus().length} CPU(s), Node ${process.version}` +
      (Object.keys(experiment).length ? `; Portcullis undici override ${JSON.stringify(experiment)} (b only)` : '') +
      (process.env.BENCH_LISTEN_HOST ? `; proxies listen on ${process.env.BENCH_LISTEN_HOST}` : ''),
  );
  const skipped = await clusterSkipped();
  const clusterSizes = skipped === null ? [1, WORKERS] : [];
  if (skipped === null)
    console.log(
      `Cluster: portcullis start with server.workers 1 and ${WORKERS} on Redis ${withoutCredentials(REDIS_URL)} + ` +
        `PostgreSQL ${withoutCredentials(POSTGRES_URL)}`,
    );
  else
    console.log(
      `NOTICE: the cluster part (server.workers 1 and ${WORKERS || 2}) is skipped: ${skipped}` +
        (WORKERS === 0 ? '' : ' (BENCH_WORKERS=0 skips it on purpose)'),
    );
  const hash = clusterSizes.length > 0 ? await passwordHash() : '';

  const upstream = await startChild('upstream.ts', []);
  const origin = `http://127.0.0.1:${upstream.ready.port}`;
  const targets: [TargetName, () => Promise<ServedTarget>][] = [
    ['bare', () => childTarget('bare', origin)],
    ['portcullis', () => childTarget('portcullis', origin)],
    ...clusterSizes.map((workers): [TargetName, () => Promise<ServedTarget>] => [
      `workers-${workers}`,
      () => startClusterTarget({ workers, upstream: origin, passwordHash: hash, listenHost }),
    ]),
  ];
  const runs: Measurement[] = [];
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [target, start] of targets) {
        const m = await measure(target, start, upstream, round);
        runs.push(m);
        if (ROUNDS > 1)
          console.log(`  round ${round} ${target}: ${m.requestsPerSec} req/s, p50 ${m.p50Ms} ms, p99 ${m.p99Ms} ms`);
      }
    }
  } finally {
    await upstream.close();
  }
  const of = (target: TargetName) => median(runs.filter((r) => r.target === target));
  const a = of('bare');
  const b = of('portcullis');
  const ratio = ratioOf(a, b);
  const rows = [
    ['target', 'req/s', 'p50 ms', 'p99 ms', 'avg ms', 'requests', 'CPU µs/req: proxy', 'upstream', 'load gen'],
    row('(a) fastify + http-proxy', a),
    row('(b) portcullis (signed in)', b),
  ];
  const c = skipped === null ? of('workers-1') : null;
  const d = skipped === null ? of(`workers-${WORKERS}`) : null;
  if (c && d) {
    rows.push(row('(c) portcullis start, workers: 1', c), row(`(d) portcullis start, workers: ${WORKERS}`, d));
  }
  const clusterRatio = c && d ? ratioOf(c, d) : null;
  const note =
    `${cpus().length} CPU(s) shared by the load generator (autocannon, this process), the upstream and the ` +
    `gateway's workers: ${WORKERS || 2} workers cannot multiply requests/s unless the machine has cores to spare ` +
    `for them; on 2 cores they cannot double it. The CPU columns show where the time went.`;
  console.log(`\n${table(rows)}\nratio b/a (req/s): ${ratio.toFixed(3)}`);
  if (clusterRatio !== null) {
    console.log(`ratio d/c, ${WORKERS} workers / 1 worker (req/s): ${clusterRatio.toFixed(3)}`);
    console.log(
      `(c) and (d): node dist/main.js start, both on Redis + PostgreSQL, signed in by the password rule; ` +
        `their proxy CPU is the sum over the primary and its workers.\nNote: ${note}`,
    );
  } else {
    console.log(`(cluster part skipped: ${skipped})`);
  }
  console.log('');

  console.log(`Policy evaluation: ${POLICY_SECONDS}s per size, batches of 1000 decisions`);
  const policy: PolicyResult[] = [10, 100, 1000].map((n) => benchPolicy(n, POLICY_SECONDS));
  console.log(
    `${table([
      ['rules (50 hosts)', 'compile ms', 'decisions/s', 'median ns', 'p99 ns'],
      ...policy.map((p) => [p.rules, p.compileMs, p.decisionsPerSec.toLocaleString('en-US'), p.medianNs, p.p99Ns]),
    ])}\n`,
  );

  const results = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? null,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    settings: {
      durationS: DURATION,
      warmupS: WARMUP,
      connections: CONNECTIONS,
      pipelining: PIPELINING,
      rounds: ROUNDS,
      path: BENCH_PATH,
      portcullisUpstreamOverride: experiment,
      listenHost,
      workers: WORKERS,
    },
    http: {
      bare: a,
      portcullis: b,
      ratio,
      runs: runs.filter((r) => r.target === 'bare' || r.target === 'portcullis'),
    },
    cluster:
      c && d
        ? {
            workers: WORKERS,
            stores: { ephemeral: withoutCredentials(REDIS_URL), durable: withoutCredentials(POSTGRES_URL) },
            workers1: c,
            workersN: d,
            ratio: clusterRatio,
            note,
            runs: runs.filter((r) => r.target.startsWith('workers-')),
          }
        : { skipped },
    policy,
    elapsedS: Math.round((Date.now() - started) / 100) / 10,
  };
  const out = join(here, 'results', 'latest.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`wrote ${out} (${results.elapsedS}s)`);
}

main().catch((err: unknown) => {
  console.error(err instanceof BenchError ? `BENCHMARK INVALID: ${err.message}` : err);
  process.exit(1);
});
