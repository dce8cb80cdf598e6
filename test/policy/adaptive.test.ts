/**
 * The adaptive conditions `countries`, `trusted_device` and `risk` through compilePolicies and
 * evaluate: personas x context -> decision, rule and reasons. Facts are built by the same
 * function the gate uses (context/request-facts.ts).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validate } from '../../src/config/validate.ts';
import { requestFacts } from '../../src/context/request-facts.ts';
import { compilePolicies, type PolicySource } from '../../src/policy/compile.ts';
import { evaluate } from '../../src/policy/evaluate.ts';
import { type PolicyFile, PolicyFile as PolicyFileSchema } from '../../src/policy/schema.ts';
import { type GeoFacts, RISK_BITS, type UserFacts } from '../../src/policy/types.ts';
import { app } from './fixtures.ts';

const PSA = app('psa', null, 'psa.msp.example');
const source = (rules: object[]): PolicySource => ({
  name: 'f.yaml',
  data: { rules } as unknown as PolicyFile,
  locate: (path) => `f.yaml:${path.join('.')}`,
});
const compile = (rules: object[]) => {
  const { policy, problems } = compilePolicies([source(rules)], [PSA]);
  assert.deepEqual(
    problems.filter((p) => p.severity === 'error'),
    [],
  );
  return { policy, problems };
};

const ALICE: UserFacts = { name: 'alice', groups: ['msp-admins'], tenant: null };

interface Ctx {
  user?: UserFacts | null;
  country?: string | null;
  trusted?: boolean;
  risk?: number;
}
const facts = (c: Ctx) => {
  const user = c.user === undefined ? ALICE : c.user;
  const geo: GeoFacts | null =
    c.country === undefined || c.country === null ? null : { country: c.country, latitude: null, longitude: null };
  return requestFacts({
    host: 'psa.msp.example',
    path: '/',
    method: 'GET',
    app: PSA,
    user,
    ip: '198.51.100.7',
    now: 0,
    userAgent: undefined,
    geo: () => geo,
    session: user === null ? null : { trusted: c.trusted ?? false, risk: c.risk ?? 0 },
  });
};
const decide = (policy: ReturnType<typeof compile>['policy'], c: Ctx) => {
  const d = evaluate(policy, facts(c));
  return `${d.action}:${d.rule?.name ?? '-'}`;
};
const last = { name: 'fallback', hosts: ['psa.msp.example'], action: 'authenticate', require: { level: 'mfa' } };

describe('countries', () => {
  const { policy } = compile([
    { name: 'outside', hosts: ['psa.msp.example'], when: { countries: { not: ['US', 'CA'] } }, action: 'deny' },
    { name: 'germany', hosts: ['psa.msp.example'], when: { countries: ['DE'] }, action: 'allow' },
    last,
  ]);
  const table: [string, string | null, string][] = [
    ['a listed country passes the not-rule', 'US', 'authenticate:fallback'],
    ['another listed country', 'CA', 'authenticate:fallback'],
    ['an unlisted country is denied', 'FR', 'deny:outside'],
    ['an unknown country counts as outside (fail closed)', null, 'deny:outside'],
  ];
  for (const [name, country, want] of table) test(name, () => assert.equal(decide(policy, { country }), want));

  test('a list matches its members only; unknown never matches a list', () => {
    const { policy: p } = compile([
      { name: 'de', hosts: ['psa.msp.example'], when: { countries: ['DE', 'AT'] }, action: 'allow' },
      { name: 'in-form', hosts: ['psa.msp.example'], when: { countries: { in: ['CH'] } }, action: 'allow' },
      last,
    ]);
    assert.equal(decide(p, { country: 'AT' }), 'allow:de');
    assert.equal(decide(p, { country: 'CH' }), 'allow:in-form');
    assert.equal(decide(p, { country: 'US' }), 'authenticate:fallback');
    assert.equal(decide(p, { country: null }), 'authenticate:fallback');
  });

  test('unknown: false lets clients nobody can place through a not-rule; unknown: true joins them to a list', () => {
    const { policy: p } = compile([
      {
        name: 'outside',
        hosts: ['psa.msp.example'],
        when: { countries: { not: ['US'], unknown: false } },
        action: 'deny',
      },
      { name: 'lan', hosts: ['psa.msp.example'], when: { countries: { in: ['US'], unknown: true } }, action: 'allow' },
      last,
    ]);
    assert.equal(decide(p, { country: null }), 'allow:lan');
    assert.equal(decide(p, { country: 'US' }), 'allow:lan');
    assert.equal(decide(p, { country: 'RU' }), 'deny:outside');
  });

  test('the decision names the condition that fired', () => {
    const d = evaluate(policy, facts({ country: 'FR' }));
    assert.deepEqual(d.reasons, ['rule-matched', 'host-matched', 'country-matched']);
  });

  test('lower-case or malformed codes are refused by the schema', () => {
    for (const code of ['us', 'USA', 'U1', '']) {
      const data = { rules: [{ name: 'x', action: 'deny', when: { countries: [code] } }] };
      assert.equal(validate(PolicyFileSchema, { data, locate: (p) => p.join('.') }).length, 1, code);
    }
  });

  test('a well-formed code no country has warns', () => {
    const bad = compilePolicies(
      [source([{ name: 'x', hosts: ['psa.msp.example'], when: { countries: ['QQ'] }, action: 'deny' }])],
      [PSA],
    );
    assert.deepEqual(
      bad.problems.map((p) => `${p.severity} ${p.message}`),
      ["warning f.yaml:rules.0.when.countries.0: 'QQ' is not a country code Portcullis knows"],
    );
  });

  test('the lookup happens only when a countries rule is reached', () => {
    const { policy: p } = compile([
      { name: 'health', hosts: ['psa.msp.example'], paths: ['/'], action: 'allow' },
      { name: 'outside', hosts: ['psa.msp.example'], when: { countries: { not: ['US'] } }, action: 'deny' },
    ]);
    let lookups = 0;
    const f = {
      ...facts({}),
      geo: () => {
        lookups++;
        return null;
      },
    };
    assert.equal(evaluate(p, f).action, 'allow');
    assert.equal(lookups, 0);
    assert.equal(evaluate(p, { ...f, path: '/x' }).action, 'deny');
    assert.equal(lookups, 1);
  });
});

describe('trusted_device', () => {
  const { policy } = compile([
    {
      name: 'trusted',
      hosts: ['psa.msp.example'],
      when: { trusted_device: true },
      action: 'authenticate',
      require: { level: 'password' },
    },
    { name: 'untrusted-phones', hosts: ['psa.msp.example'], when: { trusted_device: false }, action: 'deny' },
  ]);
  test('a trusted device asks for less', () => assert.equal(decide(policy, { trusted: true }), 'authenticate:trusted'));
  test('an untrusted device gets the other rule', () =>
    assert.equal(decide(policy, { trusted: false }), 'deny:untrusted-phones'));
  test('anonymous: sign in first, whatever the value asked', () => {
    const d = evaluate(policy, facts({ user: null }));
    assert.equal(d.action, 'authenticate');
    assert.deepEqual(d.reasons, ['user-unauthenticated']);
    assert.equal(d.rule?.name, 'trusted');
  });
  test('the reason is recorded', () =>
    assert.deepEqual(evaluate(policy, facts({ trusted: true })).reasons, [
      'rule-matched',
      'host-matched',
      'trusted-device-matched',
    ]));
});

describe('risk', () => {
  const { policy } = compile([
    {
      name: 'risky',
      hosts: ['psa.msp.example'],
      when: { risk: ['new_device', 'new_country', 'impossible_travel'] },
      action: 'authenticate',
      require: { level: 'phishing_resistant' },
    },
    { name: 'failures', hosts: ['psa.msp.example'], when: { risk: ['recent_failures'] }, action: 'deny' },
    last,
  ]);
  const table: [string, number, string][] = [
    ['no signal', 0, 'authenticate:fallback'],
    ['new device', RISK_BITS.new_device, 'authenticate:risky'],
    ['new country', RISK_BITS.new_country, 'authenticate:risky'],
    ['impossible travel', RISK_BITS.impossible_travel, 'authenticate:risky'],
    ['recent failures only', RISK_BITS.recent_failures, 'deny:failures'],
    [
      'several at once: the first rule listing one',
      RISK_BITS.recent_failures | RISK_BITS.new_country,
      'authenticate:risky',
    ],
  ];
  for (const [name, risk, want] of table) test(name, () => assert.equal(decide(policy, { risk }), want));
  test('anonymous: sign in first', () => {
    const d = evaluate(policy, facts({ user: null }));
    assert.deepEqual([d.action, d.reasons], ['authenticate', ['user-unauthenticated']]);
  });
  test('an unknown signal is a schema error, not a silent no-match', () => {
    const data = { rules: [{ name: 'x', action: 'deny', when: { risk: ['new_phone'] } }] };
    const problems = validate(PolicyFileSchema, { data, locate: (p) => p.join('.') });
    assert.equal(problems.length, 1);
    assert.match(problems[0] as string, /rules\.0\.when\.risk\.0/);
  });
});
