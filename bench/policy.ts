/**
 * Micro-benchmark of policy evaluation: compilePolicies() once, then evaluate() over a fixed,
 * pre-generated mix of requests, timed in batches with process.hrtime.bigint(). Rules are spread
 * over 50 hosts (one app per host), so each app's index holds about rules/50 of them plus a
 * final wildcard deny; the request mix hits allow, deny, sign-in-first and authenticate paths.
 * The requests are RequestFacts as the gate builds them (context/request-facts.ts), so the
 * evaluator sees the one object shape it sees in production.
 */
import { lazyGeo, requestFacts } from '../src/context/request-facts.ts';
import { compilePolicies, type PolicySource } from '../src/policy/compile.ts';
import { evaluate } from '../src/policy/evaluate.ts';
import type { PolicyFile } from '../src/policy/schema.ts';
import type { AppFacts, RequestFacts, UserFacts } from '../src/policy/types.ts';
import { parseHost } from '../src/routing/host-table.ts';

export interface PolicyResult {
  rules: number;
  hosts: number;
  compileMs: number;
  decisions: number;
  decisionsPerSec: number;
  medianNs: number;
  p99Ns: number;
  /** share of each action over the request mix (sanity: the mix is not all one branch) */
  actions: Record<string, number>;
}

const HOSTS = 50;
const BATCH = 1_000;
/** 2026-03-02T00:00:00Z, a Monday: request times fall in the week after */
const EPOCH = Date.UTC(2026, 2, 2);

/** Small deterministic PRNG (mulberry32), so every run evaluates the same mix. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hostOf(i: number): string {
  return `h${i}.bench.test`;
}

function generatePolicy(count: number): PolicyFile {
  const rules: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const host = hostOf(i % HOSTS);
    const name = `r${i}`;
    switch (i % 5) {
      case 0:
        rules.push({ name, hosts: [host], paths: ['/health'], methods: ['GET', 'HEAD'], action: 'allow' });
        break;
      case 1:
        rules.push({ name, hosts: [host], paths: ['/blocked/**'], action: 'deny' });
        break;
      case 2:
        rules.push({
          name,
          hosts: [host],
          paths: ['/admin/**'],
          groups: ['admins'],
          action: 'authenticate',
          require: { level: 'mfa', max_age: '15m' },
        });
        break;
      case 3:
        rules.push({
          name,
          hosts: [host],
          paths: [`/api/v${i % 7}/**`, '/api/*/status'],
          methods: ['GET', 'POST'],
          when: { networks: ['10.0.0.0/8', '192.168.0.0/16'] },
          action: 'authenticate',
          require: { level: 'password' },
        });
        break;
      default:
        rules.push({
          name,
          hosts: [host],
          groups: ['staff', 'admins'],
          action: 'authenticate',
          require: { level: 'password' },
        });
    }
  }
  rules.push({ name: 'default-deny', hosts: ['*.bench.test'], action: 'deny' });
  return { rules } as unknown as PolicyFile;
}

function generateRequests(apps: readonly AppFacts[], n: number): RequestFacts[] {
  const rand = prng(42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const paths = [
    '/',
    '/health',
    '/admin/users/7',
    '/api/v3/items/42',
    '/api/v1/status',
    '/blocked/x',
    '/static/app.js',
  ];
  const users: (UserFacts | null)[] = [
    null,
    { name: 'alice', groups: ['admins'], tenant: null },
    { name: 'bob', groups: ['staff'], tenant: null },
    { name: 'eve', groups: ['guests'], tenant: null },
  ];
  const agents = [
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
    undefined,
  ];
  const out: RequestFacts[] = [];
  // the context the policy above does not read comes from its own generator, so the mix of
  // hosts, paths, methods, users and addresses is the same whatever is added here
  const more = prng(7);
  for (let i = 0; i < n; i++) {
    const app = pick(apps);
    const path = pick(paths);
    const method = pick(['GET', 'GET', 'GET', 'POST', 'HEAD']);
    const user = pick(users);
    const ip = pick(['10.1.2.3', '192.168.1.20', '203.0.113.9', null]);
    // built the way the gate builds them (one shape, lazy device and geography), with the host
    // parsed from a Host header as the gate does, not the app's configured string
    out.push(
      requestFacts({
        host: parseHost(`${app.host}:443`)?.hostname ?? '',
        path,
        method,
        app,
        user,
        ip,
        now: EPOCH + Math.floor(more() * 7 * 86_400_000),
        userAgent: agents[Math.floor(more() * agents.length)],
        geo: lazyGeo(null, ip),
        session: user === null ? null : { trusted: more() < 0.5, risk: 0 },
      }),
    );
  }
  return out;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

export function benchPolicy(ruleCount: number, seconds: number): PolicyResult {
  const apps: AppFacts[] = Array.from({ length: HOSTS }, (_, i) => ({
    name: `app${i}`,
    tenant: null,
    host: hostOf(i),
    caseInsensitivePaths: i % 10 === 0,
  }));
  const source: PolicySource = { name: 'bench.yaml', data: generatePolicy(ruleCount), locate: () => 'bench.yaml' };
  const t0 = process.hrtime.bigint();
  const { policy, problems } = compilePolicies([source], apps);
  const compileMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) throw new Error(`generated policy does not compile: ${errors[0]?.message}`);

  const requests = generateRequests(apps, 4096);
  const mask = requests.length - 1;
  const actions: Record<string, number> = {};
  for (const r of requests) {
    const a = evaluate(policy, r).action;
    actions[a] = (actions[a] ?? 0) + 1;
  }
  for (const k of Object.keys(actions))
    actions[k] = Math.round(((actions[k] as number) / requests.length) * 1000) / 1000;

  // warm-up, so the timed batches see optimised code
  let sink = 0;
  for (let i = 0; i < 200_000; i++) sink += evaluate(policy, requests[i & mask] as RequestFacts).action.length;

  const perBatchNs: number[] = [];
  let totalNs = 0n;
  let i = 0;
  const deadline = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  while (process.hrtime.bigint() < deadline) {
    const start = process.hrtime.bigint();
    for (let j = 0; j < BATCH; j++, i++) sink += evaluate(policy, requests[i & mask] as RequestFacts).action.length;
    const elapsed = process.hrtime.bigint() - start;
    totalNs += elapsed;
    perBatchNs.push(Number(elapsed) / BATCH);
  }
  if (sink === 42) console.log(''); // keeps the evaluations observable
  perBatchNs.sort((a, b) => a - b);
  const decisions = perBatchNs.length * BATCH;
  return {
    rules: ruleCount,
    hosts: HOSTS,
    compileMs: Math.round(compileMs * 100) / 100,
    decisions,
    decisionsPerSec: Math.round(decisions / (Number(totalNs) / 1e9)),
    medianNs: Math.round(percentile(perBatchNs, 50)),
    p99Ns: Math.round(percentile(perBatchNs, 99)),
    actions,
  };
}
