/**
 * `portcullis explain` with the whole context a rule can see: --ip through a configured .mmdb,
 * --country, --time, --user-agent, --trusted-device, --risk, and --json for scripts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runExplain } from '../../src/cli/explain.ts';
import { writeMmdb } from '../helpers/mmdb.ts';
import { type ConfigDir, captureIo, GATEWAY, makeConfig } from './fixtures.ts';

const POLICY = `rules:
  - name: outside
    hosts: [psa.msp.example]
    when: { countries: { not: [US, CA] } }
    action: deny
  - name: travel
    hosts: [psa.msp.example]
    when: { risk: [impossible_travel] }
    action: deny
  - name: trusted-desktop
    hosts: [psa.msp.example]
    when: { trusted_device: true, devices: { types: [desktop] } }
    action: authenticate
    require: { level: password }
  - name: risky
    hosts: [psa.msp.example]
    when: { risk: [new_device, new_country] }
    action: authenticate
    require: { level: phishing_resistant, max_age: 0 }
  - name: nights
    hosts: [psa.msp.example]
    when: { schedule: { hours: "20:00-06:00", tz: America/New_York } }
    action: authenticate
    require: { level: mfa, max_age: 15m }
  - name: staff
    hosts: [psa.msp.example]
    action: authenticate
    require: { level: mfa }
`;
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const DAY = '2026-03-04T15:00:00Z';

let dir: ConfigDir;
before(() => {
  dir = makeConfig({
    'config/gateway.yaml': `${GATEWAY}geo:\n  database: geo.mmdb\n`,
    'policies/00-shared.yaml': POLICY,
    'policies/acme.yaml': null,
    'policies/globex.yaml': null,
  });
  writeMmdb(dir.path('config/geo.mmdb'), [
    { cidr: '203.0.113.0/24', record: { country: { iso_code: 'US' }, location: { latitude: 40.7, longitude: -74 } } },
    { cidr: '198.51.100.0/24', record: { country: { iso_code: 'GB' }, location: { latitude: 51.5, longitude: -0.1 } } },
  ]);
});
after(() => dir.remove());

async function explain(...args: string[]) {
  const io = captureIo();
  const code = await runExplain(['--config', dir.gateway, '--url', 'https://psa.msp.example/tickets', ...args], io, {});
  return { code, out: io.stdout.text, err: io.stderr.text };
}
const rule = async (...args: string[]) => {
  const { code, out, err } = await explain('--json', ...args);
  assert.equal(code, 0, err);
  const answer = JSON.parse(out) as { decision: { action: string; rule: { name: string } | null } };
  return `${answer.decision.action} ${answer.decision.rule?.name ?? '-'}`;
};

describe('explain with context', () => {
  const table: [string, string[], string][] = [
    [
      'an address the .mmdb places in the US',
      ['--user', 'alice', '--ip', '203.0.113.5', '--time', DAY],
      'authenticate staff',
    ],
    ['an address placed in GB', ['--user', 'alice', '--ip', '198.51.100.5', '--time', DAY], 'deny outside'],
    [
      '--country overrides the database',
      ['--user', 'alice', '--ip', '198.51.100.5', '--country', 'ca', '--time', DAY],
      'authenticate staff',
    ],
    ['no IP: no country, outside', ['--user', 'alice', '--time', DAY], 'deny outside'],
    [
      '--risk impossible_travel',
      ['--user', 'alice', '--country', 'US', '--risk', 'impossible_travel', '--time', DAY],
      'deny travel',
    ],
    [
      '--trusted-device on a desktop',
      [
        '--user',
        'alice',
        '--country',
        'US',
        '--trusted-device',
        '--risk',
        'new_country',
        '--user-agent',
        WINDOWS,
        '--time',
        DAY,
      ],
      'authenticate trusted-desktop',
    ],
    [
      '--trusted-device on a phone',
      ['--user', 'alice', '--country', 'US', '--trusted-device', '--user-agent', IPHONE, '--time', DAY],
      'authenticate staff',
    ],
    [
      '--risk new_device',
      ['--user', 'alice', '--country', 'US', '--risk', 'new_device', '--time', DAY],
      'authenticate risky',
    ],
    [
      '--time at night in New York',
      ['--user', 'alice', '--country', 'US', '--time', '2026-03-05T03:00:00Z'],
      'authenticate nights',
    ],
    ['anonymous: sign in first at the first sign-in rule', ['--country', 'US', '--time', DAY], 'authenticate travel'],
  ];
  for (const [name, args, want] of table) test(name, async () => assert.equal(await rule(...args), want));

  test('the text answer shows the context, the rule, the reasons and the level', async () => {
    const { code, out } = await explain(
      '--user',
      'alice',
      '--ip',
      '203.0.113.5',
      '--risk',
      'new_device,new_country',
      '--time',
      DAY,
    );
    assert.equal(code, 0);
    assert.equal(
      out,
      [
        'request:  GET psa.msp.example/tickets as alice from 203.0.113.5 (app psa)',
        'context:  country US, 2026-03-04T15:00:00.000Z',
        'sign-in:  device not trusted, risk new_device, new_country',
        'decision: authenticate, level phishing_resistant, max_age 0s',
        "by:       rule 4 'risky' (00-shared.yaml)",
        'reasons:  rule-matched, host-matched, risk-matched',
        '',
      ].join('\n'),
    );
  });

  test('--json carries the whole context', async () => {
    const { out } = await explain(
      '--json',
      '--user',
      'alice',
      '--ip',
      '::ffff:203.0.113.5',
      '--user-agent',
      IPHONE,
      '--trusted-device',
      '--time',
      DAY,
    );
    const { request } = JSON.parse(out) as { request: Record<string, unknown> };
    assert.deepEqual(request, {
      method: 'GET',
      host: 'psa.msp.example',
      path: '/tickets',
      forwarded: '/tickets',
      app: 'psa',
      tenant: null,
      user: 'alice',
      groups: ['msp-admins'],
      ip: '203.0.113.5',
      country: 'US',
      country_source: 'mmdb:GeoLite2-City (1970-01-01)',
      time: '2026-03-04T15:00:00.000Z',
      device: { type: 'mobile', os: 'ios', browser: 'safari' },
      trusted_device: true,
      risk: [],
    });
  });

  const mistakes: [string, string[], RegExp][] = [
    ['a country that is not a code', ['--country', 'USA'], /--country must be an ISO 3166 alpha-2 code/],
    ['an unknown signal', ['--risk', 'new_device,new_phone'], /--risk: unknown signal 'new_phone'/],
    ['a time that is not a time', ['--time', 'tomorrow'], /--time must be an ISO 8601/],
    ['an IP that is not an IP', ['--ip', '1.2.3'], /--ip is not an IP address/],
  ];
  for (const [name, args, message] of mistakes)
    test(`usage: ${name} exits 2`, async () => {
      const { code, err } = await explain(...args);
      assert.equal(code, 2);
      assert.match(err, message);
    });

  test('sign-in facts without a user are pointed out', async () => {
    const { code, err } = await explain('--trusted-device', '--country', 'US');
    assert.equal(code, 0);
    assert.match(err, /--trusted-device and --risk describe a sign-in: they need --user/);
  });
});
