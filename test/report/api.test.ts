/**
 * `GET /api/v1/audit?tenant=&format=json|html` on the admin listener: the token is required, the
 * query is checked by its schema (unknown keys refused), json is the report object, html the
 * self-contained file, an unknown tenant 404, a store that cannot be read 503 (no report).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Report } from '../../src/report/findings.ts';
import { callAdmin, generatedToken } from '../admin/helpers.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

describe('GET /api/v1/audit', () => {
  let gw: TestGateway;
  let bearer: string;
  before(async () => {
    gw = await startTestGateway({
      gateway: {
        branding: { name: 'Northwind IT', tenants: { acme: { name: 'Acme Corp' } } },
        audit: {
          suppressions: [
            {
              finding: 'privileged-not-phishing-resistant',
              subject: 'alice',
              reason: 'key on order',
              approved_by: 'MSP CISO',
              expires: '2026-02-01',
            },
            {
              finding: 'no-second-factor',
              subject: 'bob',
              reason: 'was on leave',
              approved_by: 'MSP CISO',
              expires: '2025-12-01',
            },
          ],
        },
      },
    });
    bearer = `Bearer ${generatedToken(gw)}`;
  });
  after(() => gw.close());
  const get = (query: string, auth: string | null = bearer) =>
    callAdmin(gw, 'GET', `/api/v1/audit${query}`, auth ?? undefined);

  it('needs the token', async () => {
    assert.equal((await get('', null)).status, 401);
    assert.equal((await get('', 'Bearer wrong-token-wrong-token-wrong-token')).status, 401);
  });

  it('json: the report of the running configuration and stores', async () => {
    const res = await get('');
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.equal(res.headers['cache-control'], 'no-store');
    const report = res.json<Report>();
    assert.equal(report.schema_version, 1);
    assert.equal(report.generated_at, new Date(gw.clock.now()).toISOString());
    assert.deepEqual(
      report.tenants.map((t) => t.tenant),
      [null, 'acme'],
    );
    assert.deepEqual(report.tenants[0]?.coverage, {
      users: 2,
      with_mfa: 0,
      privileged: 1,
      privileged_phishing_resistant: 0,
      apps: 2,
      apps_with_rule: 2,
    });
    const alice = report.findings.find((f) => f.id === 'no-second-factor' && f.subject === 'alice');
    assert.equal(alice?.severity, 'critical');
    assert.equal(alice?.location, 'config/users.yaml:2:3');
    assert.ok(!report.findings.some((f) => f.subject === 'dave'), 'disabled accounts are left out');
    assert.deepEqual(report.suppressed, [
      {
        id: 'privileged-not-phishing-resistant',
        severity: 'high',
        tenant: null,
        subject: 'alice',
        title: 'Privileged user without a phishing-resistant factor',
        detail: 'no second factor at all',
        location: 'config/users.yaml:2:3',
        remediation: report.suppressed[0]?.remediation,
        suppression: {
          reason: 'key on order',
          approved_by: 'MSP CISO',
          expires: '2026-02-01',
          at: 'config/gateway.yaml:26:7',
        },
      },
    ]);
    const bob = report.findings.find((f) => f.subject === 'bob');
    assert.deepEqual(bob?.suppression_expired, {
      reason: 'was on leave',
      approved_by: 'MSP CISO',
      expires: '2025-12-01',
      at: 'config/gateway.yaml:31:7',
    });

    const all = (await get('?tenant=&format=json')).json<Report>();
    assert.equal(all.tenants.length, 2, 'an empty tenant is every tenant');
    const acme = (await get('?tenant=acme&format=json')).json<Report>();
    assert.deepEqual(
      acme.tenants.map((t) => t.tenant),
      ['acme'],
    );
    assert.ok(acme.findings.every((f) => f.tenant === 'acme'));
  });

  it('html: the self-contained file', async () => {
    const res = await get('?format=html&tenant=acme');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(res.body, /^<!doctype html>/);
    assert.match(res.body, /<h1>Acme Corp<\/h1>/);
    assert.match(res.body, /prepared by Northwind IT/);
  });

  it('refuses a bad query and an unknown tenant', async () => {
    for (const q of ['?format=pdf', '?tenant=Not%20Valid', '?other=1', '?format=json&format=html']) {
      const res = await get(q);
      assert.equal(res.status, 400, q);
      assert.deepEqual(res.json(), { error: 'bad_request' }, q);
    }
    const unknown = await get('?tenant=initech');
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.json(), { error: 'unknown_tenant' });
  });

  it('a store that cannot be read is 503, never a report', async () => {
    await gw.runtime.durable.close();
    const res = await get('');
    assert.equal(res.status, 503);
    assert.deepEqual(res.json(), { error: 'store_unavailable' });
  });
});
