/**
 * Every recipe of docs/cookbook.md, read from the page itself, compiled and run against a table:
 * persona x request x context -> decision (action, rule, level). If the page changes, these
 * tables say whether the recipe still does what its text promises.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { canonicalIp } from '../../src/context/cidr.ts';
import { requestFacts } from '../../src/context/request-facts.ts';
import { normalizePath } from '../../src/gate/normalize-path.ts';
import { compilePolicies } from '../../src/policy/compile.ts';
import { evaluate } from '../../src/policy/evaluate.ts';
import type { PolicyFile } from '../../src/policy/schema.ts';
import { type AppFacts, RISK_BITS, type RiskSignal, type UserFacts } from '../../src/policy/types.ts';
import { app } from './fixtures.ts';

const page = readFileSync(new URL('../../docs/cookbook.md', import.meta.url), 'utf8');
const blocks = new Map<string, string>();
for (const m of page.matchAll(/^```yaml (recipe=)?([a-z0-9-]+)\n([\s\S]*?)^```$/gm))
  blocks.set(m[2] as string, m[3] as string);

const APPS: AppFacts[] = (
  parse(blocks.get('cookbook-apps') ?? '') as { apps: { name: string; tenant?: string; host: string }[] }
).apps.map((a) => app(a.name, a.tenant ?? null, a.host));

const PERSONAS: Record<string, UserFacts | null> = {
  anonymous: null,
  alice: { name: 'alice', groups: ['msp-admins'], tenant: null },
  connie: { name: 'connie', groups: ['contractors'], tenant: null },
  rita: { name: 'rita', groups: ['rmm-admins'], tenant: 'acme' },
  tom: { name: 'tom', groups: ['techs'], tenant: 'acme' },
};

const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const WINDOWS_CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

interface Case {
  /** persona name */
  as: keyof typeof PERSONAS;
  /** `GET https://host/path` */
  req: string;
  ip?: string;
  country?: string | null;
  /** ISO 8601 */
  at?: string;
  ua?: string;
  trusted?: boolean;
  risk?: RiskSignal[];
  /** `action rule [level[/max_age]]`, or `sign-in rule` for an anonymous request sent to sign in */
  want: string;
}

function decide(recipe: string, c: Case): string {
  const text = blocks.get(recipe);
  assert.ok(text, `docs/cookbook.md has no recipe ${recipe}`);
  const { policy, problems } = compilePolicies(
    [{ name: `${recipe}.yaml`, data: parse(text) as PolicyFile, locate: (p) => p.join('.') }],
    APPS,
  );
  assert.deepEqual(
    problems.filter((p) => p.severity === 'error'),
    [],
  );
  const [method, url] = c.req.split(' ') as [string, string];
  const u = new URL(url);
  const target = /^https?:\/\/[^/]+(.*)$/.exec(url)?.[1] || '/';
  const normal = normalizePath(target);
  if (!normal.ok) return `400 ${normal.reason}`;
  const appFacts = APPS.find((a) => a.host === u.hostname);
  assert.ok(appFacts, `no app for ${u.hostname}`);
  const user = PERSONAS[c.as] ?? null;
  const geo =
    c.country === undefined || c.country === null ? null : { country: c.country, latitude: null, longitude: null };
  const d = evaluate(
    policy,
    requestFacts({
      host: u.hostname,
      path: normal.path,
      method,
      app: appFacts,
      user,
      // as the gate hands it over: canonical (IPv4-mapped IPv6 folded)
      ip: canonicalIp(c.ip ?? '198.51.100.1'),
      now: Date.parse(c.at ?? '2026-03-04T15:00:00Z'),
      userAgent: c.ua ?? WINDOWS_CHROME,
      geo: () => geo,
      session:
        user === null
          ? null
          : { trusted: c.trusted ?? false, risk: (c.risk ?? []).reduce((bits, s) => bits | RISK_BITS[s], 0) },
    }),
  );
  const rule = d.rule?.name ?? '-';
  if (d.action !== 'authenticate') return `${d.action} ${rule}`;
  if (d.reasons.includes('user-unauthenticated')) return `sign-in ${rule}`;
  const r = d.require;
  return `authenticate ${rule} ${r.level}${r.maxAgeMs !== undefined ? `/${r.maxAgeMs / 60_000}m` : ''}`;
}

function recipe(name: string, cases: Case[]): void {
  describe(name, () => {
    for (const c of cases) {
      const context = [
        c.ip && `ip ${c.ip}`,
        c.country !== undefined && `country ${c.country}`,
        c.at && `at ${c.at}`,
        c.ua === IPHONE && 'iPhone',
        c.trusted && 'trusted device',
        c.risk?.length && `risk ${c.risk.join('+')}`,
      ]
        .filter(Boolean)
        .join(', ');
      test(`${c.as}: ${c.req}${context ? ` (${context})` : ''} -> ${c.want}`, () =>
        assert.equal(decide(name, c), c.want));
    }
  });
}

describe('docs/cookbook.md', () => {
  test('has at least six recipes and the apps they assume', () => {
    assert.ok([...blocks.keys()].filter((k) => k !== 'cookbook-apps').length >= 6);
    assert.equal(APPS.length, 3);
  });

  recipe('health-checks-public', [
    { as: 'anonymous', req: 'GET https://rmm.acme.example/health', want: 'allow health-checks-are-public' },
    { as: 'anonymous', req: 'HEAD https://tickets.acme.example/api/health', want: 'allow health-checks-are-public' },
    {
      as: 'anonymous',
      req: 'POST https://rmm.acme.example/health',
      want: 'authenticate everything-else-needs-mfa mfa',
    },
    {
      as: 'anonymous',
      req: 'GET https://rmm.acme.example/health/details',
      want: 'authenticate everything-else-needs-mfa mfa',
    },
    {
      as: 'anonymous',
      req: 'GET https://rmm.acme.example/health/../admin',
      want: 'authenticate everything-else-needs-mfa mfa',
    },
    { as: 'anonymous', req: 'GET https://rmm.acme.example/health%2F..%2Fadmin', want: '400 encoded "/"' },
    { as: 'tom', req: 'GET https://tickets.acme.example/', want: 'authenticate everything-else-needs-mfa mfa' },
    // MSP staff pass tenant isolation; the tenant's rules decide
    { as: 'alice', req: 'GET https://rmm.acme.example/', want: 'authenticate everything-else-needs-mfa mfa' },
  ]);

  recipe('rmm-admin-hardware-key', [
    {
      as: 'rita',
      req: 'GET https://rmm.acme.example/admin/scripts',
      want: 'authenticate rmm-admin-needs-hardware-key phishing_resistant/15m',
    },
    { as: 'tom', req: 'GET https://rmm.acme.example/admin/scripts', want: 'deny rmm-admin-others-denied' },
    { as: 'anonymous', req: 'GET https://rmm.acme.example/admin/', want: 'sign-in rmm-admin-needs-hardware-key' },
    { as: 'tom', req: 'GET https://rmm.acme.example/devices', want: 'authenticate rmm-console mfa' },
    { as: 'rita', req: 'GET https://rmm.acme.example/ADMIN/scripts', want: 'authenticate rmm-console mfa' },
    { as: 'tom', req: 'GET https://rmm.acme.example/devices/../admin/x', want: 'deny rmm-admin-others-denied' },
  ]);

  recipe('office-trusted-device-password', [
    {
      as: 'tom',
      req: 'GET https://tickets.acme.example/queue',
      ip: '203.0.113.40',
      trusted: true,
      want: 'authenticate office-trusted-device password',
    },
    {
      as: 'tom',
      req: 'GET https://tickets.acme.example/queue',
      ip: '2001:db8:ac3e::12',
      trusted: true,
      want: 'authenticate office-trusted-device password',
    },
    {
      as: 'tom',
      req: 'GET https://tickets.acme.example/queue',
      ip: '::ffff:203.0.113.40',
      trusted: true,
      want: 'authenticate office-trusted-device password',
    },
    {
      as: 'tom',
      req: 'GET https://tickets.acme.example/queue',
      ip: '203.0.113.40',
      trusted: false,
      want: 'authenticate tickets-elsewhere mfa',
    },
    {
      as: 'tom',
      req: 'GET https://tickets.acme.example/queue',
      ip: '198.51.100.9',
      trusted: true,
      want: 'authenticate tickets-elsewhere mfa',
    },
    {
      as: 'anonymous',
      req: 'GET https://tickets.acme.example/queue',
      ip: '203.0.113.40',
      want: 'sign-in office-trusted-device',
    },
  ]);

  recipe('allowed-countries-only', [
    { as: 'anonymous', req: 'GET https://rmm.acme.example/', country: 'US', want: 'authenticate everyone-else mfa' },
    { as: 'tom', req: 'GET https://tickets.acme.example/', country: 'CA', want: 'authenticate everyone-else mfa' },
    { as: 'anonymous', req: 'GET https://rmm.acme.example/', country: 'RU', want: 'deny outside-allowed-countries' },
    { as: 'tom', req: 'GET https://rmm.acme.example/', country: 'GB', want: 'deny outside-allowed-countries' },
    {
      as: 'anonymous',
      req: 'GET https://rmm.acme.example/',
      ip: '192.0.2.1',
      country: null,
      want: 'deny outside-allowed-countries',
    },
    {
      as: 'anonymous',
      req: 'GET https://rmm.acme.example/',
      ip: '10.20.0.5',
      country: null,
      want: 'authenticate lan mfa',
    },
  ]);

  recipe('after-hours-fresh-mfa', [
    // 15:00 UTC on a Wednesday is 10:00 in New York
    {
      as: 'alice',
      req: 'GET https://psa.msp.example/',
      at: '2026-03-04T15:00:00Z',
      want: 'authenticate psa-office-hours mfa',
    },
    {
      as: 'alice',
      req: 'GET https://psa.msp.example/',
      at: '2026-03-04T23:30:00Z',
      want: 'authenticate psa-after-hours mfa/15m',
    },
    // Saturday
    {
      as: 'alice',
      req: 'GET https://psa.msp.example/',
      at: '2026-03-07T15:00:00Z',
      want: 'authenticate psa-after-hours mfa/15m',
    },
    // 08:00 New York in summer time (UTC-4) is 12:00 UTC; in winter (UTC-5) 12:00 UTC is 07:00
    {
      as: 'alice',
      req: 'GET https://psa.msp.example/',
      at: '2026-07-01T12:00:00Z',
      want: 'authenticate psa-office-hours mfa',
    },
    {
      as: 'alice',
      req: 'GET https://psa.msp.example/',
      at: '2026-01-07T12:00:00Z',
      want: 'authenticate psa-after-hours mfa/15m',
    },
    // 18:00 is the end, exclusive
    {
      as: 'alice',
      req: 'GET https://psa.msp.example/',
      at: '2026-03-04T22:59:59Z',
      want: 'authenticate psa-office-hours mfa',
    },
    {
      as: 'alice',
      req: 'GET https://psa.msp.example/',
      at: '2026-03-04T23:00:00Z',
      want: 'authenticate psa-after-hours mfa/15m',
    },
  ]);

  recipe('risky-sign-in-phishing-resistant', [
    { as: 'alice', req: 'GET https://psa.msp.example/', want: 'authenticate psa mfa' },
    {
      as: 'alice',
      req: 'GET https://psa.msp.example/',
      risk: ['new_device'],
      want: 'authenticate risky-sign-in phishing_resistant/0m',
    },
    {
      as: 'alice',
      req: 'GET https://psa.msp.example/',
      risk: ['new_country'],
      want: 'authenticate risky-sign-in phishing_resistant/0m',
    },
    {
      as: 'alice',
      req: 'GET https://psa.msp.example/',
      risk: ['new_device', 'impossible_travel'],
      want: 'deny impossible-travel-denied',
    },
    { as: 'alice', req: 'GET https://psa.msp.example/', risk: ['recent_failures'], want: 'authenticate psa mfa' },
    { as: 'anonymous', req: 'GET https://psa.msp.example/', want: 'sign-in impossible-travel-denied' },
  ]);

  recipe('recent-failures-step-up', [
    {
      as: 'alice',
      req: 'GET https://psa.msp.example/',
      risk: ['recent_failures'],
      want: 'authenticate after-failures mfa/0m',
    },
    { as: 'alice', req: 'GET https://psa.msp.example/', risk: ['new_device'], want: 'authenticate psa mfa' },
  ]);

  recipe('contractors-desktop-weekdays', [
    {
      as: 'connie',
      req: 'GET https://psa.msp.example/tickets',
      at: '2026-03-04T10:00:00Z',
      want: 'authenticate contractors-on-desktop-weekdays mfa',
    },
    {
      as: 'connie',
      req: 'GET https://psa.msp.example/tickets',
      at: '2026-03-04T10:00:00Z',
      ua: IPHONE,
      want: 'deny contractors-otherwise-denied',
    },
    {
      as: 'connie',
      req: 'GET https://psa.msp.example/tickets',
      at: '2026-03-07T10:00:00Z',
      want: 'deny contractors-otherwise-denied',
    },
    {
      as: 'alice',
      req: 'GET https://psa.msp.example/tickets',
      at: '2026-03-07T10:00:00Z',
      ua: IPHONE,
      want: 'authenticate staff mfa',
    },
    { as: 'anonymous', req: 'GET https://psa.msp.example/tickets', want: 'sign-in contractors-on-desktop-weekdays' },
  ]);
});
