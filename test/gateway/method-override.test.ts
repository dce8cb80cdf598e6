import assert from 'node:assert/strict';
import { test } from 'node:test';
import WebSocket from 'ws';
import { ACME_POLICY, DEFAULT_POLICY, startTestGateway, type TestGateway } from '../helpers/gateway.ts';

/**
 * Method-override headers (Symfony, Laravel, Express's method-override, ASP.NET Core, Rack read
 * them as the method): a rule that denies DELETE cannot be passed by a POST that says DELETE.
 * Inline, they are removed in every spelling before the upstream sees the request; behind
 * forward-auth, where the proxy passes them on, the request is judged with the method they name
 * as well as its own.
 */

const POLICY = {
  rules: [
    { name: 'items-no-delete', hosts: ['app.test'], paths: ['/items/**'], methods: ['DELETE'], action: 'deny' },
    {
      name: 'items-write-needs-mfa',
      hosts: ['app.test'],
      paths: ['/items/**'],
      methods: ['PUT', 'PATCH'],
      action: 'authenticate',
      require: { level: 'mfa' },
    },
    ...DEFAULT_POLICY.rules,
  ],
};

/** Every spelling an upstream could read as one of the three headers. */
const SPELLINGS = [
  'X-HTTP-Method-Override',
  'x-http-method-override',
  'X_HTTP_METHOD_OVERRIDE',
  'X-HTTP_Method-Override',
  'x.http.method.override',
  'X-HTTP-Method',
  'X_HTTP_METHOD',
  'X-Method-Override',
  'x_method_override',
  'X.Method.Override',
];

/** Header names the upstream saw that an app could read as a method override. */
function overrideLike(headers: Record<string, unknown>): string[] {
  return Object.keys(headers).filter((k) =>
    /^x[-_.](?:http[-_.]method(?:[-_.]override)?|method[-_.]override)$/i.test(k),
  );
}

async function start(t: { after(fn: () => Promise<void>): void }, gateway?: Record<string, unknown>) {
  const gw = await startTestGateway({ gateway, policies: { '00-msp.yaml': POLICY, 'acme.yaml': ACME_POLICY } });
  t.after(() => gw.close());
  return gw;
}

test('inline: override headers never reach the upstream, whatever their spelling', async (t) => {
  const gw = await start(t);
  const alice = await gw.login('alice', 'app.test');

  await t.test('DELETE itself is denied (the rule works)', async () => {
    const before = gw.upstream.seen.length;
    const answer = await gw.send({
      method: 'DELETE',
      host: 'app.test',
      target: '/items/1',
      headers: { cookie: alice },
    });
    assert.equal(answer.status, 403);
    assert.equal(gw.upstream.seen.length, before);
  });

  /** [label, method, target, signed in] */
  const requests: [string, string, string, boolean][] = [
    ['POST that says DELETE', 'POST', '/items/1', true],
    ['POST that says DELETE, anonymous on an allow rule', 'GET', '/health', false],
  ];
  for (const [label, method, target, signedIn] of requests) {
    await t.test(label, async () => {
      for (const name of SPELLINGS) {
        const headers: Record<string, string> = { [name]: 'DELETE', ...(signedIn ? { cookie: alice } : {}) };
        const answer = await gw.send({ method, host: 'app.test', target, headers });
        assert.equal(answer.status, 200, `${name}: ${answer.body}`);
        const seen = gw.upstream.seen.at(-1);
        assert.equal(seen?.method, method, name);
        assert.deepEqual(overrideLike(seen?.headers ?? {}), [], `${name} reached the upstream`);
        for (const [k, v] of Object.entries(seen?.headers ?? {}))
          assert.notEqual(v, 'DELETE', `${name} survived as ${k}`);
      }
    });
  }

  await t.test('all spellings at once', async () => {
    const headers = Object.fromEntries(SPELLINGS.map((n) => [n, 'DELETE']));
    const answer = await gw.send({
      method: 'POST',
      host: 'app.test',
      target: '/items/1',
      headers: { ...headers, cookie: alice },
    });
    assert.equal(answer.status, 200, answer.body);
    assert.deepEqual(overrideLike(gw.upstream.seen.at(-1)?.headers ?? {}), []);
  });

  await t.test('a WebSocket upgrade loses them too', async (t) => {
    const headers = { host: 'app.test', cookie: alice, ...Object.fromEntries(SPELLINGS.map((n) => [n, 'DELETE'])) };
    const socket = new WebSocket(`ws://127.0.0.1:${gw.port}/items/ws`, { headers });
    t.after(() => socket.terminate());
    const handshake = await new Promise<{ headers: Record<string, unknown> }>((resolve, reject) => {
      socket.once('message', (data) => resolve(JSON.parse(data.toString())));
      socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      socket.once('error', reject);
    });
    assert.equal(handshake.headers['remote-user'], 'alice');
    assert.deepEqual(overrideLike(handshake.headers), []);
  });
});

/** What Traefik and Caddy send for a request to app.test, with the client's headers passed along. */
function authz(gw: TestGateway, method: string, uri: string, headers: Record<string, string | string[]>) {
  return gw.send({
    host: 'portcullis.internal',
    target: '/.portcullis/authz',
    headers: {
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'app.test',
      'x-forwarded-uri': uri,
      'x-forwarded-method': method,
      ...headers,
    },
  });
}

test('forward-auth: the method an override header names is judged too', async (t) => {
  const gw = await start(t, { server: { trusted_proxies: ['127.0.0.1/32'] } });
  const alice = await gw.login('alice', 'app.test');

  await t.test('POST that says DELETE is denied, in every spelling', async () => {
    assert.equal((await authz(gw, 'POST', '/items/1', { cookie: alice })).status, 200, 'a plain POST passes');
    assert.equal((await authz(gw, 'DELETE', '/items/1', { cookie: alice })).status, 403, 'DELETE is denied');
    for (const name of SPELLINGS) {
      for (const value of ['DELETE', 'delete', ' Delete ']) {
        const answer = await authz(gw, 'POST', '/items/1', { cookie: alice, [name]: value });
        assert.equal(answer.status, 403, `${name}: ${value}`);
        assert.equal(answer.json().error, 'access_denied', `${name}: ${value}`);
        assert.equal(answer.headers['remote-user'], undefined);
      }
    }
    const [denial] = await gw.runtime.durable.queryAudit({ event: 'access.deny' });
    assert.equal(denial?.rule, 'items-no-delete');
    assert.deepEqual([denial?.detail?.method, denial?.detail?.method_override], ['POST', 'DELETE']);
  });

  /** [label, described method, uri, override headers, signed in, status, error of a 403] */
  const cases: [string, string, string, Record<string, string | string[]>, boolean, number, string?][] = [
    ['POST that says PUT needs the level of PUT', 'POST', '/items/1', { 'X-HTTP-Method': 'PUT' }, true, 401],
    ['a GET that says POST is judged as POST too', 'GET', '/health', { 'X-HTTP-Method-Override': 'POST' }, false, 401],
    [
      'a POST that says GET is still judged as POST (an upstream may ignore the header)',
      'POST',
      '/health',
      { 'X-HTTP-Method-Override': 'GET' },
      false,
      401,
    ],
    ['naming its own method changes nothing', 'GET', '/health', { 'x-http-method-override': 'get' }, false, 200],
    [
      'two headers naming the same method',
      'POST',
      '/x',
      { 'X-HTTP-Method': 'PATCH', x_method_override: 'patch' },
      true,
      200,
    ],
    [
      'two headers naming different methods',
      'POST',
      '/x',
      { 'X-HTTP-Method-Override': 'PATCH', 'X-Method-Override': 'PUT' },
      true,
      403,
      'bad_request',
    ],
    [
      'one header naming two methods',
      'POST',
      '/x',
      { 'X-HTTP-Method-Override': 'PATCH, PUT' },
      true,
      403,
      'bad_request',
    ],
    [
      'a repeated header naming two methods',
      'POST',
      '/x',
      { 'X-HTTP-Method-Override': ['PATCH', 'PUT'] },
      true,
      403,
      'bad_request',
    ],
    ['not a method', 'POST', '/x', { 'X-HTTP-Method-Override': 'DEL ETE' }, true, 403, 'bad_request'],
    ['an empty override', 'POST', '/x', { 'x-http-method': '' }, true, 403, 'bad_request'],
  ];
  for (const [label, method, uri, headers, signedIn, status, error] of cases) {
    await t.test(label, async () => {
      const answer = await authz(gw, method, uri, { ...headers, ...(signedIn ? { cookie: alice } : {}) });
      assert.equal(answer.status, status, answer.body);
      if (status === 403) assert.equal(answer.json().error, error);
      if (status === 401) {
        assert.match(
          String(answer.headers.location),
          signedIn ? /\/\.portcullis\/stepup\?/ : /\/\.portcullis\/login\?/,
        );
      }
      // a 200 always carries every identity header (empty without a user), so a proxy copies no stale value
      assert.equal(answer.headers['remote-user'], status === 200 ? (signedIn ? 'alice' : '') : undefined);
    });
  }
  assert.equal(gw.upstream.seen.length, 0, 'forward-auth never proxies');
});
