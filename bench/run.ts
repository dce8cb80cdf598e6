/**
 * `npm run bench`: what Portcullis costs on top of a plain reverse proxy and of nginx forward-auth,
 * measured against the goals of issue 16 (bench/goals.ts), where its time goes, what several
 * workers bring, and what policy evaluation costs.
 *
 * 1. HTTP: one minimal upstream (bench/upstream.ts), then the same request through
 *    (a) bare Fastify + @fastify/http-proxy with default options;
 *    (b) Portcullis inline (a signed-in session, password rule, identity headers and assertion on);
 *    (e) a hand-written node:http + undici Pool proxy without authentication: the ceiling
 *        (bench/reference-proxy.ts);
 *    (f) Portcullis inline with 50 policy rules, the deciding one asking for level mfa (the session
 *        raised by enrolling an authenticator app at sign-in);
 *    (g) nginx auth_request -> a trivial auth service (bench/trivial-auth.ts) -> the upstream;
 *    (h) nginx auth_request -> Portcullis /.portcullis/authz -> the upstream
 *        ((g) and (h): the documented nginx example, bench/forward-auth-target.ts; skipped with a
 *        notice without nginx);
 *    each in fresh processes (bench/target.ts), alternated over BENCH_ROUNDS rounds, loaded by
 *    autocannon from this process (which does nothing else meanwhile); the table shows each
 *    target's median round. Before measuring, each target is checked end to end (bench/checks.ts);
 *    afterwards, the upstream's counters must show that every measured request reached it with the
 *    identity (and, inline, without the cookie).
 *    Pinning (bench/pin.ts, when taskset exists; BENCH_PIN=0 turns it off): this process, the load
 *    generator, on one core; the upstream and every process that serves a target on another.
 *    Then the ratios and their goals: b/a and f/a >= 1.3, e/a (the ceiling), h/g >= 0.9, p99 added
 *    over (a) < 1 ms, each met or not.
 * 2. Profile: one extra, shorter run of (b) under --cpu-prof, not part of the table; the profile is
 *    kept in bench/results/profile/ and its 15 functions with the most self time are printed
 *    (bench/profile-run.ts, bench/cpu-profile.ts).
 * 3. Cluster: Portcullis started as an operator starts it (`node dist/main.js start --config F`,
 *    bench/cluster-target.ts) with (c) `server.workers: 1` and (d) `server.workers: 2`, both on
 *    Redis + PostgreSQL (a key prefix and a schema of their own, removed afterwards), so the worker
 *    count is the only difference; same upstream, sign-in, checks and autocannon settings as (b);
 *    not pinned (its point is to use more cores), BENCH_CLUSTER_ROUNDS rounds.
 *    Their CPU column sums the primary and its workers (/proc/<pid>/stat, bench/proc-stat.ts).
 *    On a 2-core machine the load generator and the upstream share the cores with the workers,
 *    so 2 workers cannot double requests/s there: the ratio d/c means something only on a machine
 *    with cores to spare. Skipped with a notice when Redis or PostgreSQL is not reachable.
 * 4. Policy: compilePolicies + evaluate for 10, 100 and 1000 rules over 50 hosts (bench/policy.ts).
 *
 * Environment: BENCH_DURATION (s, default 5), BENCH_CONNECTIONS (50), BENCH_WARMUP (s, 2),
 * BENCH_ROUNDS (3), BENCH_PIN (1; 0: no pinning), BENCH_PROFILE_SECONDS (5; 0 skips the profile),
 * BENCH_POLICY_SECONDS (0.8 per size), BENCH_WORKERS (2; 0 skips the cluster part, N compares 1
 * worker with N), BENCH_CLUSTER_ROUNDS (1), BENCH_REDIS_URL / BENCH_POSTGRES_URL (the cluster's
 * servers: redis://127.0.0.1:6379/0, postgres://postgres@127.0.0.1:5432/test),
 * BENCH_TARGETS (letters: only those targets, e.g. a,b,e), BENCH_LISTEN_HOST (default 127.0.0.1; `::` listens dual-stack, so peers
 * are ::ffff:127.0.0.1; (a), (b), (e), (f) and the cluster).
 * The CPU columns are each process's user+system time per completed request: on a shared machine
 * they vary less from run to run than requests/s does. For (g) and (h) the proxy column is all in:
 * nginx and the auth service.
 * Results: a table on stdout and bench/results/latest.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchError } from './bench-error.ts';
import { childTarget, startChild } from './child.ts';
import { startClusterTarget } from './cluster-target.ts';
import { passwordHash } from './config-folder.ts';
import { nginxBinary, startForwardAuthTarget } from './forward-auth-target.ts';
import { type Figures, formatGoals, judgeGoals, type TargetKey } from './goals.ts';
import { type LoadSettings, type Measurement, measure, median } from './measure.ts';
import { pin, pinningSetting } from './pin.ts';
import { benchPolicy, type PolicyResult } from './policy.ts';
import { formatProfile, type ProfileResult, profileInline } from './profile-run.ts';
import { HEADER, row, table } from './results-table.ts';
import type { ServedTarget } from './served-target.ts';
import { BENCH_PATH } from './shared.ts';
import { POSTGRES_URL, REDIS_URL, sharedStoresProblem, withoutCredentials } from './shared-stores.ts';

const here = dirname(fileURLToPath(import.meta.url));

function envNumber(name: string, fallback: number, zeroAllowed = false): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || (n === 0 && !zeroAllowed))
    throw new Error(`${name} must be a ${zeroAllowed ? 'non-negative' : 'positive'} number, got '${raw}'`);
  return n;
}

const DURATION = envNumber('BENCH_DURATION', 5);
const CONNECTIONS = Math.round(envNumber('BENCH_CONNECTIONS', 50));
const WARMUP = envNumber('BENCH_WARMUP', 2);
const ROUNDS = Math.round(envNumber('BENCH_ROUNDS', 3));
const CLUSTER_ROUNDS = Math.round(envNumber('BENCH_CLUSTER_ROUNDS', 1));
const PROFILE_SECONDS = envNumber('BENCH_PROFILE_SECONDS', 5, true);
const POLICY_SECONDS = envNumber('BENCH_POLICY_SECONDS', 0.8);
const PIPELINING = 1;
/** 0 skips the cluster part; N (at least 2) compares server.workers: 1 with server.workers: N */
const WORKERS = workersSetting(process.env.BENCH_WORKERS);
const PROFILE_TOP = 15;

function workersSetting(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 2;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n === 1)
    throw new Error(`BENCH_WORKERS must be 0 (no cluster part) or a whole number of at least 2, got '${raw}'`);
  return n;
}

/** The HTTP targets by key, with their labels, in the order they are run and printed. */
const LABELS: Record<string, string> = {
  bare: '(a) fastify + http-proxy',
  portcullis: '(b) portcullis inline (password)',
  reference: '(e) node:http + undici (ceiling)',
  'portcullis-mfa': '(f) portcullis inline (mfa, 50 rules)',
  'nginx-trivial': '(g) nginx -> trivial auth',
  'nginx-portcullis': '(h) nginx -> portcullis authz',
};
const GOAL_KEYS: Record<string, TargetKey> = {
  bare: 'a',
  portcullis: 'b',
  reference: 'e',
  'portcullis-mfa': 'f',
  'nginx-trivial': 'g',
  'nginx-portcullis': 'h',
};

/** Why the cluster part is skipped (BENCH_WORKERS=0, stores not reachable), or null when it runs. */
async function clusterSkipped(): Promise<string | null> {
  if (WORKERS === 0) return 'BENCH_WORKERS=0';
  return sharedStoresProblem();
}

async function main(): Promise<void> {
  const started = Date.now();
  const listenHost = process.env.BENCH_LISTEN_HOST ?? '127.0.0.1';
  const pinning = pinningSetting();
  pin(process.pid, pinning.load);
  const pinned = pinning.off === null;
  const settings: LoadSettings = {
    duration: DURATION,
    warmup: WARMUP,
    connections: CONNECTIONS,
    pipelining: PIPELINING,
  };
  console.log(
    `HTTP: ${DURATION}s per target after ${WARMUP}s warm-up, ${CONNECTIONS} connections, pipelining ${PIPELINING}, ` +
      `${ROUNDS} alternated round(s), median shown; ${cpus().length} CPU(s), Node ${process.version}` +
      (process.env.BENCH_LISTEN_HOST ? `; proxies listen on ${process.env.BENCH_LISTEN_HOST}` : ''),
  );
  console.log(
    pinned
      ? `Pinned: load generator (this process) on CPU ${pinning.load}; upstream and the target's processes on CPU ${pinning.server}`
      : `NOTICE: not pinned (${pinning.off}): the load generator competes with what it measures`,
  );
  const nginx = nginxBinary();
  if (nginx === null)
    console.log('NOTICE: nginx is not installed (apt-get install nginx-light): (g) and (h) are skipped');
  const skipped = await clusterSkipped();
  const clusterSizes = skipped === null ? [1, WORKERS] : [];
  if (skipped === null)
    console.log(
      `Cluster: portcullis start with server.workers 1 and ${WORKERS} on Redis ${withoutCredentials(REDIS_URL)} + ` +
        `PostgreSQL ${withoutCredentials(POSTGRES_URL)}, not pinned, ${CLUSTER_ROUNDS} round(s)`,
    );
  else
    console.log(
      `NOTICE: the cluster part (server.workers 1 and ${WORKERS || 2}) is skipped: ${skipped}` +
        (WORKERS === 0 ? '' : ' (BENCH_WORKERS=0 skips it on purpose)'),
    );
  const hash = clusterSizes.length > 0 ? await passwordHash() : '';

  const server = pinning.server;
  const upstream = await startChild('upstream.ts', [], { cpus: server });
  const origin = `http://127.0.0.1:${upstream.ready.port}`;
  const targets: [string, () => Promise<ServedTarget>][] = [
    ['bare', () => childTarget('bare', origin, { cpus: server })],
    ['portcullis', () => childTarget('portcullis', origin, { cpus: server })],
    ['reference', () => childTarget('reference', origin, { cpus: server })],
    ['portcullis-mfa', () => childTarget('portcullis-mfa', origin, { cpus: server })],
  ];
  if (nginx !== null)
    targets.push(
      ['nginx-trivial', () => startForwardAuthTarget({ service: 'trivial', upstream: origin, nginx, cpus: server })],
      [
        'nginx-portcullis',
        () => startForwardAuthTarget({ service: 'portcullis', upstream: origin, nginx, cpus: server }),
      ],
    );
  // BENCH_TARGETS=a,b,e runs only those (the letters of the table); the goals need their pairs
  const only = process.env.BENCH_TARGETS?.split(',').map((k) => k.trim());
  if (only !== undefined) {
    const keep = targets.filter(([t]) => only.includes(GOAL_KEYS[t] ?? t));
    targets.splice(0, targets.length, ...keep);
    console.log(`NOTICE: BENCH_TARGETS=${only.join(',')}: only ${keep.map(([t]) => t).join(', ') || 'nothing'} is run`);
  }
  const clusterTargets = clusterSizes.map((workers): [string, () => Promise<ServedTarget>] => [
    `workers-${workers}`,
    () => startClusterTarget({ workers, upstream: origin, passwordHash: hash, listenHost, cpus: pinning.all }),
  ]);
  const runs: Measurement[] = [];
  let profile: ProfileResult | null = null;
  const runRounds = async (list: [string, () => Promise<ServedTarget>][], rounds: number) => {
    for (let round = 1; round <= rounds; round++)
      for (const [target, start] of list) {
        const m = await measure(target, start, upstream, round, settings);
        runs.push(m);
        console.log(
          `  round ${round} ${target}: ${m.requestsPerSec} req/s, p50 ${m.p50Ms} ms, p99 ${m.p99Ms} ms, ` +
            `proxy ${m.cpuUsPerRequest.proxy ?? '-'} µs/req`,
        );
      }
  };
  try {
    await runRounds(targets, ROUNDS);
    if (PROFILE_SECONDS > 0) {
      console.log(`  profiling (b) for ${PROFILE_SECONDS}s (not part of the table)`);
      profile = await profileInline({
        dir: join(here, 'results', 'profile'),
        root: join(here, '..'),
        origin,
        upstream,
        cpus: server,
        settings: { ...settings, duration: PROFILE_SECONDS },
        top: PROFILE_TOP,
      });
    }
    await runRounds(clusterTargets, CLUSTER_ROUNDS);
  } finally {
    await upstream.close();
  }

  const medians: Record<string, Measurement> = {};
  for (const [target] of [...targets, ...clusterTargets])
    medians[target] = median(runs.filter((r) => r.target === target));
  const rows = [HEADER, ...targets.map(([t]) => row(LABELS[t] ?? t, medians[t] as Measurement, pinned))];
  const c = medians['workers-1'];
  const d = medians[`workers-${WORKERS}`];
  if (c && d)
    rows.push(
      row('(c) portcullis start, workers: 1', c, false),
      row(`(d) portcullis start, workers: ${WORKERS}`, d, false),
    );
  console.log(`\n${table(rows)}`);
  for (const t of ['nginx-trivial', 'nginx-portcullis']) {
    const m = medians[t];
    if (m?.proxyProcesses)
      console.log(
        `${LABELS[t]}: proxy CPU all in = ${Object.entries(m.proxyProcesses)
          .map(([name, us]) => `${name} ${us}`)
          .join(' + ')} µs/req`,
      );
  }
  console.log(
    'upstream conns: TCP connections the upstream accepted during the measured run (a proxy that keeps them ' +
      'alive opens few).',
  );
  if (pinned)
    console.log(
      'core use: the share of one core taken by the serving processes (target + upstream) and by the load ' +
        'generator; serving near 100% means requests/s measure the serving side.',
    );

  const figures: Partial<Record<TargetKey, Figures>> = {};
  for (const [t, key] of Object.entries(GOAL_KEYS)) if (medians[t]) figures[key] = medians[t];
  const goals = judgeGoals(figures);
  console.log(`\nGoals (issue 16), from the median rounds:\n${formatGoals(goals).join('\n')}`);

  const clusterRatio = c && d ? Math.round((d.requestsPerSec / c.requestsPerSec) * 1000) / 1000 : null;
  const note =
    `${cpus().length} CPU(s) shared by the load generator (autocannon, this process), the upstream and the ` +
    `gateway's workers: ${WORKERS || 2} workers cannot multiply requests/s unless the machine has cores to spare ` +
    `for them; on 2 cores they cannot double it. The CPU columns show where the time went.`;
  if (clusterRatio !== null) {
    console.log(`\nratio d/c, ${WORKERS} workers / 1 worker (req/s): ${clusterRatio.toFixed(3)}`);
    console.log(
      `(c) and (d): node dist/main.js start, both on Redis + PostgreSQL, signed in by the password rule; ` +
        `their proxy CPU is the sum over the primary and its workers.\nNote: ${note}`,
    );
  } else {
    console.log(`\n(cluster part skipped: ${skipped})`);
  }

  if (profile !== null) {
    const s = profile.summary;
    console.log(
      `\nProfile of (b): ${relative(join(here, '..'), profile.path)}\n` +
        `${s.windowed ? 'the measured load' : "the child's whole life (start-up included)"}: ` +
        `busy ${s.busyMs} ms, idle ${s.idleMs} ms; ` +
        `top ${PROFILE_TOP} by self time, share of busy time:\n${formatProfile(s).join('\n')}`,
    );
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
      clusterRounds: CLUSTER_ROUNDS,
      path: BENCH_PATH,
      pinning: pinned ? { load: pinning.load, serving: pinning.server } : { off: pinning.off },
      listenHost,
      workers: WORKERS,
    },
    http: {
      bare: medians.bare,
      portcullis: medians.portcullis,
      reference: medians.reference,
      portcullisMfa: medians['portcullis-mfa'],
      nginxTrivial: medians['nginx-trivial'] ?? null,
      nginxPortcullis: medians['nginx-portcullis'] ?? null,
      ratio: goals.find((g) => g.key === 'b/a')?.value ?? null,
      goals,
      runs: runs.filter((r) => !r.target.startsWith('workers-')),
    },
    profile:
      profile === null
        ? null
        : { path: relative(join(here, '..'), profile.path), run: profile.run, ...profile.summary },
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
