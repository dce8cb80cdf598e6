import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLocalJWKSet, decodeJwt, type JSONWebKeySet, jwtVerify } from 'jose';
import { ACME_POLICY, DEFAULT_POLICY, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import type { Answer } from '../helpers/http.ts';

/** What the echo upstream answers: the request it saw. */
interface Echo {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

const HTML = { accept: 'text/html,application/xhtml+xml' };
const IDENTITY = ['remote-user', 'remote-groups', 'remote-email', 'remote-name', 'x-portcullis-assertion'];

function echo(answer: Answer): Echo {
  assert.equal(answer.headers['x-upstream'], 'yes', `not an upstream answer: ${answer.status} ${answer.body}`);
  return answer.json<Echo>();
}

/** Header names the upstream saw that look like identity (Remote-*, X-Portcullis-*, any spelling). */
function identityLike(headers: Echo['headers']): string[] {
  return Object.keys(headers)
    .filter((k) => /^(remote|x[-_.]portcullis)[-_.]/i.test(k))
    .sort();
}

/** Asserts the request reached no upstream. */
async function notProxied(gw: TestGateway, run: () => Promise<Answer>): Promise<Answer> {
  const before = gw.upstream.seen.length;
  const answer = await run();
  assert.equal(gw.upstream.seen.length, before, `reached the upstream: ${answer.status} ${answer.body}`);
  assert.notEqual(answer.headers['x-upstream'], 'yes');
  return answer;
}

async function jwks(gw: TestGateway) {
  const answer = await gw.send({ host: 'portal.test', target: '/.portcullis/jwks.json' });
  assert.equal(answer.status, 200, answer.body);
  return createLocalJWKSet(answer.json<JSONWebKeySet>());
}

test('host routing: unknown host, wildcard host, bare wildcard parent', async (t) => {
  const gw = await startTestGateway();
  t.after(() => gw.close());
  const cookie = await gw.login('alice');

  await t.test('an unknown host is 404 and nothing is proxied', async () => {
    for (const host of ['nowhere.test', 'app.test.evil', 'evil.app.test']) {
      const answer = await notProxied(gw, () => gw.send({ host, target: '/x', headers: { cookie } }));
      assert.equal(answer.status, 404, host);
      assert.equal(answer.json().error, 'unknown_host', host);
    }
  });

  await t.test('a wildcard host routes to the wildcard app', async () => {
    const rows: [host: string, forwardedHost: string][] = [
      ['x.wild.test', 'x.wild.test'],
      ['X.WILD.TEST.', 'x.wild.test'],
      ['x.wild.test:8080', 'x.wild.test:8080'],
      ['a.b.wild.test', 'a.b.wild.test'],
    ];
    for (const [host, forwardedHost] of rows) {
      const seen = echo(await gw.send({ host, target: '/w', headers: { cookie: await gw.cookieFor(cookie, host) } }));
      assert.equal(seen.url, '/w', host);
      assert.equal(seen.headers['remote-user'], 'alice', host);
      assert.equal(seen.headers['x-forwarded-host'], forwardedHost, host);
      assert.equal(decodeJwt(String(seen.headers['x-portcullis-assertion'])).aud, 'wild', host);
    }
  });

  await t.test('the bare parent of a wildcard is not served', async () => {
    const answer = await notProxied(gw, () => gw.send({ host: 'wild.test', target: '/w', headers: { cookie } }));
    assert.equal(answer.status, 404);
  });
});

test('anonymous requests are challenged, never proxied', async (t) => {
  const gw = await startTestGateway();
  t.after(() => gw.close());

  await t.test('browser GET -> 302 to the login page with the original URL', async () => {
    const answer = await notProxied(gw, () =>
      gw.send({ host: 'app.test', target: '/reports/q?id=7&x=%2F', headers: HTML }),
    );
    assert.equal(answer.status, 302);
    assert.equal(
      answer.headers.location,
      `http://portal.test/.portcullis/login?rd=${encodeURIComponent('http://app.test/reports/q?id=7&x=%2F')}`,
    );
  });

  await t.test('API request -> 401 JSON with login_url', async () => {
    const rows: [method: string, headers: Record<string, string>][] = [
      ['GET', {}],
      ['GET', { accept: 'application/json' }],
      ['POST', { ...HTML, 'content-type': 'application/json' }],
    ];
    for (const [method, headers] of rows) {
      const answer = await notProxied(gw, () =>
        gw.send({
          method,
          host: 'app.test',
          target: '/api/things',
          headers,
          ...(method === 'POST' ? { body: '{}' } : {}),
        }),
      );
      assert.equal(answer.status, 401, method);
      assert.deepEqual(answer.json(), {
        error: 'authentication_required',
        login_url: `http://portal.test/.portcullis/login?rd=${encodeURIComponent('http://app.test/api/things')}`,
      });
    }
  });
});

test('policy outcomes: allow, deny, signed-in identity, step-up', async (t) => {
  const gw = await startTestGateway();
  t.after(() => gw.close());
  const alice = await gw.login('alice', 'app.test');

  await t.test('an allow rule is proxied without identity headers, signed in or not', async () => {
    for (const cookie of [undefined, alice]) {
      const seen = echo(await gw.send({ host: 'app.test', target: '/health', headers: cookie ? { cookie } : {} }));
      assert.equal(seen.url, '/health');
      assert.deepEqual(identityLike(seen.headers), []);
      assert.equal(seen.headers.cookie, undefined, 'the session cookie is not forwarded either');
    }
  });

  await t.test('a deny rule -> 403 JSON, or an HTML page for browsers; nothing proxied', async () => {
    for (const cookie of [undefined, alice]) {
      const json = await notProxied(gw, () =>
        gw.send({ host: 'app.test', target: '/blocked/x', headers: cookie ? { cookie } : {} }),
      );
      assert.equal(json.status, 403);
      assert.equal(json.json().error, 'access_denied');
      const page = await notProxied(gw, () =>
        gw.send({ host: 'app.test', target: '/blocked/x', headers: { ...HTML, ...(cookie ? { cookie } : {}) } }),
      );
      assert.equal(page.status, 403);
      assert.match(String(page.headers['content-type']), /^text\/html/);
      assert.match(page.body, /<html/i);
    }
  });

  await t.test('signed-in alice reaches the upstream with her identity', async () => {
    const seen = echo(await gw.send({ host: 'app.test', target: '/x', headers: { cookie: alice } }));
    assert.equal(seen.headers['remote-user'], 'alice');
    assert.equal(seen.headers['remote-groups'], 'msp-admins');
    assert.equal(seen.headers['remote-email'], 'alice@msp.example');
    assert.equal(seen.headers['remote-name'], 'Alice Admin');
    assert.deepEqual(identityLike(seen.headers), IDENTITY.slice().sort());
  });

  await t.test('the assertion verifies against the published JWKS', async () => {
    const seen = echo(await gw.send({ host: 'app.test', target: '/x', headers: { cookie: alice } }));
    const token = String(seen.headers['x-portcullis-assertion']);
    const { payload, protectedHeader } = await jwtVerify(token, await jwks(gw), {
      issuer: 'http://portal.test',
      audience: 'app',
      algorithms: ['ES256'],
      currentDate: new Date(gw.clock.now()),
    });
    assert.equal(protectedHeader.alg, 'ES256');
    assert.equal(payload.sub, 'alice');
    assert.equal(payload.email, 'alice@msp.example');
    assert.deepEqual(payload.groups, ['msp-admins']);
    assert.equal(payload.tenant, null);
    assert.deepEqual(payload.amr, ['pwd']);
    assert.equal(payload.auth_time, Math.floor(gw.clock.now() / 1000));
    assert.ok(typeof payload.exp === 'number' && typeof payload.iat === 'number');
    assert.ok(Math.abs(payload.exp - payload.iat - 120) <= 1, `lifetime ${payload.exp - payload.iat}`);
  });

  await t.test('a tampered assertion fails verification', async () => {
    const seen = echo(await gw.send({ host: 'app.test', target: '/x', headers: { cookie: alice } }));
    const [h, p, s] = String(seen.headers['x-portcullis-assertion']).split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'mallory' })).toString('base64url');
    const flipped = `${s.slice(0, -2)}${s.endsWith('AA') ? 'BB' : 'AA'}`;
    const keys = await jwks(gw);
    const options = { issuer: 'http://portal.test', audience: 'app', currentDate: new Date(gw.clock.now()) };
    for (const token of [`${h}.${forged}.${s}`, `${h}.${p}.${flipped}`]) {
      await assert.rejects(jwtVerify(token, keys, options));
    }
    // and the genuine one is only good for its own audience
    await assert.rejects(jwtVerify(`${h}.${p}.${s}`, keys, { ...options, audience: 'acme' }));
  });

  await t.test('the mfa rule challenges a password-only session, which is kept', async () => {
    const rd = encodeURIComponent('http://app.test/admin/users?page=2');
    const stepup = `http://portal.test/.portcullis/stepup?rd=${rd}`;
    const browser = await notProxied(gw, () =>
      gw.send({ host: 'app.test', target: '/admin/users?page=2', headers: { ...HTML, cookie: alice } }),
    );
    assert.equal(browser.status, 302);
    assert.equal(browser.headers.location, stepup);
    const api = await notProxied(gw, () =>
      gw.send({ host: 'app.test', target: '/admin/users?page=2', headers: { cookie: alice } }),
    );
    assert.equal(api.status, 401);
    assert.deepEqual(api.json(), { error: 'authentication_required', login_url: stepup, level: 'mfa' });
    for (const answer of [browser, api]) {
      assert.deepEqual(answer.cookies, [], 'the challenge does not touch the session cookie');
    }
    const after = echo(await gw.send({ host: 'app.test', target: '/x', headers: { cookie: alice } }));
    assert.equal(after.headers['remote-user'], 'alice');
  });
});

test('spoofed identity headers are removed in every spelling', async (t) => {
  const gw = await startTestGateway();
  t.after(() => gw.close());
  const alice = await gw.login('alice', 'app.test');
  const spellings = [
    'Remote-User',
    'REMOTE-USER',
    'remote_user',
    'Remote.User',
    'REMOTE_GROUPS',
    'Remote-Email',
    'remote.name',
    'X-Portcullis-Assertion',
    'x_portcullis_assertion',
    'x_portcullis_whatever',
    'X.Portcullis.Other',
    'Remote-Anything',
    'remote_anything_else',
  ];

  for (const [label, target, cookie] of [
    ['signed-in request', '/x', alice],
    ['allow-rule request, anonymous', '/health', undefined],
    ['allow-rule request, signed in', '/health', alice],
  ] as const) {
    await t.test(label, async () => {
      for (const name of spellings) {
        const headers: Record<string, string> = { [name]: 'mallory', ...(cookie ? { cookie } : {}) };
        const seen = echo(await gw.send({ host: 'app.test', target, headers }));
        const expected = target === '/x' ? IDENTITY.slice().sort() : [];
        assert.deepEqual(identityLike(seen.headers), expected, name);
        for (const [k, v] of Object.entries(seen.headers)) {
          if (k !== 'x-portcullis-assertion') assert.notEqual(v, 'mallory', `${name} survived as ${k}`);
        }
        if (target === '/x') {
          assert.equal(seen.headers['remote-user'], 'alice', name);
          assert.equal(decodeJwt(String(seen.headers['x-portcullis-assertion'])).sub, 'alice', name);
        }
      }
    });
  }

  await t.test('all spellings at once, signed in', async () => {
    const headers: Record<string, string> = Object.fromEntries(spellings.map((n) => [n, 'mallory']));
    const seen = echo(await gw.send({ host: 'app.test', target: '/x', headers: { ...headers, cookie: alice } }));
    assert.deepEqual(identityLike(seen.headers), IDENTITY.slice().sort());
    assert.equal(seen.headers['remote-user'], 'alice');
  });
});

test("the gateway's cookies are removed, others kept byte-for-byte", async (t) => {
  const gw = await startTestGateway();
  t.after(() => gw.close());
  const session = await gw.login('alice', 'app.test');
  // the other cookies the gateway owns (the device cookie), whatever they are named
  const others = [...gw.runtime.state().ownCookies].filter((n) => n !== gw.cookieName).map((n) => `${n}=zzz`);
  assert.ok(others.length > 0);
  const lookalike = `${gw.cookieName.toUpperCase()}=keep; ${gw.cookieName}x=keep`;
  const rows: [sent: string, upstream: string | undefined][] = [
    [`theme=dark; ${session}; lang=en-US;x=1`, 'theme=dark; lang=en-US;x=1'],
    [`${session}; a=1`, 'a=1'],
    [`a=1; ${session}`, 'a=1'],
    [`a="q r";  ${session};b=%20;  c`, 'a="q r";b=%20;  c'],
    [`${lookalike}; ${session}; ${others.join('; ')}`, lookalike],
    [`${session}; ${others.join('; ')}`, undefined],
    [session, undefined],
  ];
  for (const [sent, upstream] of rows) {
    const seen = echo(await gw.send({ host: 'app.test', target: '/x', headers: { cookie: sent } }));
    assert.equal(seen.headers['remote-user'], 'alice', sent);
    assert.equal(seen.headers.cookie, upstream, sent);
  }
});

test('X-Forwarded-* are written by the gateway', async (t) => {
  await t.test('from an untrusted peer the client values are replaced', async (t) => {
    const gw = await startTestGateway();
    t.after(() => gw.close());
    const cookie = await gw.login('alice', 'app.test');
    const seen = echo(
      await gw.send({
        host: 'app.test',
        target: '/x',
        headers: {
          cookie,
          'x-forwarded-for': '203.0.113.7',
          'x-forwarded-proto': 'https',
          'x-forwarded-host': 'evil.test',
          forwarded: 'for=203.0.113.7;proto=https',
        },
      }),
    );
    assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(seen.headers['x-forwarded-proto'], 'http');
    assert.equal(seen.headers['x-forwarded-host'], 'app.test');
    assert.equal(seen.headers.forwarded, undefined);
    const anon = echo(await gw.send({ host: 'app.test:8443', target: '/health' }));
    assert.equal(anon.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(anon.headers['x-forwarded-proto'], 'http');
    assert.equal(anon.headers['x-forwarded-host'], 'app.test:8443');
  });

  await t.test('from a trusted proxy the chain is believed and appended', async (t) => {
    const gw = await startTestGateway({
      gateway: {
        server: { trusted_proxies: ['127.0.0.1/32'] },
      },
    });
    t.after(() => gw.close());
    const cookie = await gw.login('alice', 'app.test');
    const rows: [sentFor: string | undefined, upstreamFor: string][] = [
      ['203.0.113.7', '203.0.113.7, 127.0.0.1'],
      ['198.51.100.1, 203.0.113.7', '198.51.100.1, 203.0.113.7, 127.0.0.1'],
      [undefined, '127.0.0.1'],
    ];
    for (const [sentFor, upstreamFor] of rows) {
      const headers: Record<string, string> = { cookie, 'x-forwarded-proto': 'https' };
      if (sentFor !== undefined) headers['x-forwarded-for'] = sentFor;
      const seen = echo(await gw.send({ host: 'app.test', target: '/x', headers }));
      assert.equal(seen.headers['x-forwarded-for'], upstreamFor, String(sentFor));
      assert.equal(seen.headers['x-forwarded-proto'], 'https');
      assert.equal(seen.headers['x-forwarded-host'], 'app.test');
    }
  });
});

test('users: tenant isolation and disabled accounts', async (t) => {
  const gw = await startTestGateway();
  t.after(() => gw.close());

  await t.test('carol (tenant acme) is denied on the MSP app whatever the rules say', async () => {
    // her session reaches these hosts through the single sign-on hand-off, as in a browser
    const carol = await gw.login('carol');
    const onApp = await gw.cookieFor(carol, 'app.test');
    for (const target of ['/x', '/health', '/admin/x']) {
      const answer = await notProxied(gw, () => gw.send({ host: 'app.test', target, headers: { cookie: onApp } }));
      assert.equal(answer.status, 403, target);
      assert.equal(answer.json().error, 'access_denied', target);
    }
    const onWild = await gw.cookieFor(carol, 'x.wild.test');
    const wild = await notProxied(gw, () =>
      gw.send({ host: 'x.wild.test', target: '/x', headers: { cookie: onWild } }),
    );
    assert.equal(wild.status, 403);
  });

  await t.test('carol reaches her own tenant app', async () => {
    const carol = await gw.login('carol', 'acme.test');
    const seen = echo(await gw.send({ host: 'acme.test', target: '/x', headers: { cookie: carol } }));
    assert.equal(seen.headers['remote-user'], 'carol');
    const claims = decodeJwt(String(seen.headers['x-portcullis-assertion']));
    assert.equal(claims.aud, 'acme');
    assert.equal(claims.tenant, 'acme');
  });

  await t.test("MSP staff (no tenant) are judged by the tenant app's rules, not isolated", async () => {
    const alice = await gw.login('alice', 'acme.test');
    const seen = echo(await gw.send({ host: 'acme.test', target: '/x', headers: { cookie: alice } }));
    assert.equal(seen.headers['remote-user'], 'alice');
    assert.equal(decodeJwt(String(seen.headers['x-portcullis-assertion'])).aud, 'acme');
  });

  await t.test('disabled dave cannot sign in', async () => {
    const answer = await gw.send({
      method: 'POST',
      host: 'portal.test',
      target: '/.portcullis/api/login',
      headers: { 'content-type': 'application/json', origin: 'http://portal.test' },
      body: JSON.stringify({ username: 'dave', password: 'correct horse battery staple' }),
    });
    assert.equal(answer.status, 401);
    assert.deepEqual(answer.json(), { error: 'invalid_credentials' });
    assert.deepEqual(answer.cookies, []);
  });
});

test('an upstream that is down -> 502 without upstream detail', async (t) => {
  const gw = await startTestGateway({
    apps: [{ name: 'dead', host: 'dead.test', upstream: 'http://127.0.0.1:1' }],
    policies: {
      '00-msp.yaml': DEFAULT_POLICY,
      'acme.yaml': ACME_POLICY,
      '10-dead.yaml': { rules: [{ name: 'dead-open', hosts: ['dead.test'], action: 'allow' }] },
    },
  });
  t.after(() => gw.close());
  for (const headers of [{}, HTML]) {
    const answer = await gw.send({ host: 'dead.test', target: '/x', headers });
    assert.equal(answer.status, 502, answer.body);
    assert.doesNotMatch(answer.body, /127\.0\.0\.1|ECONNREFUSED|:1\b|connect|undici|stack/i);
    if (headers === HTML) assert.match(String(answer.headers['content-type']), /^text\/html/);
    else assert.equal(answer.json().error, 'bad_gateway');
  }
});

test('hop-by-hop headers from the client do not turn a good request into a 502', async (t) => {
  const gw = await startTestGateway();
  t.after(() => gw.close());
  const cookie = await gw.login('alice', 'app.test');
  const rows: [label: string, method: string, headers: Record<string, string>][] = [
    ['Expect: 100-continue on a POST with a body (curl does this above 1 KiB)', 'POST', { expect: '100-continue' }],
    ['Keep-Alive', 'GET', { 'keep-alive': 'timeout=5' }],
    ['a stray Upgrade without Connection: upgrade', 'GET', { upgrade: 'websocket' }],
    ['Proxy-Connection', 'GET', { 'proxy-connection': 'keep-alive' }],
    ['a header named in Connection', 'GET', { connection: 'keep-alive, x-hop', 'x-hop': 'secret' }],
  ];
  for (const [label, method, headers] of rows) {
    const answer = await gw.send({
      method,
      host: 'app.test',
      target: '/x',
      headers: { cookie, 'content-type': 'text/plain', ...headers },
      ...(method === 'POST' ? { body: 'x'.repeat(2048) } : {}),
    });
    assert.equal(answer.status, 200, `${label}: ${answer.body}`);
    const seen = echo(answer);
    assert.equal(seen.headers['remote-user'], 'alice', label);
    for (const name of ['expect', 'keep-alive', 'upgrade', 'proxy-connection', 'x-hop']) {
      assert.equal(seen.headers[name], undefined, `${label}: ${name} was forwarded`);
    }
  }
});

test("an app's own identity header names are stripped and written like the defaults", async (t) => {
  const gw = await startTestGateway({
    apps: [
      {
        name: 'custom',
        host: 'custom.test',
        upstream: 'UPSTREAM',
        headers: { user: 'X-Auth-User', groups: 'X-Auth-Groups', email: 'X-Auth-Email', name: 'X-Auth-Name' },
      },
    ],
    policies: {
      '00-msp.yaml': DEFAULT_POLICY,
      'acme.yaml': ACME_POLICY,
      '10-custom.yaml': {
        rules: [
          { name: 'custom-health', hosts: ['custom.test'], paths: ['/health'], action: 'allow' },
          {
            name: 'custom-staff',
            hosts: ['custom.test'],
            groups: ['msp-admins'],
            action: 'authenticate',
            require: { level: 'password' },
          },
        ],
      },
    },
  });
  t.after(() => gw.close());
  const alice = await gw.login('alice', 'custom.test');
  const spoofed = {
    'X-Auth-User': 'mallory',
    x_auth_groups: 'mallory',
    'X.Auth.Email': 'mallory',
    'Remote-User': 'mallory',
  };

  const signedIn = echo(await gw.send({ host: 'custom.test', target: '/x', headers: { ...spoofed, cookie: alice } }));
  assert.equal(signedIn.headers['x-auth-user'], 'alice');
  assert.equal(signedIn.headers['x-auth-groups'], 'msp-admins');
  assert.equal(signedIn.headers['x-auth-email'], 'alice@msp.example');
  assert.equal(signedIn.headers['x-auth-name'], 'Alice Admin');
  assert.equal(signedIn.headers['remote-user'], undefined);
  assert.equal(signedIn.headers.x_auth_groups, undefined);
  assert.equal(signedIn.headers['x.auth.email'], undefined);
  assert.equal(decodeJwt(String(signedIn.headers['x-portcullis-assertion'])).aud, 'custom');

  const open = echo(await gw.send({ host: 'custom.test', target: '/health', headers: spoofed }));
  for (const [k, v] of Object.entries(open.headers)) assert.notEqual(v, 'mallory', `spoofed ${k} reached the upstream`);
});
