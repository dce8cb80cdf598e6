import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { generateTotpCode } from '../../src/authn/factors/totp/totp.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { cookieFrom } from '../helpers/http.ts';

const PARAMS = { digits: 6 as const, period: 30, algorithm: 'sha1' as const };

function post(gw: TestGateway, path: string, cookie: string, body: unknown) {
  return gw.send({
    method: 'POST',
    host: 'app.test',
    target: `/.portcullis/api/${path}`,
    headers: { cookie, 'content-type': 'application/json', origin: 'http://app.test' },
    body: JSON.stringify(body),
  });
}

const step = (gw: TestGateway) => Math.floor(gw.clock.now() / 1000 / 30);

/** Signs alice in with her password and enrols an authenticator; returns the raised cookie and secret. */
async function enrol(gw: TestGateway) {
  const cookie = await gw.login('alice', 'app.test');
  const started = await post(gw, 'enroll/totp/start', cookie, {});
  assert.equal(started.status, 200, started.body);
  const { secret, otpauth_url, qr_svg } = started.json<{ secret: string; otpauth_url: string; qr_svg: string }>();
  assert.match(otpauth_url, /^otpauth:\/\/totp\/Portcullis:alice\?secret=[A-Z2-7]+/);
  assert.match(qr_svg, /^<svg/);
  const finished = await post(gw, 'enroll/totp/finish', cookie, {
    code: await generateTotpCode(secret, step(gw), PARAMS),
  });
  assert.equal(finished.status, 200, finished.body);
  const raised = cookieFrom(finished, gw.cookieName);
  assert.ok(raised);
  assert.notEqual(raised, cookie, 'a new session id at the rise in level');
  return {
    cookie: raised,
    oldCookie: cookie,
    secret,
    recovery: finished.json<{ recovery_codes: string[] }>().recovery_codes,
  };
}

describe('TOTP enrolment and proof (JSON API)', () => {
  test('enrol: secret, otpauth URL, QR SVG; finish raises the session to mfa and issues 10 recovery codes', async (t) => {
    const gw = await startTestGateway();
    t.after(() => gw.close());
    const { cookie, oldCookie, recovery } = await enrol(gw);
    assert.equal(recovery.length, 10);
    assert.equal(new Set(recovery).size, 10);
    assert.equal(
      (await gw.send({ host: 'app.test', target: '/admin/x', headers: { cookie } })).status,
      200,
      'mfa path reachable',
    );
    assert.equal(
      (await gw.send({ host: 'app.test', target: '/x', headers: { cookie: oldCookie } })).status,
      401,
      'the old id is gone',
    );
    const session = (
      await gw.send({ host: 'app.test', target: '/.portcullis/api/session', headers: { cookie } })
    ).json();
    assert.deepEqual(session.amr, ['pwd', 'otp', 'mfa']);
  });

  test('a TOTP code works once: replay refused; the next step works; malformed codes refused', async (t) => {
    const gw = await startTestGateway();
    t.after(() => gw.close());
    const { secret } = await enrol(gw);
    gw.clock.advance(60_000);
    const login = await gw.login('alice', 'app.test');
    const code = await generateTotpCode(secret, step(gw), PARAMS);
    const first = await post(gw, 'mfa/totp', login, { code });
    assert.equal(first.status, 200, first.body);
    const raised = cookieFrom(first, gw.cookieName) ?? '';
    assert.equal((await gw.send({ host: 'app.test', target: '/admin/x', headers: { cookie: raised } })).status, 200);
    const again = await post(gw, 'mfa/totp', raised, { code });
    assert.equal(again.status, 401, 'replayed');
    assert.deepEqual(again.json(), { error: 'invalid_code' });
    for (const bad of ['', '12345', '１２３４５６', ' 123456', 'abcdef']) {
      assert.equal((await post(gw, 'mfa/totp', raised, { code: bad })).status, 401, JSON.stringify(bad));
    }
    gw.clock.advance(30_000);
    assert.equal(
      (await post(gw, 'mfa/totp', raised, { code: await generateTotpCode(secret, step(gw), PARAMS) })).status,
      200,
    );
  });

  test('recovery codes: each works once and the answer says how many remain', async (t) => {
    const gw = await startTestGateway();
    t.after(() => gw.close());
    const { recovery } = await enrol(gw);
    const login = await gw.login('alice', 'app.test');
    const used = await post(gw, 'mfa/recovery', login, { code: recovery[0]?.toUpperCase() });
    assert.equal(used.status, 200, used.body);
    assert.equal(used.json().remaining_recovery_codes, 9);
    const raised = cookieFrom(used, gw.cookieName) ?? '';
    assert.equal((await gw.send({ host: 'app.test', target: '/admin/x', headers: { cookie: raised } })).status, 200);
    assert.equal((await post(gw, 'mfa/recovery', raised, { code: recovery[0] })).status, 401, 'single use');
    assert.equal((await post(gw, 'mfa/recovery', raised, { code: 'not-a-code' })).status, 401);
  });

  test('code failures count towards the lockout, mixed with password failures', async (t) => {
    const gw = await startTestGateway({ gateway: { lockout: { max_failures: 3, window: '15m', duration: '30m' } } });
    t.after(() => gw.close());
    const { secret } = await enrol(gw);
    const login = await gw.login('alice', 'app.test');
    const wrongPassword = await gw.send({
      method: 'POST',
      host: 'portal.test',
      target: '/.portcullis/api/login',
      headers: { 'content-type': 'application/json', origin: 'http://portal.test' },
      body: JSON.stringify({ username: 'alice', password: 'wrong password' }),
    });
    assert.equal(wrongPassword.status, 401);
    assert.equal((await post(gw, 'mfa/totp', login, { code: '000000' })).status, 401);
    assert.equal((await post(gw, 'mfa/recovery', login, { code: 'aaaa-bbbb-cccc' })).status, 401);
    gw.clock.advance(30_000);
    const good = await post(gw, 'mfa/totp', login, { code: await generateTotpCode(secret, step(gw), PARAMS) });
    assert.equal(good.status, 401, 'locked: even a good code gets the same answer');
    assert.deepEqual(good.json(), { error: 'invalid_code' });
  });

  test('without a session the factor API answers 401; adding a second authenticator needs a fresh second factor', async (t) => {
    const gw = await startTestGateway();
    t.after(() => gw.close());
    assert.equal((await post(gw, 'mfa/totp', 'x=y', { code: '123456' })).status, 401);
    await enrol(gw);
    gw.clock.advance(60 * 60_000);
    const login = await gw.login('alice', 'app.test');
    const start = await post(gw, 'enroll/totp/start', login, {});
    assert.equal(start.status, 403);
    assert.equal(start.json().error, 'step_up_required');
  });

  test('TOTP secrets are sealed at rest', async (t) => {
    const gw = await startTestGateway();
    t.after(() => gw.close());
    const { secret } = await enrol(gw);
    const [factor] = await gw.runtime.durable.listFactors('alice');
    assert.ok(factor?.secret);
    assert.ok(!factor.secret.includes(secret));
    assert.match(factor.secret, /^v1\./);
  });
});
