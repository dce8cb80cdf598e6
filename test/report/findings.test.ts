/**
 * The audit on the seeded configuration (seed.ts): every finding of the catalogue exactly where
 * it applies and nowhere else, the coverage figures, severities, locations, suppressions (active
 * hides, expired returns), one tenant at a time, and the configuration alone.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.ts';
import type { ConfigError } from '../../src/config/load.ts';
import { CATALOGUE } from '../../src/report/catalogue.ts';
import { collect, collectConfig } from '../../src/report/collect.ts';
import { buildReport, failsOn, type Report } from '../../src/report/findings.ts';
import type { GatewayState } from '../../src/state.ts';
import type { DurableStore } from '../../src/stores/durable.ts';
import { openDurable } from '../../src/stores/open.ts';
import { EXPECTED, GATEWAY, lockedCathy, NOW, type Seeded, seeded, stateOf, writeConfig } from './seed.ts';

const triples = (r: Pick<Report, 'findings'>) =>
  r.findings
    .map((f) => [f.id, f.tenant, f.subject] as const)
    .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
const sorted = (list: readonly (readonly [string, string | null, string])[]) =>
  [...list].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

describe('audit findings on the seeded configuration', () => {
  let seed: Seeded;
  let state: GatewayState;
  let durable: DurableStore;
  let report: Report;
  before(async () => {
    seed = await seeded();
    state = await seed.state();
    durable = await openDurable(`sqlite:${seed.db}`, seed.root);
    report = buildReport(await collect(state, durable, await lockedCathy(state, seed.clock), seed.clock));
  });
  after(async () => {
    await durable.close();
    seed.remove();
  });

  it('reports each finding exactly where it applies, and no other', () => {
    assert.deepEqual(triples(report), sorted(EXPECTED));
    assert.deepEqual(
      report.suppressed.map((f) => [f.id, f.tenant, f.subject]),
      [['app-without-rule', 'globex', 'globex-portal']],
    );
    const fired = new Set([...report.findings, ...report.suppressed].map((f) => f.id));
    assert.deepEqual(
      CATALOGUE.map((e) => e.id).filter((id) => !fired.has(id)),
      [],
      'every finding of the catalogue is exercised',
    );
  });

  it('counts the coverage of each tenant and of the MSP staff', () => {
    assert.deepEqual(report.tenants, [
      {
        tenant: null,
        coverage: {
          users: 4,
          with_mfa: 2,
          privileged: 3,
          privileged_phishing_resistant: 1,
          apps: 2,
          apps_with_rule: 1,
        },
      },
      {
        tenant: 'acme',
        coverage: {
          users: 5,
          with_mfa: 5,
          privileged: 0,
          privileged_phishing_resistant: 0,
          apps: 1,
          apps_with_rule: 1,
        },
      },
      {
        tenant: 'globex',
        coverage: {
          users: 2,
          with_mfa: 1,
          privileged: 0,
          privileged_phishing_resistant: 0,
          apps: 1,
          apps_with_rule: 0,
        },
      },
    ]);
  });

  it('grades, explains and locates each finding, most severe first', () => {
    const get = (id: string, subject: string, tenant: string | null = null) => {
      const f = report.findings.find((x) => x.id === id && x.subject === subject && x.tenant === tenant);
      assert.ok(f, `${id} ${subject}`);
      return f;
    };
    assert.equal(get('no-second-factor', 'frank').severity, 'critical', 'privileged');
    // a provider's user is located at its provider, and is stale after the provider's stale_after
    const pat = get('stale-account', 'pat@acme.example', 'acme');
    assert.match(pat.location ?? '', /^config\/gateway\.yaml:\d+:\d+$/);
    assert.match(pat.detail, /40 days ago/);
    assert.equal(
      get('push-reported', 'alice').detail,
      'reported 2026-12-06 (app rmm, from 198.51.100.7); pushes blocked until unblocked',
    );
    assert.equal(get('no-second-factor', 'bob').severity, 'high');
    assert.equal(
      get('no-second-factor', 'greg', 'globex').detail,
      'no second factor enrolled (enrolment is required at the next sign-in)',
    );
    assert.equal(get('anonymous-rule', 'psa-health').severity, 'medium', 'paths only');
    assert.equal(get('password-only-rule', 'office-password', 'acme').severity, 'low', 'under when: conditions');
    assert.equal(get('password-only-rule', 'everyone', 'acme').severity, 'medium');
    assert.equal(get('anonymous-rule', 'psa-health').location, 'policies/00-shared.yaml:2:11');
    assert.equal(get('password-only-rule', 'everyone', 'acme').location, 'policies/acme.yaml:12:11');
    assert.equal(get('app-without-rule', 'nas').location, 'config/gateway.yaml:38:11');
    assert.equal(get('long-device-trust', 'session.remember_device').location, 'config/gateway.yaml:8:20');
    assert.equal(get('stale-account', 'carol', 'acme').location, 'config/users.yaml:13:3');
    assert.equal(get('stale-account', 'carol', 'acme').detail, 'last sign-in 2026-08-29 (100 days ago)');
    assert.equal(
      get('stale-account', 'gina', 'globex').detail,
      'never signed in, and nothing recorded about the account recently',
    );
    assert.equal(get('recovery-codes-low', 'carol', 'acme').detail, '2 unused recovery code(s) of 10');
    assert.match(
      get('active-access-code', 'craig', 'acme').detail,
      /^issued by cli:root, valid until 2026-12-07T11:00:00\.000Z$/,
    );
    assert.match(
      get('long-device-trust', 'craig', 'acme').detail,
      /"Firefox on Linux" trusted from 2026-12-06 until 2027-01-20 \(45 days\)/,
    );
    assert.match(get('locked-account', 'cathy', 'acme').detail, /the account is locked \(3 failures\)/);
    for (const f of report.findings) {
      const entry = CATALOGUE.find((e) => e.id === f.id);
      assert.equal(f.remediation, entry?.remediation);
      assert.equal(f.title, entry?.title);
      assert.ok(f.location, `${f.id} ${f.subject} is located`);
    }
    const ranks = report.findings.map((f) => ['critical', 'high', 'medium', 'low'].indexOf(f.severity));
    assert.deepEqual(
      ranks,
      [...ranks].sort((a, b) => a - b),
    );
  });

  it('a suppression hides until its day; an expired one brings the finding back, saying so', async () => {
    const hidden = report.suppressed[0];
    assert.deepEqual(hidden?.suppression, {
      reason: 'the portal is retired in January',
      approved_by: 'Jane Doe (globex CISO)',
      expires: '2027-01-31',
      at: 'config/gateway.yaml:23:7',
    });
    const back = report.findings.find((f) => f.id === 'recovery-codes-low');
    assert.equal(back?.suppression_expired?.expires, '2026-11-01');
    assert.equal(back?.suppression_expired?.approved_by, 'Max Mustermann');

    const later = new ManualClock(Date.UTC(2027, 0, 31));
    const lapsed = buildReport(await collect(state, durable, null, later));
    const portal = lapsed.findings.find((f) => f.subject === 'globex-portal');
    assert.equal(portal?.id, 'app-without-rule');
    assert.equal(portal?.suppression_expired?.reason, 'the portal is retired in January');
    assert.deepEqual(lapsed.suppressed, []);
  });

  it('without the lock state, locked-account is not reported and a note says why', async () => {
    const r = buildReport(await collect(state, durable, null, seed.clock));
    assert.deepEqual(triples(r), sorted(EXPECTED.filter(([id]) => id !== 'locked-account')));
    assert.match(r.notes.join('\n'), /lock state unknown/);
  });

  it('one tenant at a time', async () => {
    const facts = await collect(state, durable, await lockedCathy(state, seed.clock), seed.clock);
    const acme = buildReport(facts, 'acme');
    assert.deepEqual(
      acme.tenants.map((t) => t.tenant),
      ['acme'],
    );
    assert.deepEqual(triples(acme), sorted(EXPECTED.filter(([, t]) => t === 'acme')));
    const staff = buildReport(facts, null);
    assert.deepEqual(triples(staff), sorted(EXPECTED.filter(([, t]) => t === null)));
    assert.deepEqual(buildReport(facts, 'initech').tenants, []);
  });

  it('the configuration alone: rule, app and setting findings; user figures unknown', () => {
    const r = buildReport(collectConfig(state, new ManualClock(NOW)));
    assert.equal(r.scope, 'config');
    const kinds = new Set(['anonymous-rule', 'password-only-rule', 'app-without-rule', 'upstream-mfa-trusted']);
    assert.deepEqual(
      triples(r),
      sorted(EXPECTED.filter(([id, , s]) => kinds.has(id) || s === 'session.remember_device')),
    );
    assert.deepEqual(r.tenants[0]?.coverage, {
      users: 4,
      with_mfa: null,
      privileged: 3,
      privileged_phishing_resistant: null,
      apps: 2,
      apps_with_rule: 1,
    });
  });

  it('--fail-on: a finding at or above the threshold', () => {
    assert.equal(failsOn(report, 'critical'), true);
    const staffless = { ...report, findings: report.findings.filter((f) => f.severity === 'low') };
    assert.equal(failsOn(staffless, 'medium'), false);
    assert.equal(failsOn(staffless, 'low'), true);
  });

  it('a suppression naming no finding of the catalogue is a located configuration error', async () => {
    const dir = writeConfig({
      'config/gateway.yaml': GATEWAY.replace('finding: app-without-rule', 'finding: app-without-rules'),
    });
    try {
      await assert.rejects(stateOf(dir.gateway), (err: ConfigError) => {
        assert.deepEqual(
          err.problems.map((p) => p.replace(dir.root, '')),
          ["/config/gateway.yaml:23:16: 'app-without-rules' is not a finding of the audit (docs/audit.md lists them)"],
        );
        return true;
      });
    } finally {
      dir.remove();
    }
  });

  it('docs/audit.md lists every finding of the catalogue with its default severity', () => {
    const doc = readFileSync(new URL('../../docs/audit.md', import.meta.url), 'utf8');
    for (const e of CATALOGUE) assert.match(doc, new RegExp(`\\| \`${e.id}\` \\| ${e.severity} \\|`), e.id);
  });
});
