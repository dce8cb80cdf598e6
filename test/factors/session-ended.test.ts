/**
 * A session that ended while a code page was open explains itself: the form (step-up, recovery
 * code, enrolment) answers with the sign-in page saying so, rd kept, instead of a silent redirect;
 * the JSON API answers 401 session_expired where the cookie names a session that is not live.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import type { Answer } from '../helpers/http.ts';

const FORM = 'application/x-www-form-urlencoded';
const ENDED = 'Your session ended (signed out, or too long without activity). Sign in again to continue.';
const RD = 'http://acme.test/tickets?id=7';

let gw: TestGateway;
before(async () => {
  gw = await startTestGateway({ gateway: { branding: { tenants: { acme: { name: 'Acme Corp' } } } } });
});
after(() => gw.close());

/** Ways a session ends while its page is open: the cookie a browser then still sends. */
const ENDINGS: [label: string, cookie: () => Promise<string>][] = [
  [
    'signed out in another tab',
    async () => {
      const cookie = await gw.login('carol');
      const out = await gw.send({
        method: 'POST',
        host: 'portal.test',
        target: '/.portcullis/api/logout',
        headers: { cookie, 'content-type': 'application/json', origin: 'http://portal.test' },
        body: '{}',
      });
      assert.equal(out.status, 204);
      return cookie;
    },
  ],
  [
    'too long without activity',
    async () => {
      const cookie = await gw.login('carol');
      gw.clock.advance(31 * 60_000);
      return cookie;
    },
  ],
  ['the browser dropped the cookie', async () => ''],
];

function postForm(path: string, fields: Record<string, string>, cookie: string): Promise<Answer> {
  return gw.send({
    method: 'POST',
    host: 'portal.test',
    target: `/.portcullis/${path}`,
    headers: { 'content-type': FORM, origin: 'http://portal.test', ...(cookie ? { cookie } : {}) },
    body: new URLSearchParams(fields).toString(),
  });
}

describe('a code form sent after the session ended: the sign-in page says why, rd kept', () => {
  const FORMS: [page: string, path: string, fields: Record<string, string>][] = [
    ['second factor / step-up', 'stepup', { code: '123456', rd: RD }],
    ['step-up with "trust this device"', 'stepup', { code: '123456', rd: RD, trust: '1' }],
    ['recovery code', 'recovery', { code: 'abcd-efgh-ijkl', rd: RD }],
    ['enrolment', 'enroll', { code: '123456', rd: RD }],
  ];
  for (const [page, path, fields] of FORMS) {
    for (const [ending, cookieOf] of ENDINGS) {
      test(`${page}, ${ending}`, async () => {
        const answer = await postForm(path, fields, await cookieOf());
        assert.equal(answer.status, 401);
        assert.match(String(answer.headers['content-type']), /^text\/html/);
        assert.match(String(answer.headers['content-security-policy']), /form-action 'self'/);
        assert.ok(answer.body.includes(`<p class="notice" role="status">${ENDED}</p>`), answer.body.slice(0, 400));
        assert.match(answer.body, /<form method="post" action="\/\.portcullis\/login"/);
        assert.match(answer.body, /name="rd" value="http:\/\/acme\.test\/tickets\?id=7"/);
        assert.match(answer.body, /<p class="brand">Acme Corp<\/p>/, "on the way to the client's app: its brand");
        assert.equal(answer.headers.location, undefined, 'no silent redirect');
      });
    }
  }

  test('opening a code page without a session still goes to the sign-in page, without a message', async () => {
    const answer = await gw.send({
      host: 'portal.test',
      target: `/.portcullis/stepup?rd=${encodeURIComponent(RD)}`,
      headers: { accept: 'text/html' },
    });
    assert.equal(answer.status, 302);
    assert.equal(answer.headers.location, `/.portcullis/login?rd=${encodeURIComponent(RD)}`);
  });
});

describe('the JSON API where a session is required', () => {
  const CALLS: [label: string, method: string, path: string, body: object | undefined][] = [
    ['enroll/totp/start', 'POST', 'enroll/totp/start', {}],
    ['enroll/totp/finish', 'POST', 'enroll/totp/finish', { code: '123456' }],
    ['mfa/totp', 'POST', 'mfa/totp', { code: '123456' }],
    ['mfa/recovery', 'POST', 'mfa/recovery', { code: 'abcd-efgh-ijkl' }],
    ['device/trust', 'POST', 'device/trust', {}],
    ['webauthn/register/options', 'POST', 'webauthn/register/options', {}],
    ['session', 'GET', 'session', undefined],
  ];
  const call = (method: string, path: string, body: object | undefined, cookie: string) =>
    gw.send({
      method,
      host: 'portal.test',
      target: `/.portcullis/api/${path}`,
      headers: {
        ...(body ? { 'content-type': 'application/json', origin: 'http://portal.test' } : {}),
        ...(cookie ? { cookie } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  for (const [label, method, path, body] of CALLS) {
    for (const [ending, cookieOf] of ENDINGS.slice(0, 2)) {
      test(`${label}, ${ending}: 401 session_expired with a message to show`, async () => {
        const answer = await call(method, path, body, await cookieOf());
        assert.equal(answer.status, 401);
        assert.deepEqual(answer.json(), { error: 'session_expired', message: ENDED });
      });
    }
    test(`${label}, no cookie at all: 401 authentication_required as before`, async () => {
      const answer = await call(method, path, body, '');
      assert.equal(answer.status, 401);
      assert.deepEqual(answer.json(), { error: 'authentication_required' });
    });
  }
});
