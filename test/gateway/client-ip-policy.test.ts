/**
 * The client IP through a real gateway, as a `networks` condition and the audit trail see it: the office
 * network may pass without signing in, everyone else is asked to. Requests come from loopback, a trusted
 * proxy or not depending on `server.trusted_proxies`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import type { Answer } from '../helpers/http.ts';

const POLICY = {
  networks: { office: ['203.0.113.0/24', '2001:db8:ace::/48'] },
  rules: [
    { name: 'office-open', hosts: ['app.test'], when: { networks: ['office'] }, action: 'allow' },
    { name: 'everyone-signs-in', hosts: ['app.test'], action: 'authenticate', require: { level: 'password' } },
  ],
};

function start(trustedProxies: string[]): Promise<TestGateway> {
  return startTestGateway({
    gateway: { server: { trusted_proxies: trustedProxies } },
    policies: { '00-office.yaml': POLICY },
  });
}

/** A request to app.test; `path` tells the audit rows apart. */
function get(gw: TestGateway, path: string, headers: Record<string, string | string[]>): Promise<Answer> {
  return gw.send({ host: 'app.test', target: path, headers });
}

/** The client IP of each `access.challenge` row, by request path. */
async function challengedIps(gw: TestGateway): Promise<Map<string, string | null>> {
  await gw.runtime.audit.flush();
  const rows = await gw.runtime.durable.queryAudit({ event: 'access.challenge', limit: 1000 });
  return new Map(rows.map((row) => [String(row.detail?.path), row.ip]));
}

/** Sent to a gateway that must not believe any of them: none makes the request come from the office. */
const OFFICE_CLAIMS: [name: string, headers: Record<string, string | string[]>][] = [
  ['x-forwarded-for IPv4', { 'x-forwarded-for': '203.0.113.9' }],
  ['x-forwarded-for IPv4-mapped', { 'x-forwarded-for': '::ffff:203.0.113.9' }],
  ['x-forwarded-for IPv6', { 'x-forwarded-for': '2001:db8:ace::5' }],
  ['x-forwarded-for chain', { 'x-forwarded-for': '203.0.113.9, 203.0.113.10' }],
  ['x-forwarded-for repeated', { 'x-forwarded-for': ['203.0.113.9', '203.0.113.10'] }],
  ['forwarded', { forwarded: 'for=203.0.113.9' }],
  ['x-real-ip', { 'x-real-ip': '203.0.113.9' }],
];

describe('client IP and the networks condition, end to end', () => {
  it('loopback is not a trusted proxy: a spoofed X-Forwarded-For is not believed', async (t) => {
    const gw = await start([]);
    t.after(() => gw.close());
    for (const [i, [name, headers]] of OFFICE_CLAIMS.entries()) {
      const answer = await get(gw, `/spoof/${i}`, headers);
      assert.equal(answer.status, 401, name);
      assert.equal(answer.json().error, 'authentication_required', name);
    }
    assert.equal(gw.upstream.seen.length, 0, 'nothing reached the upstream');
    const ips = await challengedIps(gw);
    for (const [i, [name]] of OFFICE_CLAIMS.entries()) assert.equal(ips.get(`/spoof/${i}`), '127.0.0.1', name);
  });

  it('loopback is not a trusted proxy: a failed sign-in is audited with the peer address', async (t) => {
    const gw = await start([]);
    t.after(() => gw.close());
    const answer = await gw.send({
      method: 'POST',
      host: 'portal.test',
      target: '/.portcullis/api/login',
      headers: { 'content-type': 'application/json', origin: 'http://portal.test', 'x-forwarded-for': '203.0.113.9' },
      body: JSON.stringify({ username: 'nobody', password: 'wrong' }),
    });
    assert.equal(answer.status, 401);
    await gw.runtime.audit.flush();
    const rows = await gw.runtime.durable.queryAudit({ event: 'login.failure' });
    assert.deepEqual(
      rows.map((row) => [row.user, row.ip]),
      [['nobody', '127.0.0.1']],
    );
  });

  it('loopback is a trusted proxy: the forwarded client is judged', async (t) => {
    const gw = await start(['127.0.0.1/32']);
    t.after(() => gw.close());

    /** [name, headers, passes without sign-in, the IP a challenge is audited with] */
    const cases: [string, Record<string, string | string[]>, boolean, string | null][] = [
      ['office IPv4', { 'x-forwarded-for': '203.0.113.9' }, true, null],
      ['office IPv4-mapped', { 'x-forwarded-for': '::ffff:203.0.113.9' }, true, null],
      ['office IPv4-mapped, hex', { 'x-forwarded-for': '::FFFF:CB00:7109' }, true, null],
      ['office IPv6, upper case', { 'x-forwarded-for': '2001:DB8:ACE::5' }, true, null],
      ['office behind a trusted hop', { 'x-forwarded-for': '203.0.113.9, 127.0.0.1' }, true, null],
      [
        'client-written office left of the real client',
        { 'x-forwarded-for': '203.0.113.9, 198.51.100.7' },
        false,
        '198.51.100.7',
      ],
      ['outsider IPv6', { 'x-forwarded-for': '2001:db8:bad::1' }, false, '2001:db8:bad::1'],
      ['outsider IPv4-mapped', { 'x-forwarded-for': '::ffff:198.51.100.7' }, false, '198.51.100.7'],
      ['repeated headers, office last', { 'x-forwarded-for': ['198.51.100.7', '203.0.113.9'] }, true, null],
      ['repeated headers, office first', { 'x-forwarded-for': ['203.0.113.9', '198.51.100.7'] }, false, '198.51.100.7'],
      ['whitespace and empty elements', { 'x-forwarded-for': ' ,203.0.113.9 ,, ' }, true, null],
      ['no header: loopback itself', {}, false, '127.0.0.1'],
      ['Forwarded is not read', { forwarded: 'for=203.0.113.9' }, false, '127.0.0.1'],
      ['X-Real-IP is not read', { 'x-real-ip': '203.0.113.9' }, false, '127.0.0.1'],
    ];
    // an unparsable right-most value stops the walk at loopback: the office address left of it is not reached
    for (const bad of [
      'unknown',
      '_hidden',
      '1.2.3',
      '300.1.1.1',
      '203.0.113.9:443',
      '[2001:db8:ace::5]:443',
      '2001:db8:ace::5%eth0',
      '203.0.113.09',
      '0xcb.0.113.9',
      '3405803785',
      '203.0.28937',
      '203.0.113.0/24',
      'x'.repeat(4000),
    ]) {
      cases.push([`unparsable ${bad.slice(0, 30)}`, { 'x-forwarded-for': `203.0.113.9, ${bad}` }, false, '127.0.0.1']);
    }

    for (const [i, [name, headers, passes]] of cases.entries()) {
      const before = gw.upstream.seen.length;
      const answer = await get(gw, `/case/${i}`, headers);
      if (passes) {
        assert.equal(answer.status, 200, name);
        assert.equal(answer.headers['x-upstream'], 'yes', name);
        assert.equal(gw.upstream.seen.length, before + 1, name);
      } else {
        assert.equal(answer.status, 401, name);
        assert.equal(gw.upstream.seen.length, before, name);
      }
    }

    const ips = await challengedIps(gw);
    for (const [i, [name, , passes, ip]] of cases.entries()) {
      assert.equal(ips.has(`/case/${i}`), !passes, name);
      if (!passes) assert.equal(ips.get(`/case/${i}`), ip, name);
    }
  });

  it('loopback is a trusted proxy: the upstream sees the chain with the peer appended', async (t) => {
    const gw = await start(['127.0.0.1/32']);
    t.after(() => gw.close());
    const answer = await get(gw, '/x', { 'x-forwarded-for': ['198.51.100.1', '::ffff:203.0.113.9'] });
    assert.equal(answer.status, 200);
    const seen = answer.json<{ headers: Record<string, string> }>();
    assert.equal(seen.headers['x-forwarded-for'], '198.51.100.1, ::ffff:203.0.113.9, 127.0.0.1');
  });

  it('forward-auth judges the client the trusted proxy forwards', async (t) => {
    const gw = await start(['127.0.0.1/32']);
    t.after(() => gw.close());
    /** [X-Forwarded-For, status, the IP a challenge is audited with] */
    const cases: [string, number, string | null][] = [
      ['203.0.113.9', 200, null],
      ['198.51.100.1, ::ffff:203.0.113.9', 200, null],
      ['203.0.113.9, 198.51.100.7', 401, '198.51.100.7'],
      ['203.0.113.9, unknown', 401, '127.0.0.1'],
      ['203.0.113.9, 203.0.113.9:80', 401, '127.0.0.1'],
    ];
    for (const [i, [xff, status]] of cases.entries()) {
      const answer = await gw.send({
        host: 'portcullis.internal:8080',
        target: '/.portcullis/authz',
        headers: { 'x-original-url': `http://app.test/fa/${i}`, 'x-forwarded-for': xff },
      });
      assert.equal(answer.status, status, xff);
    }
    const ips = await challengedIps(gw);
    assert.deepEqual(
      [...ips.entries()].sort(),
      cases.flatMap(([, , ip], i) => (ip === null ? [] : [[`/fa/${i}`, ip]])),
    );
  });
});
