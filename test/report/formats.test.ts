/**
 * The four formats of the seeded report: JSON (schema_version 1, the contract's shape), SARIF
 * 2.1.0 (structure code scanning reads: rules from the catalogue, levels, locations with lines,
 * stable fingerprints), text (headline figures, findings with where and what to do, no terminal
 * escape passes) and the self-contained HTML (branding, escaping, nothing external).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { render } from '../../src/report/audit-report.ts';
import { CATALOGUE } from '../../src/report/catalogue.ts';
import { collect } from '../../src/report/collect.ts';
import { buildReport, type Report } from '../../src/report/findings.ts';
import { fingerprint, SARIF_SCHEMA } from '../../src/report/formats/sarif.ts';
import { formatText } from '../../src/report/formats/text.ts';
import type { GatewayState } from '../../src/state.ts';
import { openDurable } from '../../src/stores/open.ts';
import { LOGO, lockedCathy, type Seeded, seeded } from './seed.ts';

interface SarifLog {
  $schema: string;
  version: string;
  runs: {
    tool: {
      driver: {
        name: string;
        rules: { id: string; defaultConfiguration: { level: string }; properties: Record<string, unknown> }[];
      };
    };
    results: {
      ruleId: string;
      ruleIndex: number;
      level: string;
      message: { text: string };
      locations: {
        physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn: number } };
      }[];
      partialFingerprints: Record<string, string>;
    }[];
  }[];
}

describe('audit report formats', () => {
  let seed: Seeded;
  let state: GatewayState;
  let report: Report;
  before(async () => {
    seed = await seeded();
    state = await seed.state();
    const durable = await openDurable(`sqlite:${seed.db}`, seed.root);
    try {
      report = buildReport(await collect(state, durable, await lockedCathy(state, seed.clock), seed.clock));
    } finally {
      await durable.close();
    }
  });
  after(() => seed.remove());

  it('json: schema_version 1 with the contract fields', () => {
    const json = JSON.parse(render(report, 'json', state)) as Record<string, unknown> & Report;
    assert.equal(json.schema_version, 1);
    assert.equal(json.generated_at, '2026-12-07T10:00:00.000Z');
    assert.deepEqual(Object.keys(json), [
      'schema_version',
      'generated_at',
      'scope',
      'tenants',
      'findings',
      'suppressed',
      'notes',
    ]);
    for (const t of json.tenants)
      assert.deepEqual(Object.keys(t.coverage).sort(), [
        'apps',
        'apps_with_rule',
        'privileged',
        'privileged_phishing_resistant',
        'users',
        'with_mfa',
      ]);
    for (const f of json.findings) {
      for (const key of ['id', 'severity', 'tenant', 'subject', 'detail', 'location', 'remediation'])
        assert.ok(Object.hasOwn(f, key), `${f.id} has ${key}`);
      assert.ok(['critical', 'high', 'medium', 'low'].includes(f.severity));
    }
    assert.equal(json.suppressed[0]?.suppression.approved_by, 'Jane Doe (globex CISO)');
  });

  it('sarif: version 2.1.0, the catalogue as rules, located results with stable fingerprints', () => {
    const log = JSON.parse(render(report, 'sarif', state)) as SarifLog;
    assert.equal(log.version, '2.1.0');
    assert.equal(log.$schema, SARIF_SCHEMA);
    assert.equal(log.runs.length, 1);
    const run = log.runs[0] as SarifLog['runs'][number];
    const rules = run.tool.driver.rules;
    assert.deepEqual(
      rules.map((r) => r.id),
      CATALOGUE.map((e) => e.id),
    );
    assert.equal(rules.find((r) => r.id === 'no-second-factor')?.defaultConfiguration.level, 'error');
    assert.equal(rules.find((r) => r.id === 'app-without-rule')?.properties['security-severity'], '3.0');
    assert.equal(run.results.length, report.findings.length, 'suppressed findings are left out');
    for (const r of run.results) {
      assert.equal(rules[r.ruleIndex]?.id, r.ruleId);
      assert.ok(['error', 'warning', 'note'].includes(r.level));
      const loc = r.locations[0]?.physicalLocation;
      assert.match(loc?.artifactLocation.uri ?? '', /^(config|policies)\/[a-z0-9.-]+\.yaml$/);
      assert.ok((loc?.region.startLine ?? 0) >= 1);
      assert.match(r.partialFingerprints['portcullisFinding/v1'] ?? '', /^[0-9a-f]{32}$/);
    }
    const frank = run.results.find((r) => r.ruleId === 'no-second-factor' && r.message.text.includes('frank'));
    assert.equal(frank?.level, 'error');
    assert.deepEqual(frank?.locations[0]?.physicalLocation.artifactLocation, { uri: 'config/users.yaml' });
    const rule = run.results.find(
      (r) => r.ruleId === 'password-only-rule' && r.message.text.includes('office-password'),
    );
    assert.equal(rule?.level, 'note');
    assert.deepEqual(rule?.locations[0]?.physicalLocation.region, { startLine: 7, startColumn: 11 });
    const fingerprints = run.results.map((r) => r.partialFingerprints['portcullisFinding/v1']);
    assert.equal(new Set(fingerprints).size, fingerprints.length, 'one per finding');
    assert.equal(
      fingerprint({ id: 'stale-account', tenant: 'acme', subject: 'carol' }),
      fingerprint({ id: 'stale-account', tenant: 'acme', subject: 'carol' }),
    );
    assert.notEqual(
      fingerprint({ id: 'stale-account', tenant: null, subject: 'carol' }),
      fingerprint({ id: 'stale-account', tenant: 'acme', subject: 'carol' }),
    );
  });

  it('text: headline figures per tenant, findings with where and what to do', () => {
    const text = render(report, 'text', state);
    assert.match(text, /^Portcullis MFA coverage report, 2026-12-07 10:00:00 UTC\n/);
    assert.match(
      text,
      /\nMSP staff\n {2}4 user\(s\), 3 privileged; 2 app\(s\)\n {2}Users with a second factor: 2 of 4 \(50%\)\n/,
    );
    assert.match(text, /Privileged users with a phishing-resistant factor: 1 of 3 \(33%\)/);
    assert.match(text, /\nglobex\n[\s\S]*Apps with a rule of their own: 0 of 1 \(0%\)/);
    assert.match(text, /Findings: 22 \(1 critical, 5 high, 8 medium, 8 low\)/);
    assert.match(
      text,
      / {2}CRITICAL no-second-factor {2}\[MSP staff\] frank: privileged; no second factor enrolled\n {11}at config\/users\.yaml:8:3\n {11}what to do: /,
    );
    assert.match(text, /its suppression expired on 2026-11-01 \(carol is on leave, approved by Max Mustermann\)/);
    assert.match(text, /\nSuppressed: 1\n {2}LOW {6}app-without-rule {2}\[globex\] globex-portal: until 2027-01-31/);
    assert.ok(!text.includes('Notes:'), 'nothing to note: the lock state was read');
    const hostile = formatText({
      ...report,
      findings: [{ ...(report.findings[0] as Report['findings'][number]), subject: 'evil\u001b[2Jname' }],
    });
    assert.ok(!hostile.includes('\u001b'), 'no terminal escape reaches the terminal');
    assert.match(hostile, /evil\?\[2Jname/);
  });

  it('html: one self-contained, escaped, branded file per tenant, A4', () => {
    const html = render(report, 'html', state);
    assert.match(html, /^<!doctype html>/);
    assert.match(
      html,
      /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">/,
    );
    assert.match(html, /@page \{ size: A4;/);
    assert.ok(!/<script|<link|<iframe|<object|url\(/i.test(html), 'no script, no linked asset');
    assert.ok(!/(src|href)="(?!data:)/i.test(html), 'every src is a data: URI');
    assert.equal((html.match(/<section class="tenant"/g) ?? []).length, 3);
    assert.match(html, /<h1>Acme &lt;Corp&gt; &amp; Sons<\/h1>/, 'the client name, escaped');
    assert.ok(!html.includes('Acme <Corp>'));
    assert.match(html, /<h1>Northwind IT: MSP staff<\/h1>/);
    assert.match(html, /<h1>globex<\/h1>/, 'a client without a name is named by its tenant');
    assert.match(html, /<section class="tenant" data-tenant="acme" style="--brand: #b4232a">/, "the client's colour");
    assert.match(html, /<section class="tenant" data-tenant="globex" style="--brand: #0b6e4f">/, "else the MSP's");
    assert.ok(html.includes(`src="data:image/svg+xml;base64,${Buffer.from(LOGO).toString('base64')}"`), 'logo inlined');
    assert.match(html, /7 December 2026 &middot; prepared by Northwind IT/);
    assert.match(html, /<h3 class="sev-critical">Critical \(1\)<\/h3>/);
    assert.match(html, /<h2>Accepted risks<\/h2>[\s\S]*the portal is retired in January/);
    const one = render(buildReport({ ...emptyFacts(), tenants: ['acme'] }, 'acme'), 'html', state);
    assert.match(one, /<title>MFA coverage report: Acme &lt;Corp&gt; &amp; Sons, 2026-12-07<\/title>/);
    assert.match(one, /<p>No findings\.<\/p>/);
  });
});

function emptyFacts() {
  return {
    now: Date.UTC(2026, 11, 7),
    tenants: [],
    users: [],
    apps: [],
    rules: [],
    providers: [],
    rememberDevice: { ms: 0, at: 'config/gateway.yaml:1:1' },
    staleAfterMs: 1,
    suppressions: [],
    configOnly: false,
    notes: [],
  };
}
