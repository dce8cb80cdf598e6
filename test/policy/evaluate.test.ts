/**
 * Table tests of the policy evaluator (src/policy/evaluate.ts) against hand-built policy files:
 * personas x requests -> decision, rule and reasons. No config loading, no I/O.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canonicalIp } from '../../src/context/cidr.ts';
import { type CompiledPolicy, compilePolicies, type PolicySource } from '../../src/policy/compile.ts';
import { evaluate } from '../../src/policy/evaluate.ts';
import type { PolicyFile } from '../../src/policy/schema.ts';
import type { Decision, RequestFacts, UserFacts } from '../../src/policy/types.ts';
import { app } from './fixtures.ts';

const source = (name: string, data: object): PolicySource => ({
  name,
  data: data as PolicyFile,
  locate: () => `${name}:1:1`,
});

/** The MSP's own app, two tenants' apps (one a wildcard), another tenant, and an MSP wildcard app. */
const APPS = {
  psa: app('psa', null, 'psa.msp.example'),
  nas: app('nas', null, '*.nas.msp.example', true),
  rmm: app('acme-rmm', 'acme', 'rmm.acme.example'),
  acmeWild: app('acme-wild', 'acme', '*.acme.example'),
  portal: app('globex-portal', 'globex', 'portal.globex.example'),
} as const;
type AppKey = keyof typeof APPS;

const PERSONAS: Record<string, UserFacts | null> = {
  anonymous: null,
  alice: Object.freeze({ name: 'alice', groups: ['msp-admins'], tenant: null }),
  bob: Object.freeze({ name: 'bob', groups: ['techs'], tenant: null }),
  carol: Object.freeze({ name: 'carol', groups: ['staff'], tenant: 'acme' }),
  gina: Object.freeze({ name: 'gina', groups: ['staff', 'msp-admins'], tenant: 'globex' }),
};

const SHARED = {
  networks: { hq: ['198.51.100.0/24', '2001:db8:100::/48'] },
  rules: [
    { name: 'psa-health', hosts: ['psa.msp.example'], paths: ['/health'], methods: ['GET', 'HEAD'], action: 'allow' },
    { name: 'dup-allow', hosts: ['psa.msp.example'], paths: ['/dup'], action: 'allow' },
    { name: 'dup-deny', hosts: ['psa.msp.example'], paths: ['/dup'], action: 'deny' },
    { name: 'psa-internal', hosts: ['psa.msp.example'], paths: ['/internal/**'], action: 'deny' },
    {
      name: 'psa-admin-from-hq',
      hosts: ['psa.msp.example'],
      paths: ['/admin/**'],
      groups: ['msp-admins'],
      when: { networks: ['hq'] },
      action: 'authenticate',
      require: { level: 'phishing_resistant', max_age: '15m', methods: ['webauthn'] },
    },
    { name: 'psa-admin-elsewhere', hosts: ['psa.msp.example'], paths: ['/admin/**'], action: 'deny' },
    { name: 'psa-api-status', hosts: ['psa.msp.example'], paths: ['/api/*/status'], action: 'allow' },
    {
      name: 'psa-bob',
      hosts: ['psa.msp.example'],
      users: ['BOB'],
      action: 'authenticate',
      require: { level: 'password' },
    },
    {
      name: 'psa-staff',
      hosts: ['psa.msp.example'],
      groups: ['msp-admins'],
      action: 'authenticate',
      require: { level: 'mfa' },
    },
    { name: 'nas-public', hosts: ['*.nas.msp.example'], paths: ['/Public/**'], action: 'allow' },
    {
      name: 'nas-admins',
      hosts: ['*.nas.msp.example'],
      groups: ['msp-admins'],
      action: 'authenticate',
      require: { level: 'mfa', max_age: 0 },
    },
    // an MSP rule may name a tenant's host; tenant isolation still applies to other tenants' users
    { name: 'msp-opens-acme', hosts: ['rmm.acme.example'], paths: ['/msp-open'], action: 'allow' },
  ],
};

const ACME = {
  tenant: 'acme',
  networks: { office: ['203.0.113.0/24'] },
  rules: [
    { name: 'rmm-health', hosts: ['rmm.acme.example'], paths: ['/api/health'], methods: ['GET'], action: 'allow' },
    { name: 'wiki-public', hosts: ['wiki.acme.example'], paths: ['/public/**'], action: 'allow' },
    { name: 'office', paths: ['/office/**'], when: { networks: ['office'] }, action: 'allow' },
    { name: 'hq', paths: ['/hq/**'], when: { networks: ['hq'] }, action: 'allow' },
    { name: 'literal', paths: ['/lit/**'], when: { networks: ['192.0.2.0/24', '2001:db8:ac::/48'] }, action: 'allow' },
    { name: 'everyone', action: 'authenticate', require: { level: 'mfa' } },
  ],
};

const GLOBEX = {
  tenant: 'globex',
  rules: [
    { name: 'open', paths: ['/open/**'], action: 'allow' },
    { name: 'everyone', action: 'authenticate', require: { level: 'password' } },
  ],
};

function build(): CompiledPolicy {
  const { policy, problems } = compilePolicies(
    [source('00-shared.yaml', SHARED), source('acme.yaml', ACME), source('globex.yaml', GLOBEX)],
    Object.values(APPS),
  );
  assert.deepEqual(problems, []);
  return policy;
}
const POLICY = build();

interface Row {
  who: keyof typeof PERSONAS;
  app: AppKey;
  /** default: the app's host (a wildcard app needs one) */
  host?: string;
  method?: string;
  path: string;
  ip?: string | null;
  action: Decision['action'];
  /** rule name, or null for a decision no rule made */
  rule: string | null;
  reasons: readonly string[];
  level?: string;
}

function facts(row: Row): RequestFacts {
  const a = APPS[row.app];
  return {
    host: row.host ?? a.host,
    path: row.path,
    method: row.method ?? 'GET',
    app: a,
    user: PERSONAS[row.who] ?? null,
    ip: row.ip ?? null,
  };
}

function check(rows: Row[]): void {
  for (const row of rows) {
    const f = facts(row);
    const label = `${row.who} ${f.method} ${f.host}${f.path}${row.ip ? ` from ${row.ip}` : ''}`;
    test(label, () => {
      const d = evaluate(POLICY, f);
      assert.equal(d.action, row.action, label);
      assert.equal(d.rule?.name ?? null, row.rule, label);
      assert.deepEqual(d.reasons, row.reasons, label);
      if (row.level !== undefined) {
        assert.equal(d.action, 'authenticate');
        if (d.action === 'authenticate') assert.equal(d.require.level, row.level, label);
      }
    });
  }
}

const NO_RULE = ['no-rule-matched'];
const TENANT = ['tenant-mismatch'];
const SIGN_IN = ['user-unauthenticated'];
const R = (...more: string[]) => ['rule-matched', ...more];

describe('first match wins; no match denies', () => {
  check([
    {
      who: 'anonymous',
      app: 'psa',
      path: '/dup',
      action: 'allow',
      rule: 'dup-allow',
      reasons: R('host-matched', 'path-matched'),
    },
    // psa-staff would authenticate alice, but the deny comes first
    {
      who: 'alice',
      app: 'psa',
      path: '/internal/x',
      action: 'deny',
      rule: 'psa-internal',
      reasons: R('host-matched', 'path-matched'),
    },
    {
      who: 'alice',
      app: 'psa',
      path: '/x',
      action: 'authenticate',
      rule: 'psa-staff',
      reasons: R('host-matched', 'group-matched'),
      level: 'mfa',
    },
    {
      who: 'bob',
      app: 'psa',
      path: '/x',
      action: 'authenticate',
      rule: 'psa-bob',
      reasons: R('host-matched', 'user-matched'),
      level: 'password',
    },
    { who: 'bob', app: 'nas', host: 'box1.nas.msp.example', path: '/x', action: 'deny', rule: null, reasons: NO_RULE },
  ]);

  test('an app with no rule at all is denied', () => {
    const ghost = app('ghost', null, 'ghost.msp.example');
    const d = evaluate(POLICY, {
      ...facts({ who: 'alice', app: 'psa', path: '/', action: 'deny', rule: null, reasons: [] }),
      app: ghost,
      host: ghost.host,
    });
    assert.deepEqual(d, { action: 'deny', rule: null, reasons: NO_RULE });
  });

  test('the deciding rule is identified by name, file and 1-based index across all files', () => {
    const staff = evaluate(POLICY, facts({ who: 'alice', app: 'psa', path: '/x' } as Row));
    assert.deepEqual(staff.rule, { name: 'psa-staff', file: '00-shared.yaml', index: 9, tenant: null });
    const acme = evaluate(POLICY, facts({ who: 'carol', app: 'rmm', path: '/x' } as Row));
    assert.deepEqual(acme.rule, { name: 'everyone', file: 'acme.yaml', index: 18, tenant: 'acme' });
    const globex = evaluate(POLICY, facts({ who: 'gina', app: 'portal', path: '/x' } as Row));
    assert.deepEqual(globex.rule, { name: 'everyone', file: 'globex.yaml', index: 20, tenant: 'globex' });
  });
});

describe('hosts: exact and wildcard', () => {
  const nas = R('host-matched', 'path-matched');
  check([
    {
      who: 'anonymous',
      app: 'nas',
      host: 'box1.nas.msp.example',
      path: '/public/a',
      action: 'allow',
      rule: 'nas-public',
      reasons: nas,
    },
    {
      who: 'anonymous',
      app: 'nas',
      host: 'a.b.nas.msp.example',
      path: '/public/a',
      action: 'allow',
      rule: 'nas-public',
      reasons: nas,
    },
    // the wildcard does not match the bare domain
    {
      who: 'anonymous',
      app: 'nas',
      host: 'nas.msp.example',
      path: '/public/a',
      action: 'deny',
      rule: null,
      reasons: NO_RULE,
    },
    {
      who: 'anonymous',
      app: 'nas',
      host: 'xnas.msp.example',
      path: '/public/a',
      action: 'deny',
      rule: null,
      reasons: NO_RULE,
    },
    // an exact host inside a wildcard app
    {
      who: 'anonymous',
      app: 'acmeWild',
      host: 'wiki.acme.example',
      path: '/public/a',
      action: 'allow',
      rule: 'wiki-public',
      reasons: nas,
    },
    {
      who: 'anonymous',
      app: 'acmeWild',
      host: 'docs.acme.example',
      path: '/public/a',
      action: 'authenticate',
      rule: 'everyone',
      reasons: ['rule-matched'],
      level: 'mfa',
    },
    {
      who: 'anonymous',
      app: 'acmeWild',
      host: 'www.wiki.acme.example',
      path: '/public/a',
      action: 'authenticate',
      rule: 'everyone',
      reasons: ['rule-matched'],
    },
  ]);
});

describe('paths: * is one segment, ** any depth; case as the app declares', () => {
  const admin = {
    who: 'alice',
    app: 'psa',
    ip: '198.51.100.7',
    action: 'authenticate',
    rule: 'psa-admin-from-hq',
  } as const;
  const adminReasons = R('host-matched', 'path-matched', 'group-matched', 'network-matched');
  const api = R('host-matched', 'path-matched');
  check([
    { ...admin, path: '/admin', reasons: adminReasons, level: 'phishing_resistant' },
    { ...admin, path: '/admin/', reasons: adminReasons },
    { ...admin, path: '/admin/users/42/edit', reasons: adminReasons },
    {
      ...admin,
      path: '/administrator',
      action: 'authenticate',
      rule: 'psa-staff',
      reasons: R('host-matched', 'group-matched'),
      level: 'mfa',
    },
    { who: 'anonymous', app: 'psa', path: '/api/42/status', action: 'allow', rule: 'psa-api-status', reasons: api },
    {
      who: 'anonymous',
      app: 'psa',
      path: '/api/abc-def/status',
      action: 'allow',
      rule: 'psa-api-status',
      reasons: api,
    },
    // `*` never crosses a slash: falls through to the identity rules
    {
      who: 'anonymous',
      app: 'psa',
      path: '/api/42/x/status',
      action: 'authenticate',
      rule: 'psa-bob',
      reasons: SIGN_IN,
      level: 'password',
    },
    { who: 'anonymous', app: 'psa', path: '/api/status', action: 'authenticate', rule: 'psa-bob', reasons: SIGN_IN },
    // psa is case-sensitive, the nas app declares case-insensitive paths
    { who: 'anonymous', app: 'psa', path: '/HEALTH', action: 'authenticate', rule: 'psa-bob', reasons: SIGN_IN },
    {
      who: 'anonymous',
      app: 'nas',
      host: 'box1.nas.msp.example',
      path: '/PUBLIC/Readme',
      action: 'allow',
      rule: 'nas-public',
      reasons: api,
    },
  ]);
});

describe('methods', () => {
  const health = R('host-matched', 'method-matched', 'path-matched');
  check([
    {
      who: 'anonymous',
      app: 'psa',
      method: 'GET',
      path: '/health',
      action: 'allow',
      rule: 'psa-health',
      reasons: health,
    },
    {
      who: 'anonymous',
      app: 'psa',
      method: 'HEAD',
      path: '/health',
      action: 'allow',
      rule: 'psa-health',
      reasons: health,
    },
    {
      who: 'anonymous',
      app: 'psa',
      method: 'POST',
      path: '/health',
      action: 'authenticate',
      rule: 'psa-bob',
      reasons: SIGN_IN,
    },
    {
      who: 'alice',
      app: 'psa',
      method: 'DELETE',
      path: '/health',
      action: 'authenticate',
      rule: 'psa-staff',
      reasons: R('host-matched', 'group-matched'),
    },
  ]);
});

describe('users and groups; an anonymous request signs in first', () => {
  check([
    // users: [BOB] names bob (user names are canonicalised)
    {
      who: 'bob',
      app: 'psa',
      path: '/',
      action: 'authenticate',
      rule: 'psa-bob',
      reasons: R('host-matched', 'user-matched'),
    },
    {
      who: 'alice',
      app: 'psa',
      path: '/',
      action: 'authenticate',
      rule: 'psa-staff',
      reasons: R('host-matched', 'group-matched'),
    },
    {
      who: 'anonymous',
      app: 'psa',
      path: '/',
      action: 'authenticate',
      rule: 'psa-bob',
      reasons: SIGN_IN,
      level: 'password',
    },
    // the groups rule could match from hq: sign in first (password), whatever the rule itself requires
    {
      who: 'anonymous',
      app: 'psa',
      path: '/admin',
      ip: '198.51.100.7',
      action: 'authenticate',
      rule: 'psa-admin-from-hq',
      reasons: SIGN_IN,
      level: 'password',
    },
    // from elsewhere the groups rule cannot match whoever the user is: the next rule decides
    {
      who: 'anonymous',
      app: 'psa',
      path: '/admin',
      ip: '192.0.2.1',
      action: 'deny',
      rule: 'psa-admin-elsewhere',
      reasons: R('host-matched', 'path-matched'),
    },
    {
      who: 'bob',
      app: 'psa',
      path: '/admin',
      ip: '198.51.100.7',
      action: 'deny',
      rule: 'psa-admin-elsewhere',
      reasons: R('host-matched', 'path-matched'),
    },
    {
      who: 'anonymous',
      app: 'nas',
      host: 'box1.nas.msp.example',
      path: '/x',
      action: 'authenticate',
      rule: 'nas-admins',
      reasons: SIGN_IN,
      level: 'password',
    },
  ]);
});

describe('networks: named (same file, shared file), literal, IPv6, IPv4-mapped', () => {
  const office = R('path-matched', 'network-matched');
  const mfa = { action: 'authenticate', rule: 'everyone', reasons: ['rule-matched'], level: 'mfa' } as const;
  check([
    // named in the tenant's own file
    {
      who: 'carol',
      app: 'rmm',
      path: '/office/a',
      ip: '203.0.113.9',
      action: 'allow',
      rule: 'office',
      reasons: office,
    },
    { who: 'carol', app: 'rmm', path: '/office/a', ip: '203.0.114.9', ...mfa },
    { who: 'carol', app: 'rmm', path: '/office/a', ip: null, ...mfa },
    // the gate folds IPv4-mapped addresses; the raw spelling matches too
    {
      who: 'carol',
      app: 'rmm',
      path: '/office/a',
      ip: canonicalIp('::ffff:203.0.113.9') as string,
      action: 'allow',
      rule: 'office',
      reasons: office,
    },
    {
      who: 'carol',
      app: 'rmm',
      path: '/office/a',
      ip: '::ffff:203.0.113.9',
      action: 'allow',
      rule: 'office',
      reasons: office,
    },
    { who: 'carol', app: 'rmm', path: '/office/a', ip: '::ffff:203.0.114.9', ...mfa },
    // named in the shared file, used by a tenant file (IPv4 and IPv6 members)
    { who: 'carol', app: 'rmm', path: '/hq/a', ip: '198.51.100.200', action: 'allow', rule: 'hq', reasons: office },
    {
      who: 'carol',
      app: 'rmm',
      path: '/hq/a',
      ip: '2001:db8:100:ffff::1',
      action: 'allow',
      rule: 'hq',
      reasons: office,
    },
    { who: 'carol', app: 'rmm', path: '/hq/a', ip: '2001:db8:101::1', ...mfa },
    // literal CIDRs, IPv4 and IPv6; the canonical IPv6 spelling
    { who: 'carol', app: 'rmm', path: '/lit/a', ip: '192.0.2.77', action: 'allow', rule: 'literal', reasons: office },
    {
      who: 'carol',
      app: 'rmm',
      path: '/lit/a',
      ip: canonicalIp('2001:0DB8:00AC:0000::0001') as string,
      action: 'allow',
      rule: 'literal',
      reasons: office,
    },
    { who: 'carol', app: 'rmm', path: '/lit/a', ip: '2001:db8:ad::1', ...mfa },
    // a mapped client address is judged as the IPv4 address it carries
    {
      who: 'carol',
      app: 'rmm',
      path: '/hq/a',
      ip: '::ffff:198.51.100.1',
      action: 'allow',
      rule: 'hq',
      reasons: office,
    },
    // the psa admin rule from an IPv6 address of hq
    {
      who: 'alice',
      app: 'psa',
      path: '/admin',
      ip: '2001:db8:100::5',
      action: 'authenticate',
      rule: 'psa-admin-from-hq',
      reasons: R('host-matched', 'path-matched', 'group-matched', 'network-matched'),
    },
    {
      who: 'alice',
      app: 'psa',
      path: '/admin',
      ip: '2001:db8:200::5',
      action: 'deny',
      rule: 'psa-admin-elsewhere',
      reasons: R('host-matched', 'path-matched'),
    },
  ]);

  test('canonical forms the gate hands over', () => {
    assert.equal(canonicalIp('::ffff:203.0.113.9'), '203.0.113.9');
    assert.equal(canonicalIp('::FFFF:cb00:7109'), '203.0.113.9');
    assert.equal(canonicalIp('2001:0DB8:00AC:0000::0001'), '2001:db8:ac::1');
  });
});

describe('tenant isolation', () => {
  check([
    // an allow rule would match, the tenant user is still denied on the MSP app ...
    { who: 'carol', app: 'psa', path: '/health', action: 'deny', rule: null, reasons: TENANT },
    {
      who: 'carol',
      app: 'nas',
      host: 'box1.nas.msp.example',
      path: '/public/x',
      action: 'deny',
      rule: null,
      reasons: TENANT,
    },
    // ... and on another tenant's apps, even with the groups an MSP rule asks for
    { who: 'gina', app: 'psa', path: '/x', action: 'deny', rule: null, reasons: TENANT },
    { who: 'gina', app: 'rmm', path: '/msp-open', action: 'deny', rule: null, reasons: TENANT },
    { who: 'gina', app: 'rmm', path: '/api/health', action: 'deny', rule: null, reasons: TENANT },
    { who: 'carol', app: 'portal', path: '/open/x', action: 'deny', rule: null, reasons: TENANT },
    // on their own tenant's apps they are judged by the rules
    {
      who: 'carol',
      app: 'rmm',
      path: '/api/health',
      action: 'allow',
      rule: 'rmm-health',
      reasons: R('host-matched', 'method-matched', 'path-matched'),
    },
    {
      who: 'carol',
      app: 'rmm',
      path: '/msp-open',
      action: 'allow',
      rule: 'msp-opens-acme',
      reasons: R('host-matched', 'path-matched'),
    },
    { who: 'gina', app: 'portal', path: '/open/x', action: 'allow', rule: 'open', reasons: R('path-matched') },
    // MSP staff (no tenant) are not restricted by it
    {
      who: 'alice',
      app: 'rmm',
      path: '/x',
      action: 'authenticate',
      rule: 'everyone',
      reasons: ['rule-matched'],
      level: 'mfa',
    },
    {
      who: 'bob',
      app: 'portal',
      path: '/x',
      action: 'authenticate',
      rule: 'everyone',
      reasons: ['rule-matched'],
      level: 'password',
    },
    {
      who: 'anonymous',
      app: 'rmm',
      path: '/msp-open',
      action: 'allow',
      rule: 'msp-opens-acme',
      reasons: R('host-matched', 'path-matched'),
    },
  ]);
});

describe("a tenant file's rules apply to that tenant's apps only", () => {
  const names = (appName: string) => (POLICY.byApp.get(appName) ?? []).map((r) => `${r.ref.file}#${r.ref.name}`);

  test('the byApp index', () => {
    for (const a of Object.values(APPS)) {
      for (const rule of POLICY.byApp.get(a.name) ?? []) {
        assert.ok(rule.ref.tenant === null || rule.ref.tenant === a.tenant, `${rule.ref.name} on ${a.name}`);
      }
    }
    // rules without hosts in a tenant file apply to every app of that tenant
    assert.deepEqual(names('acme-rmm'), [
      '00-shared.yaml#msp-opens-acme',
      'acme.yaml#rmm-health',
      'acme.yaml#office',
      'acme.yaml#hq',
      'acme.yaml#literal',
      'acme.yaml#everyone',
    ]);
    assert.deepEqual(names('acme-wild'), [
      '00-shared.yaml#msp-opens-acme',
      'acme.yaml#rmm-health',
      'acme.yaml#wiki-public',
      'acme.yaml#office',
      'acme.yaml#hq',
      'acme.yaml#literal',
      'acme.yaml#everyone',
    ]);
    assert.deepEqual(names('globex-portal'), ['globex.yaml#open', 'globex.yaml#everyone']);
    assert.ok(names('psa').every((n) => n.startsWith('00-shared.yaml#psa-') || n.startsWith('00-shared.yaml#dup-')));
    assert.deepEqual(names('nas'), ['00-shared.yaml#nas-public', '00-shared.yaml#nas-admins']);
  });

  check([
    // globex's host-less `open` rule never reaches acme's apps, nor the MSP's
    {
      who: 'anonymous',
      app: 'rmm',
      path: '/open/x',
      action: 'authenticate',
      rule: 'everyone',
      reasons: ['rule-matched'],
      level: 'mfa',
    },
    {
      who: 'alice',
      app: 'acmeWild',
      host: 'docs.acme.example',
      path: '/open/x',
      action: 'authenticate',
      rule: 'everyone',
      reasons: ['rule-matched'],
      level: 'mfa',
    },
    { who: 'anonymous', app: 'psa', path: '/open/x', action: 'authenticate', rule: 'psa-bob', reasons: SIGN_IN },
    // acme's host-less office rule applies on acme's wildcard app too, not on globex's
    {
      who: 'anonymous',
      app: 'acmeWild',
      host: 'docs.acme.example',
      path: '/office/a',
      ip: '203.0.113.9',
      action: 'allow',
      rule: 'office',
      reasons: R('path-matched', 'network-matched'),
    },
    {
      who: 'anonymous',
      app: 'portal',
      path: '/office/a',
      ip: '203.0.113.9',
      action: 'authenticate',
      rule: 'everyone',
      reasons: ['rule-matched'],
      level: 'password',
    },
  ]);
});

describe('require and precompiled decisions', () => {
  test('max_age and methods are compiled into maxAgeMs and methods', () => {
    const d = evaluate(POLICY, facts({ who: 'alice', app: 'psa', path: '/admin', ip: '198.51.100.7' } as Row));
    assert.equal(d.action, 'authenticate');
    if (d.action !== 'authenticate') return;
    assert.deepEqual(d.require, { level: 'phishing_resistant', maxAgeMs: 15 * 60_000, methods: ['webauthn'] });

    const zero = evaluate(POLICY, facts({ who: 'alice', app: 'nas', host: 'box1.nas.msp.example', path: '/x' } as Row));
    assert.equal(zero.action, 'authenticate');
    if (zero.action === 'authenticate') assert.deepEqual(zero.require, { level: 'mfa', maxAgeMs: 0 });

    const plain = evaluate(POLICY, facts({ who: 'alice', app: 'psa', path: '/x' } as Row));
    assert.equal(plain.action, 'authenticate');
    if (plain.action === 'authenticate') assert.deepEqual(plain.require, { level: 'mfa' });
  });

  test('a matched rule answers with the same decision object every time', () => {
    const a = evaluate(POLICY, facts({ who: 'alice', app: 'psa', path: '/x' } as Row));
    const b = evaluate(POLICY, facts({ who: 'alice', app: 'psa', path: '/y', method: 'POST' } as Row));
    const c = evaluate(POLICY, {
      ...facts({ who: 'anonymous', app: 'psa', path: '/x' } as Row),
      user: { name: 'zed', groups: ['msp-admins'], tenant: null },
    });
    assert.equal(a, b);
    assert.equal(a, c);
    const rule = POLICY.byApp.get('psa')?.find((r) => r.ref.name === 'psa-staff');
    assert.equal(a, rule?.decision);
    // sign-in-first, no-rule and tenant-mismatch decisions are shared too
    const anon1 = evaluate(POLICY, facts({ who: 'anonymous', app: 'psa', path: '/x' } as Row));
    const anon2 = evaluate(POLICY, facts({ who: 'anonymous', app: 'psa', path: '/z' } as Row));
    assert.equal(anon1, anon2);
    const none1 = evaluate(POLICY, facts({ who: 'bob', app: 'nas', host: 'a.nas.msp.example', path: '/x' } as Row));
    const none2 = evaluate(POLICY, facts({ who: 'bob', app: 'nas', host: 'b.nas.msp.example', path: '/y' } as Row));
    assert.equal(none1, none2);
    const t1 = evaluate(POLICY, facts({ who: 'carol', app: 'psa', path: '/x' } as Row));
    const t2 = evaluate(POLICY, facts({ who: 'gina', app: 'rmm', path: '/x' } as Row));
    assert.equal(t1, t2);
  });

  test('evaluation does not change the compiled policy', () => {
    const before = JSON.stringify([...POLICY.byApp].map(([k, v]) => [k, v.map((r) => r.decision)]));
    evaluate(POLICY, facts({ who: 'alice', app: 'psa', path: '/admin', ip: '198.51.100.7' } as Row));
    assert.equal(JSON.stringify([...POLICY.byApp].map(([k, v]) => [k, v.map((r) => r.decision)])), before);
  });
});
