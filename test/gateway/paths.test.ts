import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ACME_POLICY, DEFAULT_POLICY, startTestGateway } from '../helpers/gateway.ts';

/**
 * Raw request targets, sent byte-for-byte: the path that is judged is the path that is
 * forwarded, and anything ambiguous is refused before it can reach an upstream.
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
  ['/..;x/admin', 400, null, 'dot-segment with parameters'],
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
  ['/AdminX', 200, '/AdminX', 'not under /admin/'],
];

test('request targets are normalised once: judged and forwarded alike', async (t) => {
  const gw = await startTestGateway({
    apps: [{ name: 'ci', host: 'ci.test', upstream: 'UPSTREAM', case_insensitive_paths: true }],
    policies: { '00-msp.yaml': DEFAULT_POLICY, 'acme.yaml': ACME_POLICY, '10-ci.yaml': CI_POLICY },
  });
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
