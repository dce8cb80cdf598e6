/**
 * The account's self-service in JSON (`/.portcullis/api/account/...`), with the account page's
 * rules: a password change needs a fresh second factor (403 step_up_required), the current
 * password (401 invalid_credentials, counted towards the lockout) and a new one that meets the
 * rules (400 password_rejected); the sign-ins list and "this wasn't me"; the default method.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { enrolTotp, nextTotpCode, PASSWORD, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { cookieFrom } from '../helpers/http.ts';

const JSON_H = { 'content-type': 'application/json', origin: 'http://portal.test' };
const NEW_PASSWORD = 'a quite different passphrase';

const api = (gw: TestGateway, path: string, cookie: string, body?: unknown, headers: Record<string, string> = JSON_H) =>
  gw.send({
    method: body === undefined ? 'GET' : 'POST',
    host: 'portal.test',
    target: `/.portcullis/api/${path}`,
    headers: body === undefined ? { cookie } : { ...headers, cookie },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

async function scene(t: { after(fn: () => unknown): void }) {
  const gw = await startTestGateway({ gateway: { lockout: { max_failures: 3, window: '15m', duration: '30m' } } });
  t.after(() => gw.close());
  const { secret } = await enrolTotp(gw, 'alice');
  const login = await gw.login('alice');
  const proved = await api(gw, 'mfa/totp', login, { code: await nextTotpCode(gw, secret) });
  return { gw, login, fresh: cookieFrom(proved, gw.cookieName) ?? '' };
}

test('api/account/password: each refusal changes nothing; then the change, the other sessions ended', async (t) => {
  const { gw, fresh } = await scene(t);
  const other = await gw.login('alice');
  gw.clock.advance(60_000);
  const stale = await gw.login('alice'); // signed in, no second factor
  const cases: [string, string, unknown, Record<string, string>, number, string][] = [
    ['no session', '', { current: PASSWORD, password: NEW_PASSWORD }, JSON_H, 401, 'authentication_required'],
    [
      'no Origin',
      fresh,
      { current: PASSWORD, password: NEW_PASSWORD },
      { 'content-type': 'application/json' },
      403,
      'csrf',
    ],
    ['no fresh second factor', stale, { current: PASSWORD, password: NEW_PASSWORD }, JSON_H, 403, 'step_up_required'],
    [
      'an unknown field',
      fresh,
      { current: PASSWORD, password: NEW_PASSWORD, confirm: 'x' },
      JSON_H,
      400,
      'bad_request',
    ],
    ['too short', fresh, { current: PASSWORD, password: 'short' }, JSON_H, 400, 'password_rejected'],
    ['the user name', fresh, { current: PASSWORD, password: 'alice' }, JSON_H, 400, 'password_rejected'],
    [
      'a wrong current password',
      fresh,
      { current: 'wrong', password: NEW_PASSWORD },
      JSON_H,
      401,
      'invalid_credentials',
    ],
  ];
  for (const [why, cookie, body, headers, status, error] of cases) {
    const answer = await api(gw, 'account/password', cookie, body, headers);
    assert.equal(answer.status, status, why);
    assert.equal(answer.json<{ error: string }>().error, error, why);
  }
  assert.ok(await gw.login('alice'), 'the password is unchanged');
  const done = await api(gw, 'account/password', fresh, { current: PASSWORD, password: NEW_PASSWORD });
  assert.equal(done.status, 200, done.body);
  assert.equal(done.json<{ status: string }>().status, 'changed');
  assert.ok(done.json<{ sessions_ended: number }>().sessions_ended >= 2);
  const renewed = cookieFrom(done, gw.cookieName) ?? '';
  assert.equal((await api(gw, 'session', renewed)).status, 200);
  assert.equal((await api(gw, 'session', other)).status, 401);
  assert.ok(await gw.login('alice', 'portal.test', NEW_PASSWORD));
});

test('api/account/sign-ins and sign-ins/report', async (t) => {
  const { gw, fresh } = await scene(t);
  const other = await gw.login('alice');
  const list = await api(gw, 'account/sign-ins', fresh);
  assert.equal(list.status, 200);
  const signIns = list.json<{ sign_ins: { time: number; ip: string; device: string; this_browser: boolean }[] }>()
    .sign_ins;
  assert.ok(signIns.length >= 3);
  assert.deepEqual(Object.keys(signIns[0] ?? {}).sort(), ['country', 'device', 'ip', 'this_browser', 'time']);
  assert.equal((await api(gw, 'account/sign-ins', '')).status, 401);

  assert.equal((await api(gw, 'account/sign-ins/report', fresh, { time: 1 })).status, 404);
  assert.equal((await api(gw, 'account/sign-ins/report', fresh, { time: 'x' })).status, 400);
  assert.equal((await api(gw, 'session', other)).status, 200, 'nothing ended yet');
  const reported = await api(gw, 'account/sign-ins/report', fresh, { time: signIns[0]?.time });
  assert.equal(reported.status, 200, reported.body);
  assert.equal(reported.json<{ status: string }>().status, 'reported');
  assert.equal((await api(gw, 'session', other)).status, 401);
  await gw.runtime.audit.flush();
  const [event] = await gw.runtime.durable.queryAudit({ event: 'signin.reported' });
  assert.equal(event?.outcome, 'alert');
});

test('api/account/default-method', async (t) => {
  const { gw, fresh } = await scene(t);
  assert.deepEqual((await api(gw, 'account/default-method', fresh)).json(), {
    default_method: null,
    choices: ['webauthn', 'totp'],
  });
  assert.equal((await api(gw, 'account/default-method', fresh, { method: 'webauthn' })).status, 400, 'not held');
  assert.equal((await api(gw, 'account/default-method', fresh, { method: 'totp' })).status, 200);
  assert.equal(await gw.runtime.durable.getPreference('alice', 'default_method'), 'totp');
  assert.equal(
    (
      await api(gw, 'account/default-method', fresh, { method: 'totp' }, {
        'content-type': 'application/json',
      } as typeof JSON_H)
    ).status,
    403,
  );
});
