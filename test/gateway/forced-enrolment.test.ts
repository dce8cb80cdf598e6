/**
 * An account made by the set-up page (or an invite) owes a second factor: a set-up abandoned
 * after the password leaves an account that is asked to enrol at its next sign-in, whatever the
 * policy says (here a rule that asks for a password only), and its session reaches nothing but
 * the enrolment until it has one. Accounts an administrator added with a password follow the
 * policy as before.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { nextTotpCode, PASSWORD, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { type Answer, cookieFrom } from '../helpers/http.ts';

const FORM = 'application/x-www-form-urlencoded';
const SETUP_PASSWORD = 'a long enough passphrase';
const PASSWORD_ONLY = {
  rules: [{ name: 'password-is-enough', hosts: ['app.test'], action: 'authenticate', require: { level: 'password' } }],
};

let gw: TestGateway;
before(async () => {
  gw = await startTestGateway({ users: {}, policies: { '00-msp.yaml': PASSWORD_ONLY } });
  // the first administrator's set-up, abandoned once the password is set
  const token = gw.runtime.setup.issue();
  const done = await gw.send({
    method: 'POST',
    host: 'portal.test',
    target: '/.portcullis/setup',
    headers: { 'content-type': FORM, origin: 'http://portal.test' },
    body: new URLSearchParams({
      token,
      username: 'root',
      password: SETUP_PASSWORD,
      confirm: SETUP_PASSWORD,
    }).toString(),
  });
  assert.equal(done.status, 303, done.body);
  assert.match(String(done.headers.location), /^\/\.portcullis\/enroll\?/);
});
after(() => gw.close());

const api = (path: string, body: object, cookie?: string): Promise<Answer> =>
  gw.send({
    method: 'POST',
    host: 'portal.test',
    target: `/.portcullis/api/${path}`,
    headers: { 'content-type': 'application/json', origin: 'http://portal.test', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  });
const appPage = (cookie: string) =>
  gw.send({ host: 'app.test', target: '/', headers: { cookie, accept: 'text/html' } });

describe('an account that owes a second factor', () => {
  it('is asked to enrol at its next sign-in although the rule asks for a password only', async () => {
    const login = await api('login', { username: 'root', password: SETUP_PASSWORD, rd: 'http://app.test/' });
    assert.equal(login.status, 200);
    assert.deepEqual(login.json(), { status: 'enrollment_required', methods: ['webauthn', 'totp'] });
    const form = await gw.send({
      method: 'POST',
      host: 'portal.test',
      target: '/.portcullis/login',
      headers: { 'content-type': FORM, origin: 'http://portal.test' },
      body: new URLSearchParams({ username: 'root', password: SETUP_PASSWORD, rd: 'http://app.test/' }).toString(),
    });
    assert.equal(form.status, 303);
    assert.equal(form.headers.location, `/.portcullis/enroll?rd=${encodeURIComponent('http://app.test/')}`);
  });

  it('reaches nothing but the enrolment until it has one, then signs in as the policy says', async () => {
    const cookie = cookieFrom(await api('login', { username: 'root', password: SETUP_PASSWORD }), gw.cookieName);
    assert.ok(cookie);
    const app = await appPage(await gw.cookieFor(cookie, 'app.test'));
    assert.notEqual(app.status, 200, 'not proxied');
    assert.equal(gw.upstream.seen.length, 0);
    const page = await gw.send({ host: 'portal.test', target: '/.portcullis/enroll', headers: { cookie } });
    assert.equal(page.status, 200);
    const started = await api('enroll/totp/start', {}, cookie);
    const secret = started.json<{ secret: string }>().secret;
    const finished = await api('enroll/totp/finish', { code: await nextTotpCode(gw, secret) }, cookie);
    assert.equal(finished.status, 200, finished.body);
    const risen = cookieFrom(finished, gw.cookieName);
    assert.ok(risen);
    assert.equal((await appPage(await gw.cookieFor(risen, 'app.test'))).status, 200, 'enrolled: the app opens');
    const again = await api('login', { username: 'root', password: SETUP_PASSWORD, rd: 'http://app.test/' });
    assert.equal(again.json<{ status: string }>().status, 'authenticated', 'a password is enough again');
  });
});

describe('an account an administrator added with a password', () => {
  it('follows the policy: a password is enough without a second factor', async () => {
    const other = await startTestGateway({
      users: { alice: { groups: ['msp-admins'] } },
      policies: { '00-msp.yaml': PASSWORD_ONLY },
    });
    try {
      const login = await other.send({
        method: 'POST',
        host: 'portal.test',
        target: '/.portcullis/api/login',
        headers: { 'content-type': 'application/json', origin: 'http://portal.test' },
        body: JSON.stringify({ username: 'alice', password: PASSWORD, rd: 'http://app.test/' }),
      });
      assert.equal(login.json<{ status: string }>().status, 'authenticated');
    } finally {
      await other.close();
    }
  });
});
