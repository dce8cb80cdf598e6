import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

const TRUSTED = { server: { trusted_proxies: ['127.0.0.1/32'] } };
const REQUEST_ID = /^[a-km-np-z2-9]{10}$/;
const IDENTITY = ['remote-user', 'remote-groups', 'remote-email', 'remote-name', 'x-portcullis-assertion'];

type Case = { name: string; headers: Record<string, string>; status: number; user?: string; location?: RegExp };

/** What Traefik and Caddy send: the request described in X-Forwarded-* headers. */
function forwarded(uri: string, method = 'GET'): Record<string, string> {
  return {
    'x-forwarded-proto': 'http',
    'x-forwarded-host': 'app.test',
    'x-forwarded-uri': uri,
    'x-forwarded-method': method,
  };
}

/** What nginx's auth_request sends: the gateway's own name as Host, the real request described in headers. */
function authz(gw: TestGateway, headers: Record<string, string>, target = '/.portcullis/authz') {
  return gw.send({ host: 'portcullis.internal:8080', target, headers });
}

/**
 * The address as nginx asks it, which the proxied path decides (and answers if it passes), and a
 * spelling only Fastify's route takes: both must answer alike.
 */
const AUTHZ_TARGETS = ['/.portcullis/authz', '/.portcullis/authz?login=status&spelled=otherwise'];

describe('forward-auth (/.portcullis/authz)', () => {
  test('a table of described requests -> 200 with identity, 401 with Location, 403', async (t) => {
    const gw = await startTestGateway({ gateway: TRUSTED });
    t.after(() => gw.close());
    const alice = await gw.login('alice', 'app.test');
    const carol = await gw.login('carol', 'acme.test');
    // carol's session handed to app.test as a browser gets it (single sign-on through the portal)
    const carolOnApp = await gw.cookieFor(await gw.login('carol'), 'app.test');
    const cases: Case[] = [
      {
        name: 'anonymous, X-Original-URL',
        headers: { 'x-original-url': 'http://app.test/reports?x=1' },
        status: 401,
        location: /^http:\/\/portal\.test\/\.portcullis\/login\?rd=http%3A%2F%2Fapp\.test%2Freports%3Fx%3D1$/,
      },
      {
        name: 'alice, X-Original-URL',
        headers: { 'x-original-url': 'http://app.test/reports', cookie: alice },
        status: 200,
        user: 'alice',
      },
      {
        name: 'alice, X-Forwarded-*',
        headers: {
          'x-forwarded-proto': 'http',
          'x-forwarded-host': 'app.test',
          'x-forwarded-uri': '/reports',
          'x-forwarded-method': 'POST',
          cookie: alice,
        },
        status: 200,
        user: 'alice',
      },
      { name: 'public path, anonymous', headers: { 'x-original-url': 'http://app.test/health' }, status: 200 },
      {
        name: 'public path, but POST',
        headers: { 'x-original-url': 'http://app.test/health', 'x-original-method': 'POST' },
        status: 401,
      },
      { name: 'deny rule', headers: { 'x-original-url': 'http://app.test/blocked/x', cookie: alice }, status: 403 },
      {
        name: 'mfa level not met: step-up',
        headers: { 'x-original-url': 'http://app.test/admin/x', cookie: alice },
        status: 401,
        location: /\/\.portcullis\/stepup\?rd=/,
      },
      {
        name: 'tenant user on an MSP app',
        headers: { 'x-original-url': 'http://app.test/x', cookie: carolOnApp },
        status: 403,
      },
      {
        name: 'a cookie of another host (copied) is no session here',
        headers: { 'x-original-url': 'http://app.test/x', cookie: carol },
        status: 401,
        location: /\/\.portcullis\/login\?rd=/,
      },
      {
        name: 'tenant user on their app',
        headers: { 'x-original-url': 'http://acme.test/x', cookie: carol },
        status: 200,
        user: 'carol',
      },
      { name: 'unknown host', headers: { 'x-original-url': 'http://evil.example/x', cookie: alice }, status: 403 },
      {
        name: 'ambiguous path',
        headers: { 'x-original-url': 'http://app.test/blocked%2Fx', cookie: alice },
        status: 403,
      },
      {
        name: 'dot-segments judged after normalisation',
        headers: { 'x-original-url': 'http://app.test/x/../blocked/y', cookie: alice },
        status: 403,
      },
      {
        name: 'path parameter: judged as /admin/x',
        headers: { 'x-original-url': 'http://app.test/admin;x=1/x', cookie: alice },
        status: 401,
        location: /\/\.portcullis\/stepup\?rd=http%3A%2F%2Fapp\.test%2Fadmin%3Bx%3D1%2Fx$/,
      },
      {
        name: 'empty path parameter, X-Forwarded-Uri',
        headers: { ...forwarded('/admin;'), cookie: alice },
        status: 401,
        location: /\/\.portcullis\/stepup\?rd=/,
      },
      {
        name: 'Tomcat traversal: judged as /blocked/x',
        headers: { 'x-original-url': 'http://app.test/public/..;/blocked/x', cookie: alice },
        status: 403,
      },
      {
        name: 'Tomcat traversal, X-Forwarded-Uri',
        headers: { ...forwarded('/public/..;x/blocked/x'), cookie: alice },
        status: 403,
      },
      {
        name: 'path parameter on the blocked area',
        headers: { 'x-original-url': 'http://app.test/blocked;jsessionid=1/x', cookie: alice },
        status: 403,
      },
      {
        name: 'dot-segment with a parameter removed',
        headers: { 'x-original-url': 'http://app.test/public/.;/x', cookie: alice },
        status: 200,
        user: 'alice',
      },
      {
        name: 'anonymous: the sign-in comes back to the path with its parameter',
        headers: { 'x-original-url': 'http://app.test/x;jsessionid=AB12?y=1' },
        status: 401,
        location: /\/\.portcullis\/login\?rd=http%3A%2F%2Fapp\.test%2Fx%3Bjsessionid%3DAB12%3Fy%3D1$/,
      },
      {
        name: 'path parameter on a public path',
        headers: { 'x-original-url': 'http://app.test/health;jsessionid=1' },
        status: 200,
      },
      ...['/x%23', '/blocked%23/x', '/x%3f', '/x%3F', '/blocked%3F/y', '/x;a%3Fb', '/blocked%3Bx'].flatMap(
        (path): Case[] => [
          {
            name: `encoded delimiter ${path}, X-Original-URL`,
            headers: { 'x-original-url': `http://app.test${path}`, cookie: alice },
            status: 403,
          },
          {
            name: `encoded delimiter ${path}, X-Forwarded-Uri`,
            headers: { ...forwarded(path), cookie: alice },
            status: 403,
          },
        ],
      ),
      {
        name: 'both descriptions, agreeing (a load balancer in front sets the scheme)',
        headers: {
          'x-original-url': 'http://app.test/reports?a=1',
          'x-original-method': 'POST',
          ...forwarded('/reports?a=1', 'post'),
          'x-forwarded-proto': 'https',
          'x-forwarded-host': 'APP.test:8443',
          cookie: alice,
        },
        status: 200,
        user: 'alice',
      },
      // a client's X-Original-URL that Caddy or Traefik pass on, or a client's X-Forwarded-Uri that nginx passes on
      {
        name: 'X-Original-URL (client) names a public page, X-Forwarded-Uri (proxy) another',
        headers: { 'x-original-url': 'http://app.test/health', ...forwarded('/reports') },
        status: 403,
      },
      {
        name: 'X-Original-URL names another host',
        headers: { 'x-original-url': 'http://acme.test/x', ...forwarded('/x'), cookie: alice },
        status: 403,
      },
      {
        name: 'X-Forwarded-Uri (client) differs from X-Original-URL (proxy)',
        headers: { 'x-original-url': 'http://app.test/blocked/x', 'x-forwarded-uri': '/health' },
        status: 403,
      },
      {
        name: 'the methods differ',
        headers: { ...forwarded('/health', 'POST'), 'x-original-method': 'GET' },
        status: 403,
      },
      { name: 'no description at all', headers: { cookie: alice }, status: 403 },
      { name: 'not a URL', headers: { 'x-original-url': 'javascript:alert(1)', cookie: alice }, status: 403 },
    ];
    for (const [target, c] of AUTHZ_TARGETS.flatMap((t) =>
      cases.map((c) => [t, { ...c, name: `${c.name} (${t})` }] as const),
    )) {
      const answer = await authz(gw, c.headers, target);
      assert.equal(answer.status, c.status, c.name);
      assert.equal(answer.headers['cache-control'], 'no-store', c.name);
      if (c.user) {
        assert.equal(answer.headers['remote-user'], c.user, c.name);
        assert.ok(answer.headers['x-portcullis-assertion'], c.name);
      } else if (c.status === 200) {
        // an allow rule: every identity header, empty (a proxy copying them finds each one)
        for (const name of IDENTITY) assert.equal(answer.headers[name], '', `${c.name}: ${name}`);
      } else {
        assert.equal(answer.headers['remote-user'], undefined, c.name);
      }
      // no body on a 200: nginx would close its connection to the gateway rather than read one
      if (c.status === 200) assert.equal(answer.body, '', c.name);
      if (c.location) assert.match(String(answer.headers.location), c.location, c.name);
      if (c.status === 403) assert.match(String(answer.json().request_id), REQUEST_ID, `${c.name}: request_id`);
    }
    assert.equal(gw.upstream.seen.length, 0, 'forward-auth never proxies');
  });

  test('every identity header is in a 200, empty when the user has no such value', async (t) => {
    const gw = await startTestGateway({
      gateway: TRUSTED,
      users: { erin: { groups: [] }, frank: { groups: ['techs'] } },
      policies: {
        '00.yaml': {
          rules: [{ name: 'anyone', hosts: ['app.test'], action: 'authenticate', require: { level: 'password' } }],
        },
      },
    });
    t.after(() => gw.close());
    const erin = await gw.login('erin', 'app.test');
    const answer = await authz(gw, { 'x-original-url': 'http://app.test/x', cookie: erin });
    assert.equal(answer.status, 200);
    assert.equal(answer.body, '');
    assert.equal(answer.headers['content-length'], '0');
    assert.equal(answer.headers['remote-user'], 'erin');
    for (const name of ['remote-groups', 'remote-email']) assert.equal(answer.headers[name], '', name);
    assert.equal(answer.headers['remote-name'], 'erin', 'the name is the user name when none is given');
    assert.ok(answer.headers['x-portcullis-assertion']);
  });

  test('login=redirect: what the client gets from a proxy that hands the answer on', async (t) => {
    const gw = await startTestGateway({ gateway: TRUSTED });
    t.after(() => gw.close());
    const alice = await gw.login('alice', 'app.test');
    const html = 'text/html,application/xhtml+xml,*/*;q=0.8';
    const ask = (headers: Record<string, string>, query = '?login=redirect') =>
      gw.send({ host: 'portcullis.internal:8080', target: `/.portcullis/authz${query}`, headers });
    const rd = 'rd=http%3A%2F%2Fapp.test%3A8443%2Freports%3Fa%3D1%26b%3D%252F';
    // a browser navigation: 302 to the sign-in page, back to the page with its query
    let answer = await ask({ ...forwarded('/reports?a=1&b=%2F'), 'x-forwarded-host': 'app.test:8443', accept: html });
    assert.equal(answer.status, 302);
    assert.equal(answer.headers.location, `http://portal.test/.portcullis/login?${rd}`);
    // an API client, or a POST: 401 JSON with the sign-in page
    answer = await ask({ ...forwarded('/reports'), accept: 'application/json' });
    assert.equal(answer.status, 401);
    assert.equal(answer.json().error, 'authentication_required');
    assert.match(String(answer.headers.location), /\/\.portcullis\/login\?rd=/);
    answer = await ask({ ...forwarded('/reports', 'POST'), accept: html });
    assert.equal(answer.status, 401);
    // step-up for a browser: 302 to the step-up page
    answer = await ask({ ...forwarded('/admin/x'), accept: html, cookie: alice });
    assert.equal(answer.status, 302);
    assert.match(String(answer.headers.location), /\/\.portcullis\/stepup\?rd=http%3A%2F%2Fapp\.test%2Fadmin%2Fx$/);
    // a refusal: the page for a browser (who is signed in, the way back), JSON for the rest
    answer = await ask({ ...forwarded('/blocked/x?y=1'), accept: html, cookie: alice });
    assert.equal(answer.status, 403);
    assert.match(String(answer.headers['content-type']), /^text\/html/);
    assert.match(answer.body, /alice/);
    assert.match(answer.body, /name="rd" value="http:\/\/app\.test\/blocked\/x\?y=1"/);
    answer = await ask({ ...forwarded('/blocked/x'), accept: 'application/json', cookie: alice });
    assert.equal(answer.status, 403);
    assert.equal(answer.json().error, 'access_denied');
    // signed in: as in the default mode
    answer = await ask({ ...forwarded('/reports'), accept: html, cookie: alice });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['remote-user'], 'alice');
    assert.equal(answer.body, '');
    // login=status is the default; anything else is refused
    answer = await ask({ ...forwarded('/reports'), accept: html }, '?login=status');
    assert.equal(answer.status, 401);
    for (const query of ['?login=302', '?login=redirect&login=redirect', '?login=']) {
      answer = await ask({ ...forwarded('/reports'), accept: html, cookie: alice }, query);
      assert.equal(answer.status, 403, query);
      assert.equal(answer.json().error, 'bad_request', query);
      assert.equal(answer.headers['remote-user'], undefined, query);
    }
  });

  test('a denial carries the request id that its audit row holds', async (t) => {
    const gw = await startTestGateway({ gateway: TRUSTED });
    t.after(() => gw.close());
    const alice = await gw.login('alice', 'app.test');
    const ids: string[] = [];
    for (const target of AUTHZ_TARGETS) {
      const answer = await authz(gw, { 'x-original-url': 'http://app.test/blocked/x', cookie: alice }, target);
      assert.equal(answer.status, 403);
      const body = answer.json<{ error: string; message: string; request_id: string }>();
      assert.equal(body.error, 'access_denied');
      assert.equal(body.message, 'You do not have access to this page.');
      assert.match(body.request_id, REQUEST_ID);
      ids.push(body.request_id);
    }
    await gw.runtime.audit.flush();
    // one row per question, whichever path decided it (a handed-over decision is not judged again)
    const rows = await gw.runtime.durable.queryAudit({ event: 'access.deny' });
    assert.deepEqual(rows.map((r) => r.requestId).sort(), [...ids].sort());
    for (const row of rows) assert.equal(row.user, 'alice');
  });

  test('only trusted proxies are answered', async (t) => {
    const gw = await startTestGateway();
    t.after(() => gw.close());
    const alice = await gw.login('alice', 'app.test');
    const answer = await authz(gw, { 'x-original-url': 'http://app.test/reports', cookie: alice });
    assert.equal(answer.status, 403);
    assert.equal(answer.json().error, 'untrusted_proxy');
    assert.match(String(answer.json().request_id), REQUEST_ID);
    assert.equal(answer.headers['remote-user'], undefined);
  });
});
