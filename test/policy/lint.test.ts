/**
 * Policy lint (src/policy/lint.ts): shadowed rules, unknown group and user names, overlapping
 * tenant hosts. Each check with cases that must and must not be reported, located in real YAML.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validate } from '../../src/config/validate.ts';
import { loadYamlSource } from '../../src/config/yaml-source.ts';
import type { PolicySource } from '../../src/policy/compile.ts';
import { lintPolicies } from '../../src/policy/lint.ts';
import { PolicyFile } from '../../src/policy/schema.ts';
import type { AppFacts, Problem } from '../../src/policy/types.ts';
import { ACME_POLICY, checkConfig, GATEWAY } from '../cli/fixtures.ts';
import { app } from './fixtures.ts';

const APPS: AppFacts[] = [
  app('psa', null, 'psa.msp.example'),
  app('nas', null, '*.nas.msp.example'),
  app('acme-rmm', 'acme', 'rmm.acme.example'),
  app('globex-portal', 'globex', 'portal.globex.example'),
];

const KNOWN = { groups: new Set(['msp-admins', 'techs']), users: new Set(['alice', 'bob']) };

function yamlPolicy(name: string, text: string): PolicySource {
  const source = loadYamlSource(name, text);
  assert.deepEqual(source.problems, [], `${name} parses`);
  assert.deepEqual(validate(PolicyFile, source), [], `${name} is schema-valid`);
  return { name, data: source.data as PolicyFile, locate: (path) => source.locate(path) };
}

function lint(files: Record<string, string>, apps: AppFacts[] = APPS, locateApp?: (i: number) => string) {
  const problems = lintPolicies(
    Object.entries(files).map(([name, text]) => yamlPolicy(name, text)),
    apps,
    KNOWN,
    locateApp,
  );
  const of = (severity: Problem['severity']) => problems.filter((p) => p.severity === severity).map((p) => p.message);
  return { errors: of('error'), warnings: of('warning') };
}

/** A file of two rules: `first` then `second`, each given as the YAML of its conditions. */
const pair = (first: string, second: string) => `rules:
  - name: first
${first}    action: deny
  - name: second
${second}    action: allow
`;

const SHADOWED = (file = 'p.yaml') =>
  `${file}:5:11: rule 'second' can never match: rule 'first' (${file}:2) matches everything it would`;

describe('lint: shadowed rules', () => {
  const cases: { name: string; first: string; second: string; shadowed: boolean }[] = [
    { name: 'no conditions shadows everything', first: '', second: '    paths: [/x]\n', shadowed: true },
    {
      name: '/** shadows any path',
      first: '    paths: ["/**"]\n',
      second: '    paths: [/a/*/b, /c]\n',
      shadowed: true,
    },
    {
      name: '/admin/** shadows /admin/users/** and /admin',
      first: '    paths: [/admin/**]\n',
      second: '    paths: [/admin/users/**, /admin]\n',
      shadowed: true,
    },
    { name: 'an equal glob shadows', first: '    paths: [/a/*]\n', second: '    paths: [/a/*]\n', shadowed: true },
    {
      name: '/admin/** does not shadow /administrator',
      first: '    paths: [/admin/**]\n',
      second: '    paths: [/administrator]\n',
      shadowed: false,
    },
    {
      name: 'a glob covering only some later globs does not shadow',
      first: '    paths: [/admin/**]\n',
      second: '    paths: [/admin/x, /other]\n',
      shadowed: false,
    },
    {
      name: 'a later rule without paths is not shadowed by one with paths',
      first: '    paths: [/a/**]\n',
      second: '',
      shadowed: false,
    },
    {
      name: 'a superset of methods shadows',
      first: '    methods: [GET, POST]\n',
      second: '    methods: [GET]\n    paths: [/x]\n',
      shadowed: true,
    },
    {
      name: 'a different method does not shadow',
      first: '    methods: [GET]\n',
      second: '    methods: [POST]\n',
      shadowed: false,
    },
    { name: 'methods vs none does not shadow', first: '    methods: [GET]\n', second: '', shadowed: false },
    {
      name: 'an earlier when rule does not shadow',
      first: '    when: { networks: [10.0.0.0/8] }\n',
      second: '    paths: [/x]\n',
      shadowed: false,
    },
    {
      name: 'earlier groups do not shadow',
      first: '    groups: [techs]\n',
      second: '    groups: [techs]\n',
      shadowed: false,
    },
    {
      name: 'earlier users do not shadow',
      first: '    users: [alice]\n',
      second: '    users: [alice]\n',
      shadowed: false,
    },
    {
      name: 'an equal host shadows',
      first: '    hosts: [psa.msp.example]\n',
      second: '    hosts: [PSA.msp.example.]\n',
      shadowed: true,
    },
    {
      name: 'a wildcard shadows a host and a narrower wildcard under it',
      first: '    hosts: ["*.nas.msp.example"]\n',
      second: '    hosts: [a.nas.msp.example, "*.b.nas.msp.example"]\n',
      shadowed: true,
    },
    {
      name: 'different hosts do not shadow',
      first: '    hosts: [psa.msp.example]\n',
      second: '    hosts: [a.nas.msp.example]\n',
      shadowed: false,
    },
    {
      name: 'an exact host does not shadow a wildcard',
      first: '    hosts: [a.nas.msp.example]\n',
      second: '    hosts: ["*.nas.msp.example"]\n',
      shadowed: false,
    },
    { name: 'hosts vs none does not shadow', first: '    hosts: [psa.msp.example]\n', second: '', shadowed: false },
  ];
  for (const c of cases) {
    test(`${c.name}: ${c.shadowed ? 'reported' : 'not reported'}`, () => {
      const { errors, warnings } = lint({ 'p.yaml': pair(c.first, c.second) });
      assert.deepEqual(errors, []);
      const first = c.first.split('\n').length - 1;
      const expected = SHADOWED().replace(':5:11:', `:${4 + first}:11:`);
      assert.deepEqual(warnings, c.shadowed ? [expected] : []);
    });
  }

  test('a rule in an earlier shared file shadows a tenant rule; a tenant rule does not shadow another tenant', () => {
    const { warnings } = lint({
      '00-shared.yaml': 'rules:\n  - name: all\n    action: deny\n',
      'acme.yaml': 'tenant: acme\nrules:\n  - name: everyone\n    action: allow\n',
    });
    assert.deepEqual(warnings, [
      "acme.yaml:3:11: rule 'everyone' can never match: rule 'all' (00-shared.yaml:2) matches everything it would",
    ]);
    const other = lint({
      'acme.yaml': 'tenant: acme\nrules:\n  - name: everyone\n    action: allow\n',
      'globex.yaml': 'tenant: globex\nrules:\n  - name: everyone\n    action: allow\n',
    });
    assert.deepEqual(other.warnings, []);
  });

  test('a rule shadowed by several is reported once, naming the first', () => {
    const { warnings } = lint({
      'p.yaml':
        'rules:\n  - name: a\n    action: deny\n  - name: b\n    action: deny\n  - name: c\n    action: allow\n',
    });
    assert.deepEqual(warnings, [
      "p.yaml:4:11: rule 'b' can never match: rule 'a' (p.yaml:2) matches everything it would",
      "p.yaml:6:11: rule 'c' can never match: rule 'a' (p.yaml:2) matches everything it would",
    ]);
  });
});

describe('lint: unknown names', () => {
  test('unknown groups and users are warnings, located at the item', () => {
    const { errors, warnings } = lint({
      'p.yaml': `rules:
  - name: staff
    groups: [techs, tech]
    action: allow
  - name: people
    users: [ALICE, carol]
    action: allow
`,
    });
    assert.deepEqual(errors, []);
    assert.deepEqual(warnings, [
      "p.yaml:3:21: no user in users.yaml is in group 'tech'",
      "p.yaml:6:20: no user 'carol' in users.yaml",
    ]);
  });

  test('known groups and users (folded) are not reported', () => {
    const { warnings } = lint({
      'p.yaml': 'rules:\n  - name: a\n    groups: [msp-admins]\n    users: [Bob]\n    action: allow\n',
    });
    assert.deepEqual(warnings, []);
  });
});

describe('lint: overlapping tenant hosts', () => {
  const NONE = { 'p.yaml': 'rules: []\n' };
  const cases: { name: string; apps: AppFacts[]; errors: string[] }[] = [
    {
      name: 'a wildcard of one tenant over an exact host of another',
      apps: [app('acme-all', 'acme', '*.acme.example'), app('globex-portal', 'globex', 'portal.acme.example')],
      errors: [
        "gateway.yaml:app1: host 'portal.acme.example' of app 'globex-portal' (tenant 'globex') overlaps host '*.acme.example' of app 'acme-all' (tenant 'acme')",
      ],
    },
    {
      name: 'nested wildcards of two tenants',
      apps: [app('a', 'acme', '*.x.example'), app('b', 'globex', '*.y.x.example')],
      errors: [
        "gateway.yaml:app1: host '*.y.x.example' of app 'b' (tenant 'globex') overlaps host '*.x.example' of app 'a' (tenant 'acme')",
      ],
    },
    {
      name: 'the same tenant may overlap',
      apps: [app('a', 'acme', '*.acme.example'), app('b', 'acme', 'rmm.acme.example')],
      errors: [],
    },
    {
      name: 'disjoint hosts of two tenants',
      apps: [app('a', 'acme', '*.acme.example'), app('b', 'globex', 'acme.example')],
      errors: [],
    },
    {
      name: 'an MSP app and a tenant app overlap',
      apps: [app('a', null, '*.acme.example'), app('b', 'acme', 'rmm.acme.example')],
      errors: [
        "gateway.yaml:app1: host 'rmm.acme.example' of app 'b' (tenant 'acme') overlaps host '*.acme.example' of app 'a' (the MSP)",
      ],
    },
    {
      name: 'two MSP apps are not compared',
      apps: [app('a', null, '*.msp.example'), app('b', null, 'psa.msp.example')],
      errors: [],
    },
  ];
  for (const c of cases) {
    test(`${c.name}: ${c.errors.length > 0 ? 'error' : 'fine'}`, () => {
      const { errors } = lint(NONE, c.apps, (i) => `gateway.yaml:app${i}`);
      assert.deepEqual(errors, c.errors);
    });
  }

  test('without locateApp the message stands alone', () => {
    const { errors } = lint(NONE, [app('a', 'acme', '*.acme.example'), app('b', 'globex', 'x.acme.example')]);
    assert.deepEqual(errors, [
      "host 'x.acme.example' of app 'b' (tenant 'globex') overlaps host '*.acme.example' of app 'a' (tenant 'acme')",
    ]);
  });
});

describe('lint through portcullis check', () => {
  const check = checkConfig;

  test('a shadowed rule is a located warning; the check still passes', async () => {
    const { code, out, err, dir } = await check({
      'policies/acme.yaml': `${ACME_POLICY}  - name: rmm-admin
    hosts: [rmm.acme.example]
    paths: [/admin/**]
    action: deny
`,
    });
    const file = dir.path('policies/acme.yaml');
    assert.equal(
      err,
      `warning: ${file}:10:11: rule 'rmm-admin' can never match: rule 'everyone' (${file}:7) matches everything it would\n`,
    );
    assert.equal(code, 0);
    assert.match(out, /: OK \(/);
  });

  test('overlapping hosts of two tenants fail the check, located in gateway.yaml', async () => {
    const { code, err, dir } = await check({
      'config/gateway.yaml': GATEWAY.replace('host: portal.globex.example', 'host: "*.acme.example"'),
      // no acme rule names hosts: the compiler's own foreign-host error stays out of the way
      'policies/acme.yaml': 'tenant: acme\nrules:\n  - name: everyone\n    action: allow\n',
    });
    assert.equal(code, 1);
    assert.equal(
      err,
      `${dir.gateway}:16:11: host '*.acme.example' of app 'globex-portal' (tenant 'globex') overlaps host 'rmm.acme.example' of app 'acme-rmm' (tenant 'acme')\n` +
        `${dir.gateway}: 1 problem\n`,
    );
  });
});
