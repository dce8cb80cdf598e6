/**
 * `npm run bench`: what Portcullis costs on top of a plain reverse proxy, and what policy
 * evaluation costs.
 *
 * 1. HTTP: one minimal upstream (bench/upstream.ts), then the same request through
 *    (a) bare Fastify + @fastify/http-proxy with default options and
 *    (b) Portcullis (a signed-in session, policy evaluated, identity headers and assertion on),
 *    each in a fresh child process (bench/target.ts), loaded by autocannon from this process
 *    (which does nothing else meanwhile). Before measuring, (b) is checked end to end: the
 *    upstream must answer 200 with the identity headers; afterwards the upstream's counters must
 *    show that every measured request reached it with the identity and without the cookie.
 * 2. Policy: compilePolicies + evaluate for 10, 100 and 1000 rules over 50 hosts (bench/policy.ts).
 *
 * Environment: BENCH_DURATION (s, default 10), BENCH_CONNECTIONS (50), BENCH_WARMUP (s, 2),
 * BENCH_ROUNDS (1; more alternates a/b and reports the median round), BENCH_POLICY_SECONDS (0.8 per size),
 * BENCH_UPSTREAM_CONNECTIONS / BENCH_UPSTREAM_PIPELINING (experiments on Portcullis' undici pool),
 * BENCH_LISTEN_HOST (default 127.0.0.1; `::` listens dual-stack, so peers are ::ffff:127.0.0.1).
 * The CPU columns are each process's user+system time per completed request: on a shared 2-core
 * machine they vary less from run to run than requests/s does.
 * Results: a table on stdout and bench/results/latest.json.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon, { type Result } from 'autocannon';
import { benchPolicy, type PolicyResult } from './policy.ts';
import {
  APP_HOST,
  BENCH_PATH,
  BODY,
  type ChildMessage,
  cpuMicros,
  ECHO_PATH,
  PASSWORD,
  type UpstreamCounts,
} from './shared.ts';

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

class BenchError extends Error {}

function fail(message: string): never {
  throw new BenchError(message);
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

// ---------------------------------------------------------------------------------------------
// plain HTTP with full control of Host (fetch forbids setting it)

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(
  port: number,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

async function login(port: number, cookieName: string): Promise<string> {
  const answer = await send(port, {
    method: 'POST',
    path: '/.portcullis/api/login',
    headers: { host: APP_HOST, 'content-type': 'application/json', origin: `http://${APP_HOST}` },
    body: JSON.stringify({ username: 'alice', password: PASSWORD }),
  });
  const setCookie = answer.headers['set-cookie'];
  const pair = (Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [])
    .map((c) => c.split(';')[0] ?? '')
    .find((c) => c.startsWith(`${cookieName}=`));
  if (answer.status !== 200 || pair === undefined)
    fail(`sign-in through POST /.portcullis/api/login failed: ${answer.status} ${answer.body}`);
  return pair;
}

function jwtPayload(jwt: string): Record<string, unknown> {
  const parts = jwt.split('.');
  if (parts.length !== 3) fail(`X-Portcullis-Assertion is not a JWT: ${jwt}`);
  return JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** (b) must really be a signed-in, authorised, identity-carrying request, or the figures mean nothing. */
async function verifyPortcullis(port: number, cookie: string, cookieName: string): Promise<void> {
  const anonymous = await send(port, { path: BENCH_PATH, headers: { host: APP_HOST } });
  if (anonymous.status === 200) fail('Portcullis let an anonymous request through: the policy is not in force');

  // forged identity headers must be replaced, the session cookie must not reach the upstream
  const echo = await send(port, {
    path: ECHO_PATH,
    headers: {
      host: APP_HOST,
      cookie: `${cookie}; theme=dark`,
      'remote-user': 'mallory',
      'x-portcullis-assertion': 'forged',
    },
  });
  if (echo.status !== 200) fail(`Portcullis did not pass the signed-in request: ${echo.status} ${echo.body}`);
  const seen = (JSON.parse(echo.body) as { headers: Record<string, string> }).headers;
  const expect = (name: string, value: string) => {
    if (seen[name] !== value) fail(`upstream saw ${name}: ${JSON.stringify(seen[name])}, expected ${value}`);
  };
  expect('remote-user', 'alice');
  expect('remote-groups', 'msp-admins');
  expect('remote-email', 'alice@msp.example');
  expect('remote-name', 'Alice Admin');
  expect('cookie', 'theme=dark');
  if (seen.cookie?.includes(`${cookieName}=`)) fail('the session cookie reached the upstream');
  const claims = jwtPayload(seen['x-portcullis-assertion'] ?? fail('no X-Portcullis-Assertion upstream'));
  if (claims.sub !== 'alice' || claims.aud !== 'app') fail(`unexpected assertion claims ${JSON.stringify(claims)}`);

  const real = await send(port, { path: BENCH_PATH, headers: { host: APP_HOST, cookie } });
  if (real.status !== 200 || real.body !== BODY) fail(`the benchmarked request got ${real.status} ${real.body}`);
}

async function verifyBare(port: number): Promise<void> {
  const real = await send(port, { path: BENCH_PATH, headers: { host: APP_HOST } });
  if (real.status !== 200 || real.body !== BODY) fail(`bare proxy answered ${real.status} ${real.body}`);
}

// ---------------------------------------------------------------------------------------------
// measurement

type TargetName = 'bare' | 'portcullis';

interface Measurement {
  target: TargetName;
  round: number;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  avgMs: number;
  totalRequests: number;
  /** CPU time (user + system) per completed request of each process: where the 2 cores went */
  cpuUsPerRequest: { proxy: number; upstream: number; loadGenerator: number };
  upstream: UpstreamCounts;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round1 = (n: number) => Math.round(n * 10) / 10;

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

async function measure(target: TargetName, upstream: Child, round: number): Promise<Measurement> {
  const origin = `http://127.0.0.1:${upstream.ready.port}`;
  const child = await startChild('target.ts', [target, origin]);
  try {
    const port = child.ready.port;
    let headers: Record<string, string> = { host: APP_HOST };
    if (target === 'portcullis') {
      const cookieName = child.ready.cookieName ?? fail('portcullis did not report its cookie name');
      const cookie = await login(port, cookieName);
      await verifyPortcullis(port, cookie, cookieName);
      headers = { host: APP_HOST, cookie };
    } else {
      await verifyBare(port);
    }
    checkLoad(target, await load(port, headers, WARMUP));
    await sleep(200);
    upstream.process.send({ type: 'counts' }); // resets the counters
    const upstreamBefore = (await upstream.next('counts')).cpuMicros;
    child.process.send({ type: 'cpu' });
    const proxyBefore = (await child.next('cpu')).cpuMicros;
    const loadBefore = cpuMicros();

    const r = await load(port, headers, DURATION);
    const loadCpu = cpuMicros() - loadBefore;
    checkLoad(target, r);
    await sleep(300);
    upstream.process.send({ type: 'counts' });
    const { counts, cpuMicros: upstreamAfter } = await upstream.next('counts');
    child.process.send({ type: 'cpu' });
    const proxyCpu = (await child.next('cpu')).cpuMicros - proxyBefore;
    // the upstream may have seen a few more: requests in flight when autocannon stopped
    if (counts.total < r.requests.total)
      fail(`${target}: upstream saw ${counts.total} requests, autocannon completed ${r.requests.total}`);
    if (target === 'portcullis') {
      if (counts.withIdentity !== counts.total)
        fail(`portcullis: ${counts.total - counts.withIdentity} requests reached the upstream without the identity`);
      if (counts.leakedCookie !== 0)
        fail(`portcullis: the session cookie reached the upstream ${counts.leakedCookie} times`);
    }
    return {
      target,
      round,
      requestsPerSec: Math.round(r.requests.average),
      p50Ms: r.latency.p50,
      p99Ms: r.latency.p99,
      avgMs: r.latency.average,
      totalRequests: r.requests.total,
      cpuUsPerRequest: {
        proxy: round1(proxyCpu / r.requests.total),
        upstream: round1((upstreamAfter - upstreamBefore) / r.requests.total),
        loadGenerator: round1(loadCpu / r.requests.total),
      },
      upstream: counts,
    };
  } finally {
    await child.close();
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
    cpu.proxy,
    cpu.upstream,
    cpu.loadGenerator,
  ];
}

function median(ms: Measurement[]): Measurement {
  const sorted = [...ms].sort((a, b) => a.requestsPerSec - b.requestsPerSec);
  return sorted[Math.floor((sorted.length - 1) / 2)] as Measurement;
}

function table(rows: (string | number)[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => String(r[i]).length))) ?? [];
  return rows
    .map((r, n) => {
      const line = r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i] ?? 0) : String(c).padStart(widths[i] ?? 0)));
      return n === 0 ? `${line.join('  ')}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line.join('  ');
    })
    .join('\n');
}

async function main(): Promise<void> {
  const started = Date.now();
  const experiment = {
    ...(process.env.BENCH_UPSTREAM_CONNECTIONS ? { connections: Number(process.env.BENCH_UPSTREAM_CONNECTIONS) } : {}),
    ...(process.env.BENCH_UPSTREAM_PIPELINING ? { pipelining: Number(process.env.BENCH_UPSTREAM_PIPELINING) } : {}),
  };
  console.log(
    `HTTP: ${DURATION}s per target after ${WARMUP}s warm-up, ${CONNECTIONS} connections, pipelining ${PIPELINING}, ` +
      `${ROUNDS} round(s); ${cpus().length} CPU(s), Node ${process.version}` +
      (Object.keys(experiment).length ? `; Portcullis undici override ${JSON.stringify(experiment)}` : '') +
      (process.env.BENCH_LISTEN_HOST ? `; proxies listen on ${process.env.BENCH_LISTEN_HOST}` : ''),
  );

  const upstream = await startChild('upstream.ts', []);
  const runs: Measurement[] = [];
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const target of ['bare', 'portcullis'] as const) {
        const m = await measure(target, upstream, round);
        runs.push(m);
        if (ROUNDS > 1)
          console.log(`  round ${round} ${target}: ${m.requestsPerSec} req/s, p50 ${m.p50Ms} ms, p99 ${m.p99Ms} ms`);
      }
    }
  } finally {
    await upstream.close();
  }
  const a = median(runs.filter((r) => r.target === 'bare'));
  const b = median(runs.filter((r) => r.target === 'portcullis'));
  const ratio = Math.round((b.requestsPerSec / a.requestsPerSec) * 1000) / 1000;
  console.log(
    `\n${table([
      ['target', 'req/s', 'p50 ms', 'p99 ms', 'avg ms', 'requests', 'CPU µs/req: proxy', 'upstream', 'load gen'],
      row('(a) fastify + http-proxy', a),
      row('(b) portcullis (signed in)', b),
    ])}\nratio b/a (req/s): ${ratio.toFixed(3)}\n`,
  );

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
      listenHost: process.env.BENCH_LISTEN_HOST ?? '127.0.0.1',
    },
    http: { bare: a, portcullis: b, ratio, runs },
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
