/**
 * Compile-time problems of the policy compiler (src/policy/compile.ts and the criteria): each one
 * located as `file:line:column` in real YAML text, and worded; plus the policy schema's closedness.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Ajv } from 'ajv';
import { validate } from '../../src/config/validate.ts';
import { loadYamlSource } from '../../src/config/yaml-source.ts';
import { compilePolicies, type PolicySource } from '../../src/policy/compile.ts';
import { PolicyFile } from '../../src/policy/schema.ts';
import type { AppFacts, Problem } from '../../src/policy/types.ts';
import { app } from './fixtures.ts';

const APPS: AppFacts[] = [
  app('psa', null, 'psa.msp.example'),
  app('acme-rmm', 'acme', 'rmm.acme.example'),
  app('acme-dev', 'acme', '*.dev.acme.example'),
  app('globex-portal', 'globex', 'portal.globex.example'),
];

/** A policy file from YAML text, as the loader hands it over (schema-valid, locatable). */
function yamlPolicy(name: string, text: string): PolicySource {
  const source = loadYamlSource(name, text);
  assert.deepEqual(source.problems, [], `${name} parses`);
  assert.deepEqual(validate(PolicyFile, source), [], `${name} is schema-valid`);
  return { name, data: source.data as PolicyFile, locate: (path) => source.locate(path) };
}

function compile(files: Record<string, string>): { errors: string[]; warnings: string[] } {
  const { problems } = compilePolicies(
    Object.entries(files).map(([name, text]) => yamlPolicy(name, text)),
    APPS,
  );
  const of = (severity: Problem['severity']) => problems.filter((p) => p.severity === severity).map((p) => p.message);
  return { errors: of('error'), warnings: of('warning') };
}

describe('compile problems, located and worded', () => {
  test('a clean set of files has no problems', () => {
    const { errors, warnings } = compile({
      '00-shared.yaml': `networks: { hq: [198.51.100.0/24, "2001:db8::/32"] }
rules:
  - name: psa
    hosts: [psa.msp.example, rmm.acme.example]
    action: authenticate
    require: { level: mfa, max_age: 0 }
`,
      'acme.yaml': `tenant: acme
rules:
  - name: dev
    hosts: ["*.dev.acme.example", rmm.acme.example, x.dev.acme.example]
    when: { networks: [hq, 10.0.0.0/8] }
    action: allow
  - name: psa
    action: deny
`,
      'globex.yaml': `tenant: globex
rules:
  - name: dev
    users: [Alice, ｂｏｂ]
    action: deny
`,
    });
    assert.deepEqual(errors, []);
    assert.deepEqual(warnings, []);
  });

  test("a tenant file naming another tenant's or the MSP's host is an error", () => {
    const { errors } = compile({
      'acme.yaml': `tenant: acme
rules:
  - name: grab
    hosts: [rmm.acme.example, portal.globex.example, PSA.msp.example.]
    action: allow
  - name: too-wide
    hosts: ["*.example"]
    action: deny
`,
    });
    assert.deepEqual(errors, [
      "acme.yaml:4:31: host 'portal.globex.example' belongs to app 'globex-portal' of tenant 'globex', not tenant 'acme'",
      "acme.yaml:4:54: host 'psa.msp.example' belongs to app 'psa' of the MSP, not tenant 'acme'",
      "acme.yaml:7:13: host '*.example' belongs to app 'psa' of the MSP, not tenant 'acme'",
    ]);
  });

  test('a host that matches no app is a warning', () => {
    const { errors, warnings } = compile({
      '00-shared.yaml': `rules:
  - name: typo
    hosts: [psa.msp.exmaple, psa.msp.example]
    action: deny
`,
      'acme.yaml': `tenant: acme
rules:
  - name: old
    hosts: [old.acme.example, a.dev.acme.example]
    action: deny
`,
      'initech.yaml': `tenant: initech
rules:
  - name: all
    action: deny
`,
    });
    assert.deepEqual(errors, []);
    assert.deepEqual(warnings, [
      "00-shared.yaml:3:13: host 'psa.msp.exmaple' matches no app",
      "acme.yaml:4:13: host 'old.acme.example' matches no app of tenant 'acme'",
      "initech.yaml:1:9: no app belongs to tenant 'initech'",
    ]);
  });

  test("an unknown network name is an error; a tenant cannot use another tenant's networks", () => {
    const { errors } = compile({
      '00-shared.yaml': `networks: { hq: [198.51.100.0/24] }
rules: []
`,
      'acme.yaml': `tenant: acme
networks: { office: [203.0.113.0/24] }
rules:
  - name: a
    when: { networks: [hq, ofice, office] }
    action: allow
`,
      'globex.yaml': `tenant: globex
rules:
  - name: b
    when:
      networks:
        - hq
        - office
    action: allow
`,
    });
    assert.deepEqual(errors, [
      "acme.yaml:5:28: unknown network name 'ofice'",
      "globex.yaml:7:11: unknown network name 'office'",
    ]);
  });

  test('a bad CIDR is an error, in a rule and where a network is defined (used or not)', () => {
    const { errors } = compile({
      '00-shared.yaml': `networks:
  hq: [198.51.100.0/24, 300.1.2.3/24]
  unused: ["fd00::1/8"]
rules:
  - name: a
    hosts: [psa.msp.example]
    when: { networks: [10.0.0.1/8, hq, "2001:db8::/129", 10.1/16] }
    action: allow
`,
    });
    assert.deepEqual(errors, [
      '00-shared.yaml:2:25: "300.1.2.3/24": not an IPv4 or IPv6 address',
      '00-shared.yaml:3:12: "fd00::1/8": host bits are set (did you mean fd00::/8?)',
      '00-shared.yaml:7:24: "10.0.0.1/8": host bits are set (did you mean 10.0.0.0/8?)',
      '00-shared.yaml:7:40: "2001:db8::/129": prefix length exceeds 128',
      '00-shared.yaml:7:58: "10.1/16": not an IPv4 or IPv6 address',
    ]);
  });

  test('authenticate without require, and require on allow or deny, are errors', () => {
    const { errors } = compile({
      '00-shared.yaml': `rules:
  - name: a
    action: authenticate
  - name: b
    action: allow
    require: { level: mfa }
  - name: c
    action: deny
    require: { level: password }
`,
    });
    assert.deepEqual(errors, [
      '00-shared.yaml:3:13: authenticate needs require: { level: password | mfa | phishing_resistant }',
      '00-shared.yaml:6:14: require only applies to action authenticate, not allow',
      '00-shared.yaml:9:14: require only applies to action authenticate, not deny',
    ]);
  });

  test('rule names are unique within a tenant (across its files) and among shared files', () => {
    const { errors } = compile({
      '00-shared.yaml': `rules:
  - name: x
    action: deny
`,
      '01-shared.yaml': `rules:
  - name: x
    action: deny
`,
      'acme-1.yaml': `tenant: acme
rules:
  - name: x
    action: deny
  - name: y
    action: deny
  - name: y
    action: deny
`,
      'acme-2.yaml': `tenant: acme
rules:
  - name: x
    action: deny
`,
      'globex.yaml': `tenant: globex
rules:
  - name: x
    action: deny
  - name: y
    action: deny
`,
    });
    assert.deepEqual(errors, [
      "01-shared.yaml:2:11: rule name 'x' is already used at 00-shared.yaml:2:11",
      "acme-1.yaml:7:11: rule name 'y' is already used at acme-1.yaml:5:11",
      "acme-2.yaml:3:11: rule name 'x' is already used at acme-1.yaml:3:11",
    ]);
  });

  test('bad path globs are errors', () => {
    const { errors } = compile({
      '00-shared.yaml': `rules:
  - name: a
    paths: [admin/**, /a**, /ok/**, /b/***, /c/**x/d]
    action: deny
`,
    });
    assert.deepEqual(errors, [
      '00-shared.yaml:3:13: a path must start with "/"',
      '00-shared.yaml:3:23: "**" must be a whole path segment, like /a/**/b',
      '00-shared.yaml:3:37: use "*" or "**", not "***"',
      '00-shared.yaml:3:45: "**" must be a whole path segment, like /a/**/b',
    ]);
  });

  test('user names that no account can have are errors', () => {
    const { errors } = compile({
      '00-shared.yaml': `rules:
  - name: a
    users: [alice, "bob smith", -x]
    action: deny
`,
    });
    assert.deepEqual(errors, [
      '00-shared.yaml:3:20: "bob smith" is not a valid user name (see users.yaml keys)',
      '00-shared.yaml:3:33: "-x" is not a valid user name (see users.yaml keys)',
    ]);
  });

  test('max_age below the one-minute floor is an error naming it; 0 ("prove it now") and 1m or more are fine', () => {
    const FLOOR =
      'is below the one-minute floor: a fresh proof must survive the redirect back to the page. Write 1m or more, or 0 ("prove it now": a proof of the last minute)';
    const table: [string, string | null][] = [
      ['0', null],
      ['"0"', null],
      ['0s', null],
      ['0ms', null],
      ['1ms', `max_age 1ms ${FLOOR}`],
      ['500ms', `max_age 500ms ${FLOOR}`],
      ['1s', `max_age 1s ${FLOOR}`],
      ['30s', `max_age 30s ${FLOOR}`],
      ['59s', `max_age 59s ${FLOOR}`],
      ['59999ms', `max_age 59999ms ${FLOOR}`],
      ['60s', null],
      ['60000ms', null],
      ['1m', null],
      ['15m', null],
      ['12h', null],
    ];
    for (const [value, problem] of table) {
      const { errors } = compile({
        'm.yaml': `rules:\n  - name: a\n    hosts: [psa.msp.example]\n    action: authenticate\n    require: { level: mfa, max_age: ${value} }\n`,
      });
      assert.deepEqual(errors, problem === null ? [] : [`m.yaml:5:37: ${problem}`], value);
    }
  });

  test('errors in several files are all reported, in file order', () => {
    const { errors } = compile({
      'a.yaml': 'rules:\n  - name: a\n    action: authenticate\n',
      'b.yaml': 'rules:\n  - name: b\n    paths: [x]\n    action: deny\n',
    });
    assert.deepEqual(errors, [
      'a.yaml:3:13: authenticate needs require: { level: password | mfa | phishing_resistant }',
      'b.yaml:3:13: a path must start with "/"',
    ]);
  });
});

describe('the policy schema is closed', () => {
  const TEXT = `rules:
  - name: a
    hosts: [psa.msp.example]
    path: [/x]
    when: { networks: [10.0.0.0/8], network: [hq], countrys: [US] }
    action: allow
    require: { level: mfa, maxage: 5m }
  - name: b
    action: permit
bogus: 1
`;

  test('unknown keys in a rule, under when, in require and at the top are located', () => {
    const source = loadYamlSource('p.yaml', TEXT);
    assert.deepEqual(validate(PolicyFile, source), [
      "p.yaml:4:5: unknown key 'path' (did you mean 'paths'?)",
      "p.yaml:5:37: unknown key 'network' (did you mean 'networks'?)",
      "p.yaml:5:52: unknown key 'countrys' (did you mean 'countries'?)",
      "p.yaml:7:28: unknown key 'maxage' (did you mean 'max_age'?)",
      'p.yaml:9:13: must be one of: allow, deny, authenticate',
      "p.yaml:10:1: unknown key 'bogus' (known keys: tenant, description, rules, networks)",
    ]);
  });

  test('the JSON Schema itself forbids unknown keys (editors see the same)', () => {
    const ajv = new Ajv({ strict: false });
    const check = ajv.compile(PolicyFile);
    const rule = { name: 'a', action: 'allow' };
    assert.equal(check({ rules: [rule] }), true);
    assert.equal(check({ rules: [{ ...rule, when: { networks: ['10.0.0.0/8'] } }] }), true);
    assert.equal(check({ rules: [{ ...rule, extra: true }] }), false);
    assert.equal(check({ rules: [{ ...rule, when: { networks: ['hq'], extra: true } }] }), false);
    assert.equal(check({ rules: [{ ...rule, action: 'authenticate', require: { level: 'mfa', extra: 1 } }] }), false);
  });

  test('max_age is a duration or 0', () => {
    const lines = (value: string) =>
      validate(
        PolicyFile,
        loadYamlSource(
          'm.yaml',
          `rules:\n  - name: a\n    action: authenticate\n    require: { level: mfa, max_age: ${value} }\n`,
        ),
      );
    assert.deepEqual(lines('0'), []);
    assert.deepEqual(lines('"0"'), []);
    assert.deepEqual(lines('15m'), []);
    assert.equal(lines('15').length, 1);
    assert.match(lines('15x')[0] ?? '', /^m\.yaml:4:37: must be a duration like 30s/);
  });
});
