/**
 * The per-app copies of the rules that compilePolicies builds (src/policy/compile.ts) and
 * evaluate() walks: a matcher the host index already settles is dropped for the app, one it only
 * narrows is kept, and facts outside the app's host pattern (hand-built ones) still get every
 * check. Checked against the rules as compiled, over many requests.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type CompiledPolicy,
  type CompiledRule,
  compilePolicies,
  type PolicySource,
} from '../../src/policy/compile.ts';
import { evaluate } from '../../src/policy/evaluate.ts';
import type { PolicyFile } from '../../src/policy/schema.ts';
import { type AppFacts, type Decision, type RequestFacts, type UserFacts, Verdict } from '../../src/policy/types.ts';
import { app } from './fixtures.ts';

const source = (name: string, data: object): PolicySource => ({
  name,
  data: data as PolicyFile,
  locate: () => `${name}:1:1`,
});

const APPS = {
  rmm: app('rmm', null, 'rmm.acme.example'),
  wild: app('wild', null, '*.acme.example'),
  nas: app('nas', null, '*.nas.example', true),
} as const;

const RULES = [
  // partial overlap with the wildcard app: still checked per request
  { name: 'dev-only', hosts: ['*.dev.acme.example'], paths: ['/dev/**'], action: 'allow' },
  { name: 'wiki-only', hosts: ['wiki.acme.example'], paths: ['/wiki/**'], action: 'allow' },
  // covers the rmm app (exact) and the wildcard app: the host check is dropped for both
  { name: 'acme-health', hosts: ['*.acme.example'], paths: ['/health'], methods: ['GET', 'HEAD'], action: 'allow' },
  // spelled in another case and with a trailing dot: normalised, then covers the exact app
  { name: 'rmm-admin', hosts: ['RMM.Acme.Example.'], paths: ['/Admin/**'], groups: ['admins'], action: 'deny' },
  { name: 'nas-public', hosts: ['*.nas.example'], paths: ['/Public/**', '/files/*.pdf'], action: 'allow' },
  { name: 'no-hosts', paths: ['/open'], action: 'allow' },
  { name: 'everyone', hosts: ['*.example'], groups: ['staff'], action: 'authenticate', require: { level: 'mfa' } },
  { name: 'catch-all', hosts: ['*.example'], action: 'deny' },
  { name: 'unreachable', hosts: ['*.example'], paths: ['/never'], action: 'allow' },
];

function build(): CompiledPolicy {
  const { policy, problems } = compilePolicies([source('p.yaml', { rules: RULES })], Object.values(APPS));
  assert.deepEqual(
    problems.filter((p) => p.severity === 'error'),
    [],
  );
  return policy;
}
const POLICY = build();

const own = (appName: string) => POLICY.apps.get(appName)?.own ?? [];
const ownRule = (appName: string, rule: string) => own(appName).find((r) => r.ref.name === rule);
const generalRule = (appName: string, rule: string) => POLICY.byApp.get(appName)?.find((r) => r.ref.name === rule);

function facts(a: AppFacts, host: string, path: string, more: Partial<RequestFacts> = {}): RequestFacts {
  return { host, path, method: 'GET', app: a, user: null, ip: null, ...more };
}

/** What the rules as compiled decide, every matcher checked: the reference for the copies. */
function reference(policy: CompiledPolicy, f: RequestFacts): Decision {
  const user = f.user;
  if (user !== null && user.tenant !== null && user.tenant !== f.app.tenant)
    return { action: 'deny', rule: null, reasons: ['tenant-mismatch'] };
  const rules: readonly CompiledRule[] = policy.byApp.get(f.app.name) ?? [];
  for (const rule of rules) {
    const verdicts = rule.matchers.map((m) => m(f));
    if (verdicts.includes(Verdict.No)) continue;
    return verdicts.includes(Verdict.NeedsUser) ? rule.signInFirst : rule.decision;
  }
  return { action: 'deny', rule: null, reasons: ['no-rule-matched'] };
}

describe('per-app copies of the rules', () => {
  test('a rule covering an exact app loses its host check there', () => {
    assert.equal(generalRule('rmm', 'acme-health')?.matchers.length, 3);
    assert.equal(ownRule('rmm', 'acme-health')?.matchers.length, 2);
    assert.equal(ownRule('rmm', 'rmm-admin')?.matchers.length, 2);
    assert.equal(evaluate(POLICY, facts(APPS.rmm, 'rmm.acme.example', '/health')).rule?.name, 'acme-health');
  });

  test('a host pattern in another case still matches the exact app', () => {
    const admin = { name: 'alice', groups: ['admins'], tenant: null } satisfies UserFacts;
    const d = evaluate(POLICY, facts(APPS.rmm, 'rmm.acme.example', '/Admin/x', { user: admin }));
    assert.equal(d.rule?.name, 'rmm-admin');
    assert.equal(d.action, 'deny');
    assert.deepEqual(d.reasons, ['rule-matched', 'host-matched', 'path-matched', 'group-matched']);
  });

  test('a wildcard that covers the wildcard app loses its host check there', () => {
    assert.equal(ownRule('wild', 'acme-health')?.matchers.length, 2);
    assert.equal(evaluate(POLICY, facts(APPS.wild, 'a.b.acme.example', '/health')).rule?.name, 'acme-health');
  });

  test('a wildcard that only partly overlaps the wildcard app is still checked per request', () => {
    assert.equal(ownRule('wild', 'dev-only')?.matchers.length, 2);
    assert.equal(evaluate(POLICY, facts(APPS.wild, 'x.dev.acme.example', '/dev/a')).rule?.name, 'dev-only');
    // anonymous: the next rule that can apply is `everyone` (sign in first)
    assert.equal(evaluate(POLICY, facts(APPS.wild, 'dev.acme.example', '/dev/a')).rule?.name, 'everyone');
    assert.equal(evaluate(POLICY, facts(APPS.wild, 'www.acme.example', '/dev/a')).rule?.name, 'everyone');
  });

  test('an exact host inside the wildcard app is still checked per request', () => {
    assert.equal(ownRule('wild', 'wiki-only')?.matchers.length, 2);
    assert.equal(evaluate(POLICY, facts(APPS.wild, 'wiki.acme.example', '/wiki/a')).rule?.name, 'wiki-only');
    assert.equal(evaluate(POLICY, facts(APPS.wild, 'docs.acme.example', '/wiki/a')).rule?.name, 'everyone');
  });

  test('rules after one that always matches are left out of the copy', () => {
    assert.deepEqual(
      own('rmm').map((r) => r.ref.name),
      ['acme-health', 'rmm-admin', 'no-hosts', 'everyone', 'catch-all'],
    );
    assert.equal(ownRule('rmm', 'catch-all')?.matchers.length, 0);
    assert.ok(generalRule('rmm', 'unreachable'));
    // the same decision objects as the rules as compiled
    assert.equal(ownRule('rmm', 'catch-all')?.decision, generalRule('rmm', 'catch-all')?.decision);
  });

  test('facts outside the app host pattern get every check', () => {
    // the bare domain is not within `*.nas.example`: the covering wildcard must not match it
    assert.equal(evaluate(POLICY, facts(APPS.nas, 'nas.example', '/public/x')).rule?.name, 'everyone');
    assert.equal(evaluate(POLICY, facts(APPS.nas, 'box.nas.example', '/public/x')).rule?.name, 'nas-public');
    // a host another app serves, under the exact app
    assert.equal(evaluate(POLICY, facts(APPS.rmm, 'wiki.acme.example', '/health')).rule?.name, 'acme-health');
    assert.equal(evaluate(POLICY, facts(APPS.rmm, 'rmm.other.test', '/health')).rule, null);
  });

  test("the app's case rule is compiled into its copy; another app object of the same name is judged by its own", () => {
    assert.equal(evaluate(POLICY, facts(APPS.nas, 'box.nas.example', '/PUBLIC/x')).rule?.name, 'nas-public');
    assert.equal(evaluate(POLICY, facts(APPS.nas, 'box.nas.example', '/Files/A.PDF')).rule?.name, 'nas-public');
    const sensitive = app('nas', null, '*.nas.example', false);
    assert.equal(evaluate(POLICY, facts(sensitive, 'box.nas.example', '/PUBLIC/x')).rule?.name, 'everyone');
    assert.equal(evaluate(POLICY, facts(sensitive, 'box.nas.example', '/Public/x')).rule?.name, 'nas-public');
  });

  test('the copies decide exactly as the rules as compiled, over many requests', () => {
    const hosts = [
      'rmm.acme.example',
      'wiki.acme.example',
      'x.dev.acme.example',
      'dev.acme.example',
      'acme.example',
      'box.nas.example',
      'nas.example',
      'RMM.acme.example',
    ];
    const paths = [
      '/',
      '/health',
      '/Health',
      '/dev/a',
      '/wiki',
      '/wiki/x',
      '/Admin',
      '/admin/x',
      '/public',
      '/PUBLIC/a/b',
    ];
    const more = ['/files/x.pdf', '/FILES/Y.PDF', '/files/a/x.pdf', '/open', '/never', '/admin/x\ny', '/dev\u2028'];
    const users: (UserFacts | null)[] = [
      null,
      { name: 'alice', groups: ['admins', 'staff'], tenant: null },
      { name: 'bob', groups: ['guests'], tenant: null },
      { name: 'carol', groups: ['staff'], tenant: 'acme' },
    ];
    const appsToTry = [
      ...Object.values(APPS),
      app('nas', null, '*.nas.example', false),
      app('ghost', null, 'g.example'),
    ];
    let n = 0;
    for (const a of appsToTry)
      for (const host of hosts)
        for (const path of [...paths, ...more])
          for (const method of ['GET', 'POST'])
            for (const user of users) {
              const f = facts(a, host, path, { method, user });
              assert.deepEqual(evaluate(POLICY, f), reference(POLICY, f), `${a.name} ${method} ${host}${path}`);
              n++;
            }
    assert.ok(n > 1000);
  });
});
