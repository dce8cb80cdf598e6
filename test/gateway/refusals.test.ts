/**
 * Refusals that help: the access-denied page names who is signed in and the app and offers to sign
 * out or switch account; every refusal (403, 404, 400, 502, 503) is branded for the app's tenant,
 * names whom to ask (branding.support) and shows a request id that is the reqId of the request's
 * log lines and the request_id of its audit row. JSON answers carry the same request_id.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ACME_POLICY, DEFAULT_POLICY, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import type { Answer } from '../helpers/http.ts';
import { requireRedisServer, startPrivateRedis } from '../helpers/redis-server.ts';

const HTML = { accept: 'text/html,application/xhtml+xml' };
const FORM = 'application/x-www-form-urlencoded';

const MSP_SUPPORT = { url: 'https://help.msp.example/desk', email: 'help@msp.example', phone: '+49 (30) 1234-5678' };
const ACME_SUPPORT = { email: 'it@acme.example' };
const BRANDING = {
  name: 'Example MSP',
  support: MSP_SUPPORT,
  tenants: { acme: { name: 'Acme Corp', support: ACME_SUPPORT } },
};

/** How each brand shows on a page: its name, and its help desk links. */
const MSP = {
  name: 'Example MSP',
  links: [
    /<a href="https:\/\/help\.msp\.example\/desk" rel="noopener noreferrer">help desk<\/a>/,
    /<a href="mailto:help@msp\.example">help@msp\.example<\/a>/,
    /<a href="tel:\+493012345678">\+49 \(30\) 1234-5678<\/a>/,
  ],
};
const ACME = { name: 'Acme Corp', links: [/<a href="mailto:it@acme\.example">it@acme\.example<\/a>/] };

const ACME_WITH_CLOSED = {
  tenant: 'acme',
  rules: [
    { name: 'acme-closed', hosts: ['acme.test'], paths: ['/closed/**'], action: 'deny' },
    ...ACME_POLICY.rules,
    { name: 'acme-dead-open', hosts: ['dead.acme.test'], action: 'allow' },
  ],
};

const ID = /^[a-km-np-z2-9]{10}$/;

/** The reference a page shows. */
function referenceOf(answer: Answer): string {
  const id = /<p class="reference">Reference: ([^<]*)<\/p>/.exec(answer.body)?.[1];
  assert.ok(id !== undefined, `no reference on the page: ${answer.body.slice(0, 300)}`);
  assert.match(id, ID);
  return id;
}

const logs: string[] = [];
/** The log lines of one request (its reqId). */
const linesOf = (id: string) =>
  logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.reqId === id || hasRequestId(l, id));
const hasRequestId = (line: Record<string, unknown>, id: string) => line.request_id === id;

async function auditRowOf(gw: TestGateway, id: string) {
  await gw.runtime.audit.flush();
  return (await gw.runtime.durable.queryAudit({})).find((r) => r.requestId === id);
}

/** The page is the brand's: its name on top, its help desk, nothing of the other brand. */
function assertBrand(answer: Answer, brand: typeof MSP, other: typeof MSP, label: string) {
  assert.match(answer.body, new RegExp(`<p class="brand">${brand.name}</p>`), label);
  for (const link of brand.links) assert.match(answer.body, link, label);
  assert.doesNotMatch(answer.body, new RegExp(other.name), label);
  for (const link of other.links) assert.doesNotMatch(answer.body, link, label);
}

let gw: TestGateway;
let alice: string;
let carol: string;
before(async () => {
  gw = await startTestGateway({
    gateway: { branding: BRANDING },
    apps: [
      { name: 'dead', tenant: 'acme', host: 'dead.acme.test', upstream: 'http://127.0.0.1:1' },
      { name: 'down', host: 'down.test', upstream: 'http://127.0.0.1:1' },
    ],
    policies: {
      '00-msp.yaml': {
        rules: [{ name: 'down-open', hosts: ['down.test'], action: 'allow' }, ...DEFAULT_POLICY.rules],
      },
      'acme.yaml': ACME_WITH_CLOSED,
    },
    logs,
  });
  alice = await gw.cookieFor(await gw.login('alice'), 'app.test');
  carol = await gw.login('carol', 'acme.test');
});
after(() => gw.close());

describe('access denied', () => {
  test('the page names who is signed in and the app, offers sign out and switch account, and the reference is in the log and the audit row', async () => {
    const page = await gw.send({
      host: 'app.test',
      target: '/blocked/report?x=1',
      headers: { ...HTML, cookie: alice },
    });
    assert.equal(page.status, 403);
    assert.match(String(page.headers['content-security-policy']), /form-action 'self'/);
    assert.match(page.body, /<h1>Access denied<\/h1>/);
    assert.match(page.body, /<p class="who">Signed in as Alice Admin \(alice\)\.<\/p>/);
    assert.match(page.body, /<p>Application: app<\/p>/);
    const forms = [...page.body.matchAll(/<form method="post" action="\/\.portcullis\/logout">([\s\S]*?)<\/form>/g)];
    assert.equal(forms.length, 2, 'sign out, and sign in as someone else');
    assert.match(forms[0]?.[1] ?? '', /<button type="submit">Sign out<\/button>/);
    assert.match(forms[1]?.[1] ?? '', /name="rd" value="http:\/\/app\.test\/blocked\/report\?x=1"/);
    assert.match(forms[1]?.[1] ?? '', /Sign in as someone else/);
    assertBrand(page, MSP, ACME, 'an MSP app');

    const id = referenceOf(page);
    const row = await auditRowOf(gw, id);
    assert.equal(row?.event, 'access.deny');
    assert.equal(row?.user, 'alice');
    assert.equal(row?.app, 'app');
    const lines = linesOf(id);
    assert.ok(
      lines.some((l) => l.msg === 'request refused' && l.status === 403 && l.error === 'access_denied'),
      'the refusal is logged with the request id',
    );
    assert.ok(
      lines.some((l) => l.msg === 'access.deny' && hasRequestId(l, id)),
      'the audit log line carries it too',
    );
  });

  test("a client's user sees the client's name and help desk", async () => {
    const page = await gw.send({ host: 'acme.test', target: '/closed/x', headers: { ...HTML, cookie: carol } });
    assert.equal(page.status, 403);
    assert.match(page.body, /Signed in as Carol Client \(carol\)/);
    assert.match(page.body, /Application: acme/);
    assertBrand(page, ACME, MSP, 'a tenant app');
    assert.equal((await auditRowOf(gw, referenceOf(page)))?.tenant, 'acme');
  });

  test('a page address too long for rd: switching account comes back to the home page', async () => {
    const target = `/blocked/${'x'.repeat(4100)}`;
    const page = await gw.send({ host: 'app.test', target, headers: { ...HTML, cookie: alice } });
    assert.equal(page.status, 403);
    assert.match(page.body, /name="rd" value="http:\/\/app\.test\/"/);
  });

  test('nobody signed in: no name, a way to sign in and come back', async () => {
    const page = await gw.send({ host: 'app.test', target: '/blocked/x', headers: HTML });
    assert.equal(page.status, 403);
    assert.doesNotMatch(page.body, /Signed in as|\/\.portcullis\/logout/);
    assert.match(
      page.body,
      /<a class="button" href="\/\.portcullis\/login\?rd=http%3A%2F%2Fapp\.test%2Fblocked%2Fx">Sign in<\/a>/,
    );
    assert.equal((await auditRowOf(gw, referenceOf(page)))?.user, null);
  });

  test('JSON keeps error and message and adds request_id, the one in the audit row', async () => {
    const answer = await gw.send({ host: 'app.test', target: '/blocked/x', headers: { cookie: alice } });
    assert.equal(answer.status, 403);
    const body = answer.json<{ error: string; message: string; request_id: string }>();
    assert.equal(body.error, 'access_denied');
    assert.equal(body.message, 'You do not have access to this page.');
    assert.match(body.request_id, ID);
    assert.equal((await auditRowOf(gw, body.request_id))?.event, 'access.deny');
  });

  test('every request gets its own id, never one the client names', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const answer = await gw.send({ host: 'app.test', target: '/blocked/x', headers: { 'x-request-id': 'chosen' } });
      ids.add(answer.json<{ request_id: string }>().request_id);
    }
    assert.equal(ids.size, 5);
    assert.ok(![...ids].includes('chosen'));
  });

  test('a challenge is audited with its request id too', async () => {
    const before = logs.length;
    const answer = await gw.send({ host: 'app.test', target: '/admin/x', headers: HTML });
    assert.equal(answer.status, 302);
    const line = logs
      .slice(before)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === 'access.challenge');
    const id = typeof line?.request_id === 'string' ? line.request_id : '';
    assert.match(id, ID);
    assert.equal((await auditRowOf(gw, id))?.event, 'access.challenge');
  });
});

describe('sign out and switch account from the refusal page', () => {
  const logout = (cookie: string, fields: Record<string, string>, origin = 'http://app.test') =>
    gw.send({
      method: 'POST',
      host: 'app.test',
      target: '/.portcullis/logout',
      headers: { cookie, 'content-type': FORM, origin },
      body: new URLSearchParams(fields).toString(),
    });
  const rows: [label: string, fields: Record<string, string>, status: number, location: string | undefined][] = [
    [
      'sign in as someone else: signed out, then the sign-in page for this page',
      { rd: 'http://app.test/blocked/report?x=1' },
      303,
      `/.portcullis/login?rd=${encodeURIComponent('http://app.test/blocked/report?x=1')}`,
    ],
    ['sign out: the signed-out page', {}, 200, undefined],
    ['an rd this gateway does not serve: signed out, no redirect', { rd: 'https://evil.example/' }, 200, undefined],
  ];
  for (const [label, fields, status, location] of rows) {
    test(label, async () => {
      const cookie = await gw.cookieFor(await gw.login('bob'), 'app.test');
      assert.equal((await gw.send({ host: 'app.test', target: '/x', headers: { cookie } })).status, 200);
      const answer = await logout(cookie, fields);
      assert.equal(answer.status, status, answer.body);
      assert.equal(answer.headers.location, location);
      if (status === 200) assert.match(answer.body, /You are signed out/);
      assert.equal((await gw.send({ host: 'app.test', target: '/x', headers: { cookie } })).status, 401, 'signed out');
    });
  }
  test('from another origin: refused, still signed in', async () => {
    const cookie = await gw.cookieFor(await gw.login('bob'), 'app.test');
    const answer = await logout(cookie, { rd: 'http://app.test/' }, 'https://evil.example');
    assert.equal(answer.status, 403);
    assert.equal((await gw.send({ host: 'app.test', target: '/x', headers: { cookie } })).status, 200);
  });
  test('an unknown field is refused', async () => {
    const cookie = await gw.cookieFor(await gw.login('bob'), 'app.test');
    assert.equal((await logout(cookie, { rd: 'http://app.test/', extra: '1' })).status, 400);
  });
});

describe('error pages carry the branding of the app, the reference and the help desk; no upstream detail', () => {
  const rows: [
    label: string,
    host: string,
    target: string,
    status: number,
    error: string,
    brand: typeof MSP,
    other: typeof MSP,
  ][] = [
    ['an unknown host', 'nowhere.test', '/x', 404, 'unknown_host', MSP, ACME],
    ['the portal host outside the portal', 'portal.test', '/nope', 404, 'not_found', MSP, ACME],
    ["an unknown portal page on a client's host", 'acme.test', '/.portcullis/nope', 404, 'not_found', ACME, MSP],
    ['an unknown portal page on an MSP host', 'app.test', '/.portcullis/nope', 404, 'not_found', MSP, ACME],
    ["a refused path on a client's host", 'acme.test', '/a%2fb', 400, 'bad_path', ACME, MSP],
    ["a client's app that does not answer", 'dead.acme.test', '/x', 502, 'bad_gateway', ACME, MSP],
    ["an MSP's app that does not answer", 'down.test', '/x', 502, 'bad_gateway', MSP, ACME],
  ];
  for (const [label, host, target, status, error, brand, other] of rows) {
    test(label, async () => {
      const page = await gw.send({ host, target, headers: HTML });
      assert.equal(page.status, status, page.body);
      assert.match(String(page.headers['content-type']), /^text\/html/);
      assert.match(String(page.headers['content-security-policy']), /default-src 'none'/);
      assertBrand(page, brand, other, label);
      assert.doesNotMatch(page.body, /127\.0\.0\.1|ECONNREFUSED|undici|stack/i);
      const id = referenceOf(page);
      assert.ok(
        linesOf(id).some((l) => l.msg === 'request refused' && l.status === status && l.error === error),
        `${label}: logged with its reference`,
      );

      const json = await gw.send({ host, target });
      assert.equal(json.status, status);
      const body = json.json<{ error: string; message: string; request_id: string }>();
      assert.equal(body.error, error);
      assert.match(body.request_id, ID);
      assert.doesNotMatch(json.body, /127\.0\.0\.1|ECONNREFUSED|undici|stack/i);
    });
  }

  test('a 502 is logged with the upstream error under the same reference (the page has none of it)', async () => {
    const page = await gw.send({ host: 'dead.acme.test', target: '/x', headers: HTML });
    const lines = linesOf(referenceOf(page));
    assert.ok(lines.some((l) => l.msg === 'upstream error' && l.app === 'dead'));
  });

  test('a path the HTTP parser refuses gets the MSP brand and a reference', async () => {
    const page = await gw.send({ host: 'acme.test', target: '/%', headers: HTML });
    assert.equal(page.status, 400);
    assertBrand(page, MSP, ACME, 'before the host is known');
    referenceOf(page);
  });
});

test('a request body that fails its schema: 400 bad_request with request_id', async () => {
  const answer = await gw.send({
    method: 'POST',
    host: 'portal.test',
    target: '/.portcullis/api/login',
    headers: { 'content-type': 'application/json', origin: 'http://portal.test' },
    body: JSON.stringify({ username: 'alice', password: 'x', extra: 1 }),
  });
  assert.equal(answer.status, 400);
  const body = answer.json<{ error: string; request_id: string }>();
  assert.equal(body.error, 'bad_request');
  assert.match(body.request_id, ID);
});

test('a store that is down: 503 branded for the app, with a reference', async (t) => {
  if (!(await requireRedisServer(t))) return;
  const redis = await startPrivateRedis();
  t.after(() => redis.stop());
  const lines: string[] = [];
  const down = await startTestGateway({
    gateway: { branding: BRANDING, stores: { durable: 'sqlite:../data/test.db', ephemeral: redis.url } },
    logs: lines,
  });
  t.after(() => down.close());
  const cookie = await down.login('carol', 'acme.test');
  await redis.stop();
  const page = await down.send({ host: 'acme.test', target: '/x', headers: { ...HTML, cookie } });
  assert.equal(page.status, 503);
  assertBrand(page, ACME, MSP, 'a client app while Redis is down');
  const id = referenceOf(page);
  assert.ok(
    lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .some((l) => l.reqId === id && l.msg === 'session store unavailable'),
  );
  const json = await down.send({ host: 'acme.test', target: '/x', headers: { cookie } });
  assert.equal(json.status, 503);
  assert.match(json.json<{ request_id: string }>().request_id, ID);
});
