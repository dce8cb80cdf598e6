import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ACME_POLICY, DEFAULT_POLICY, PASSWORD, startTestGateway } from '../helpers/gateway.ts';

/**
 * Raw request targets, sent byte-for-byte: the path that is judged is the path that is
 * forwarded, as the upstream reads it (path parameters, which Tomcat, Jetty and Spring drop,
 * are judged without and forwarded with), and anything ambiguous is refused before it can
 * reach an upstream.
 */

type Row =
  | [target: string, status: 200, upstreamUrl: string, why: string]
  | [target: string, status: 400 | 401 | 403, upstreamUrl: null, why: string];

const APP_TEST: Row[] = [
  ['/x', 200, '/x', 'plain'],
  ['/a/../b', 200, '/b', 'dot-dot segment removed'],
  ['/a/./b/.', 200, '/a/b/', 'dot segments removed, trailing slash kept'],
  ['/a/%2e%2e/b', 200, '/b', 'encoded dot-dot decoded, then removed'],
  ['/a/%2E./b', 200, '/b', 'mixed encoded dot-dot'],
  ['//x///y', 200, '/x/y', 'duplicate slashes collapsed'],
  ['/%41dmin/x', 200, '/Admin/x', 'unreserved escape decoded; /Admin is not /admin on a case-sensitive app'],
  ['/admin/../x', 200, '/x', 'judged as /x, forwarded as /x'],
  ['/admin/%2e%2e/x', 200, '/x', 'judged as /x, forwarded as /x (encoded)'],
  ['/BLOCKED/x', 200, '/BLOCKED/x', 'case-sensitive app: not the blocked area'],
  ['/x?a=%2F&b=1', 200, '/x?a=%2F&b=1', 'query passed through unchanged'],
  ['/x?q=..%2F..&r=/a/../b', 200, '/x?q=..%2F..&r=/a/../b', 'query is not normalised'],
  ['/caf%c3%a9', 200, '/caf%C3%A9', 'valid UTF-8 escape kept, hex upper-cased'],
  ['/a%7eb', 200, '/a~b', 'tilde is unreserved'],
  ['/admin/x', 401, null, 'the mfa area itself'],
  ['/x/../admin/x', 401, null, 'climbing into the mfa area is judged as the mfa area'],
  ['/%61dmin/x', 401, null, 'encoded /admin is /admin'],
  ['/blocked/x', 403, null, 'the blocked area'],
  ['/blocked/./x', 403, null, 'dot segment inside the blocked area'],
  ['//blocked//x', 403, null, 'duplicate slashes before the blocked area'],
  ['/x/../blocked/x', 403, null, 'climbing into the blocked area'],
  ['/%62locked/x', 403, null, 'encoded blocked'],
  ['/blocked%2fx', 400, null, 'encoded slash'],
  ['/blocked%2Fx', 400, null, 'encoded slash, upper-case'],
  ['/a%5cb', 400, null, 'encoded backslash'],
  ['/a\\b', 400, null, 'literal backslash'],
  ['/a%00b', 400, null, 'encoded NUL'],
  ['/a%0ab', 400, null, 'encoded newline'],
  ['/%c0%ae%c0%ae/', 400, null, 'overlong UTF-8 dots'],
  ['/%ff', 400, null, 'not UTF-8'],
  ['/%zz', 400, null, 'malformed escape'],
  ['/%252e%252e/x', 400, null, 'double encoding'],
  ['/..', 400, null, 'above the root'],
  ['/a/../../b', 400, null, 'above the root, deeper'],
  ['/..;x/admin', 400, null, 'dot-segment with parameters above the root'],
  ['/admin;x=1', 401, null, 'path parameter: judged as /admin'],
  ['/admin;', 401, null, 'empty path parameter: judged as /admin'],
  ['/admin;x/y', 401, null, 'judged as /admin/y'],
  ['/;x/admin', 401, null, 'a segment that is only a parameter is an empty segment'],
  ['/public/..;/admin', 401, null, 'Tomcat traversal: judged as /admin'],
  ['/public/..;x=1/admin/y', 401, null, 'Tomcat traversal with a parameter value'],
  ['/public/%2e%2e;/admin', 401, null, 'Tomcat traversal, encoded dots'],
  ['/blocked;x', 403, null, 'judged as /blocked'],
  ['/blocked;jsessionid=1/x', 403, null, 'judged as /blocked/x'],
  ['/public/..;/blocked/x', 403, null, 'Tomcat traversal into the blocked area'],
  ['/public/.;/x', 200, '/public/x', 'dot-segment with a parameter removed'],
  ['/public;p/../x', 200, '/x', 'the parameter goes with its segment'],
  ['/a;b/c', 200, '/a;b/c', 'judged as /a/c, forwarded with its parameter'],
  ['/x;jsessionid=AB12CD', 200, '/x;jsessionid=AB12CD', 'URL rewriting of legacy Java apps keeps working'],
  ['/blocked%3Bx', 400, null, 'encoded semicolon: a parameter once a proxy decodes it'],
  ['/admin%3bx', 400, null, 'encoded semicolon, lower-case'],
  ['/x%23', 400, null, 'encoded hash'],
  ['/admin%23/x', 400, null, 'encoded hash after a segment'],
  ['/%23/blocked', 400, null, 'encoded hash first'],
  ['/x%3f', 400, null, 'encoded question mark, lower-case'],
  ['/x%3F', 400, null, 'encoded question mark, upper-case'],
  ['/blocked%3F/x', 400, null, 'encoded question mark after a segment'],
  ['/%3Fblocked', 400, null, 'encoded question mark first'],
  ['/x;a%3Fb', 400, null, 'encoded question mark in a parameter'],
  ['/x;a%23b', 400, null, 'encoded hash in a parameter'],
  ['/x%3F?a=1', 400, null, 'encoded question mark before the query'],
  ['/x?a=%00', 400, null, 'encoded NUL in the query'],
  ['/x#y', 400, null, 'literal fragment'],
  ['http://app.test/x', 400, null, 'absolute-form target'],
  ['http://evil.test/blocked/x', 400, null, 'absolute-form target naming another host'],
  [`/${'a'.repeat(300)}`, 200, `/${'a'.repeat(300)}`, 'a long segment is fine'],
  [`/${'a/'.repeat(4100)}`, 400, null, 'path longer than 8192'],
];

const CI_POLICY = {
  rules: [
    { name: 'ci-admin', hosts: ['ci.test'], paths: ['/admin/**'], action: 'authenticate', require: { level: 'mfa' } },
    {
      name: 'ci-staff',
      hosts: ['ci.test'],
      groups: ['msp-admins'],
      action: 'authenticate',
      require: { level: 'password' },
    },
  ],
};

const CI_TEST: Row[] = [
  ['/x', 200, '/x', 'plain'],
  ['/ADMIN/x', 401, null, 'judged by /admin/** on a case-insensitive app'],
  ['/Admin/x', 401, null, 'any case'],
  ['/%41DMIN/x', 401, null, 'encoded, any case'],
  ['/admin/x', 401, null, 'the rule as written'],
  ['/ADMIN/../x', 200, '/x', 'judged as /x, forwarded as /x'],
  ['/ADMIN;x', 401, null, 'a path parameter on a case-insensitive app'],
  ['/Admin;jsessionid=1/x', 401, null, 'any case, with a parameter'],
  ['/x/..;/ADMIN/y', 401, null, 'Tomcat traversal, any case'],
  ['/AdminX;y', 200, '/AdminX;y', 'not under /admin/, forwarded with its parameter'],
  ['/AdminX', 200, '/AdminX', 'not under /admin/'],
];

const WITH_CI = {
  apps: [{ name: 'ci', host: 'ci.test', upstream: 'UPSTREAM', case_insensitive_paths: true }],
  policies: { '00-msp.yaml': DEFAULT_POLICY, 'acme.yaml': ACME_POLICY, '10-ci.yaml': CI_POLICY },
};

test('request targets are normalised once: judged and forwarded alike', async (t) => {
  const gw = await startTestGateway(WITH_CI);
  t.after(() => gw.close());
  const cookie = await gw.login('alice');

  for (const [host, rows] of [
    ['app.test', APP_TEST],
    ['ci.test', CI_TEST],
  ] as const) {
    await t.test(host, async (t) => {
      for (const [target, status, upstreamUrl, why] of rows) {
        await t.test(`${target} -> ${status} (${why})`, async () => {
          const before = gw.upstream.seen.length;
          const answer = await gw.send({ host, target, headers: { cookie: await gw.cookieFor(cookie, host) } });
          assert.equal(answer.status, status, answer.body);
          if (upstreamUrl === null) {
            assert.equal(gw.upstream.seen.length, before, 'nothing is proxied');
            assert.notEqual(answer.headers['x-upstream'], 'yes');
            if (status === 401) assert.equal(answer.json().level, 'mfa');
          } else {
            assert.equal(gw.upstream.seen.length, before + 1);
            assert.equal(gw.upstream.seen.at(-1)?.url, upstreamUrl);
            assert.equal(gw.upstream.seen.at(-1)?.headers['remote-user'], 'alice');
          }
        });
      }
    });
  }
});

/** [rd, what the sign-in answers after alice's password] (alice has no second factor yet) */
const AFTER_PASSWORD: [rd: string, status: string][] = [
  ['http://app.test/x;jsessionid=1', 'authenticated'],
  ['http://app.test/admin/y', 'enrollment_required'],
  ['http://app.test/admin;x=1/y', 'enrollment_required'],
  ['http://app.test/admin;', 'enrollment_required'],
  ['http://app.test/public/..;/admin/y', 'enrollment_required'],
  ['http://ci.test/ADMIN;x', 'enrollment_required'],
  ['http://ci.test/x/..;/Admin/y', 'enrollment_required'],
];

test('the step after the password judges rd as the gate judges the request', async (t) => {
  const gw = await startTestGateway(WITH_CI);
  t.after(() => gw.close());
  for (const [rd, status] of AFTER_PASSWORD) {
    const answer = await gw.send({
      method: 'POST',
      host: 'portal.test',
      target: '/.portcullis/api/login',
      headers: { 'content-type': 'application/json', origin: 'http://portal.test' },
      body: JSON.stringify({ username: 'alice', password: PASSWORD, rd }),
    });
    assert.equal(answer.json().status, status, rd);
    if (status === 'authenticated') assert.equal(answer.json().redirect, rd, 'rd keeps its parameter');
  }
});

/**
 * Targets with a malformed or non-UTF-8 escape never reach the gate: Fastify's router fails
 * to decode them and its built-in onBadUrl answers first (no hooks, no `pc`). They are not
 * proxied (the table above checks that), but the answer should be the gateway's own refusal,
 * like every other bad path: no-store, an HTML page for browsers, `bad_path` for the rest,
 * and no echo of the request target.
 */
test("malformed escapes get the gateway's own 400, not the framework's", async (t) => {
  const gw = await startTestGateway();
  t.after(() => gw.close());
  for (const target of ['/%ff', '/%zz', '/%c0%ae%c0%ae/', '/x/%e0%a4<script>']) {
    const api = await gw.send({ host: 'app.test', target });
    assert.equal(api.status, 400, target);
    assert.equal(api.headers['cache-control'], 'no-store', target);
    assert.equal(api.json().error, 'bad_path', `${target}: ${api.body}`);
    assert.ok(!api.body.includes(target), `${target} is echoed: ${api.body}`);
    const page = await gw.send({ host: 'app.test', target, headers: { accept: 'text/html' } });
    assert.equal(page.status, 400, target);
    assert.match(String(page.headers['content-type']), /^text\/html/, target);
    assert.doesNotMatch(page.body, /<script>/, target);
  }
});
