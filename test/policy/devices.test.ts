/**
 * The `devices` condition (src/policy/criteria/devices.ts) through compilePolicies and evaluate,
 * with hand-made device facts; plus its compile errors and warnings.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compilePolicies, type PolicySource } from '../../src/policy/compile.ts';
import { evaluate } from '../../src/policy/evaluate.ts';
import type { PolicyFile } from '../../src/policy/schema.ts';
import type { AppFacts, DeviceFacts, RequestFacts } from '../../src/policy/types.ts';

const APP: AppFacts = Object.freeze({
  name: 'psa',
  tenant: null,
  host: 'psa.msp.example',
  caseInsensitivePaths: false,
});

const source = (rules: object[]): PolicySource => ({
  name: 'f.yaml',
  data: { rules } as unknown as PolicyFile,
  locate: (path) => `f.yaml:${path.join('.')}`,
});

const rule = (name: string, devices: object, action = 'allow') => ({
  name,
  hosts: ['psa.msp.example'],
  when: { devices },
  action,
});

const RULES = [
  rule('tv-denied', { types: ['other'] }, 'deny'),
  rule('managed-desktop', { types: ['desktop'], os: ['windows', 'macos'], browsers: ['chrome', 'edge'] }),
  rule('ios-any-browser', { os: ['ios'] }),
  rule('firefox-anywhere', { browsers: ['Firefox'] }),
  rule('tablet', { types: ['tablet', 'mobile'], browsers: ['safari', 'chrome'] }),
  { name: 'everyone-else', hosts: ['psa.msp.example'], action: 'deny' },
];

const { policy, problems } = compilePolicies([source(RULES)], [APP]);

const facts = (device: DeviceFacts | undefined): RequestFacts => ({
  host: 'psa.msp.example',
  path: '/',
  method: 'GET',
  app: APP,
  user: null,
  ip: '192.0.2.1',
  ...(device ? { device: () => device } : {}),
});

const d = (type: DeviceFacts['type'], os: string | null, browser: string | null): DeviceFacts => ({
  type,
  os,
  browser,
});

describe('devices condition', () => {
  test('the table policy compiles without problems', () => assert.deepEqual(problems, []));

  const ROWS: [string, DeviceFacts | undefined, string, string][] = [
    ['no device facts: no devices rule matches', undefined, 'everyone-else', 'deny'],
    ['smart TV', d('other', 'tizen', 'samsung-internet'), 'tv-denied', 'deny'],
    ['Windows Chrome desktop', d('desktop', 'windows', 'chrome'), 'managed-desktop', 'allow'],
    ['macOS Edge desktop', d('desktop', 'macos', 'edge'), 'managed-desktop', 'allow'],
    ['macOS Safari: browser not listed', d('desktop', 'macos', 'safari'), 'everyone-else', 'deny'],
    ['Linux Chrome: os not listed', d('desktop', 'linux', 'chrome'), 'everyone-else', 'deny'],
    ['Windows Edge claiming mobile: type not listed', d('mobile', 'windows', 'edge'), 'everyone-else', 'deny'],
    ['iPhone, any browser', d('mobile', 'ios', 'opera'), 'ios-any-browser', 'allow'],
    ['iPad, unknown browser: os list alone', d('tablet', 'ios', null), 'ios-any-browser', 'allow'],
    [
      'Firefox on Linux (rule names Firefox: compared lower-case)',
      d('desktop', 'linux', 'firefox'),
      'firefox-anywhere',
      'allow',
    ],
    ['Android tablet Chrome', d('tablet', 'android', 'chrome'), 'tablet', 'allow'],
    ['Android phone, unknown browser', d('mobile', 'android', null), 'everyone-else', 'deny'],
    ['desktop, unknown os and browser (curl)', d('desktop', null, null), 'everyone-else', 'deny'],
  ];
  for (const [name, device, ruleName, action] of ROWS) {
    test(name, () => {
      const decision = evaluate(policy, facts(device));
      assert.equal(decision.rule?.name, ruleName);
      assert.equal(decision.action, action);
      if (ruleName !== 'everyone-else')
        assert.deepEqual(decision.reasons, ['rule-matched', 'host-matched', 'device-matched']);
    });
  }

  test('device facts are read lazily, once per matcher at most', () => {
    let calls = 0;
    const f: RequestFacts = {
      ...facts(undefined),
      device: () => {
        calls++;
        return d('desktop', 'windows', 'chrome');
      },
    };
    assert.equal(evaluate(policy, f).rule?.name, 'managed-desktop');
    assert.ok(calls >= 1 && calls <= 2, `called ${calls} times`);
  });

  test('a rule without a devices condition never reads the device', () => {
    const { policy: plain } = compilePolicies(
      [source([{ name: 'all', hosts: ['psa.msp.example'], action: 'allow' }])],
      [APP],
    );
    const f: RequestFacts = {
      ...facts(undefined),
      device: () => assert.fail('device parsed'),
    };
    assert.equal(evaluate(plain, f).action, 'allow');
  });
});

describe('devices compile problems', () => {
  const compile = (devices: object) => compilePolicies([source([rule('r', devices)])], [APP]).problems;

  test('an empty devices condition is an error', () => {
    assert.deepEqual(compile({}), [
      { severity: 'error', message: 'f.yaml:rules.0.when.devices: devices needs types, os, browsers or a combination' },
    ]);
  });

  test('an unknown os or browser name is a located warning, and still allowed', () => {
    const problems = compile({ os: ['windows', 'widnows'], browsers: ['chrome', 'brave-ish'] });
    assert.equal(problems.length, 2);
    assert.ok(problems.every((p) => p.severity === 'warning'));
    assert.match(problems[0]?.message ?? '', /^f\.yaml:rules\.0\.when\.devices\.os\.1: unknown os 'widnows' \(known: /);
    assert.match(
      problems[1]?.message ?? '',
      /^f\.yaml:rules\.0\.when\.devices\.browsers\.1: unknown browser 'brave-ish'/,
    );
  });

  test('a warned name still matches a device of that name', () => {
    const { policy: p } = compilePolicies([source([rule('r', { browsers: ['brave-ish'] })])], [APP]);
    assert.equal(evaluate(p, facts(d('desktop', 'linux', 'brave-ish'))).action, 'allow');
  });

  test('known names draw no warning', () => {
    assert.deepEqual(
      compile({
        types: ['desktop', 'mobile', 'tablet', 'other'],
        os: ['windows', 'macos', 'ios', 'android', 'linux', 'chromeos'],
        browsers: ['chrome', 'edge', 'firefox', 'safari', 'opera', 'samsung-internet'],
      }),
      [],
    );
  });
});
