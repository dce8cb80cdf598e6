/**
 * The access code of a user who lost their phone, through the JSON API of a real gateway (memory
 * and SQLite): issued by the admin API (the user's sessions end), used after the password, which
 * allows enrolment and nothing else; the enrolment raises the session. Reuse, a wrong code (it
 * counts towards the lockout), a locked account (the right code is refused and kept), expiry on
 * an injected clock (presented, and swept), and the admin API's refusals.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sweepExpiredAccessCodes } from '../../src/authn/account-recovery/access-code-sweep.ts';
import { callAdmin, generatedToken } from '../admin/helpers.ts';
import { enrolTotp, nextTotpCode, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { cookieFrom } from '../helpers/http.ts';
import { issueCode, issueVia, portalApi } from './helpers.ts';

async function aliceWithTotp(t: { after(fn: () => Promise<void>): void }, gateway: Record<string, unknown> = {}) {
  const gw = await startTestGateway({ gateway });
  t.after(() => gw.close());
  await enrolTotp(gw, 'alice');
  return gw;
}

/** Alice's password; the answer of the login and her session cookie (the password only). */
async function passwordOnly(gw: TestGateway): Promise<string> {
  const answer = await gw.send({
    method: 'POST',
    host: 'portal.test',
    target: '/.portcullis/api/login',
    headers: { 'content-type': 'application/json', origin: 'http://portal.test' },
    body: JSON.stringify({ username: 'alice', password: 'correct horse battery staple', rd: 'http://app.test/admin/' }),
  });
  assert.equal(answer.json<{ status: string }>().status, 'mfa_required', answer.body);
  const cookie = cookieFrom(answer, gw.cookieName);
  assert.ok(cookie);
  return cookie;
}

const events = async (gw: TestGateway, event: string) => {
  await gw.runtime.audit.flush();
  return gw.runtime.durable.queryAudit({ event });
};

describe('access codes through the API', () => {
  it('a user who had a factor: the code ends her sessions, allows enrolment only, and the enrolment raises the session', async (t) => {
    const gw = await aliceWithTotp(t);
    const old = await gw.login('alice');
    const issued = await issueVia(gw, 'alice', { ttl: '2h' });
    assert.equal(issued.status, 201, issued.body);
    assert.equal(issued.headers['cache-control'], 'no-store');
    const body = issued.json<{ code: string; expires_at: string; sessions_ended: number; replaced: boolean }>();
    assert.match(body.code, /^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
    assert.equal(body.expires_at, new Date(gw.clock.now() + 2 * 3_600_000).toISOString());
    assert.equal(body.replaced, false);
    assert.ok(body.sessions_ended >= 1);
    const session = await gw.send({
      host: 'portal.test',
      target: '/.portcullis/api/session',
      headers: { cookie: old },
    });
    assert.equal(session.status, 401, 'issuing a code ends the sessions (a thief with the phone is out)');
    const [issuedEvent] = await events(gw, 'access_code.issued');
    assert.equal(issuedEvent?.detail?.by, 'api:admin-token');
    assert.equal(issuedEvent?.user, 'alice');
    assert.ok(!JSON.stringify(issuedEvent).includes(body.code), 'the code is never audited');
    const detail = await callAdmin(gw, 'GET', '/api/v1/users/alice', `Bearer ${generatedToken(gw)}`);
    assert.deepEqual(detail.json<{ access_code: unknown }>().access_code, {
      issued_at: new Date(gw.clock.now()).toISOString(),
      expires_at: body.expires_at,
      issued_by: 'api:admin-token',
    });
    assert.ok(!detail.body.includes(body.code), 'the user detail shows that a code is active, never the code');

    const cookie = await passwordOnly(gw);
    const used = await portalApi(gw, 'mfa/access-code', cookie, { code: body.code.toUpperCase().replaceAll('-', ' ') });
    assert.equal(used.status, 200, used.body);
    assert.deepEqual(used.json(), { status: 'enrollment_required', methods: ['webauthn', 'totp'] });
    const enrolling = cookieFrom(used, gw.cookieName);
    assert.ok(enrolling, 'a new handle: what the session may do changed');
    assert.equal(
      (await gw.send({ host: 'portal.test', target: '/.portcullis/api/session', headers: { cookie } })).status,
      401,
      'the old handle is gone',
    );
    const [usedEvent] = await events(gw, 'access_code.used');
    assert.equal(usedEvent?.detail?.issued_by, 'api:admin-token');

    // nothing but enrolment: no app, not even one that needs only the password
    const app = await gw.send({
      host: 'portal.test',
      target: '/.portcullis/api/session',
      headers: { cookie: enrolling },
    });
    assert.equal(app.status, 200);
    const rd = 'http://app.test/admin/';
    const onApp = await gw.cookieFor(enrolling, 'app.test');
    const gate = await gw.send({ host: 'app.test', target: '/x', headers: { cookie: onApp, accept: 'text/html' } });
    assert.equal(gate.status, 302, 'no app while enrolment is owed, not even a password-only one');
    const stepUp = new URL(gate.headers.location as string);
    assert.equal(stepUp.pathname, '/.portcullis/stepup');
    const page = await gw.send({
      host: 'portal.test',
      target: `${stepUp.pathname}${stepUp.search}`,
      headers: { cookie: enrolling, accept: 'text/html' },
    });
    assert.equal(page.status, 302);
    assert.equal(page.headers.location, `/.portcullis/enroll?rd=${encodeURIComponent('http://app.test/x')}`);

    const started = await portalApi(gw, 'enroll/totp/start', enrolling, {});
    assert.equal(started.status, 200, 'enrolment is allowed next to the old factor');
    const secret = started.json<{ secret: string }>().secret;
    const finished = await portalApi(gw, 'enroll/totp/finish', enrolling, { code: await nextTotpCode(gw, secret) });
    assert.equal(finished.status, 200, finished.body);
    const raised = cookieFrom(finished, gw.cookieName);
    assert.ok(raised);
    assert.equal(
      (await gw.runtime.durable.listFactors('alice')).length,
      2,
      'the old factor stays until she removes it',
    );
    const appCookie = await gw.cookieFor(raised, 'app.test');
    const admin = await gw.send({ host: 'app.test', target: '/admin/', headers: { cookie: appCookie } });
    assert.equal(admin.status, 200, `the raised session meets the MFA rule of ${rd}`);

    // used once
    const again = await passwordOnly(gw);
    const reuse = await portalApi(gw, 'mfa/access-code', again, { code: body.code });
    assert.equal(reuse.status, 401);
    assert.deepEqual(reuse.json(), { error: 'invalid_code' });
  });

  it('a wrong code counts towards the lockout; locked, the right code is refused and kept', async (t) => {
    const gw = await aliceWithTotp(t, { lockout: { max_failures: 3, window: '15m', duration: '30m' } });
    const code = await issueCode(gw, 'alice');
    const cookie = await passwordOnly(gw);
    const malformed = await portalApi(gw, 'mfa/access-code', cookie, { code: '12' });
    assert.equal(malformed.status, 401);
    assert.equal((await gw.runtime.lockout.status('alice')).failures, 0, 'a malformed code is not counted');
    for (let i = 0; i < 3; i++) {
      const wrong = await portalApi(gw, 'mfa/access-code', cookie, { code: 'aaaa-bbbb-cccc' });
      assert.deepEqual(wrong.json(), { error: 'invalid_code' });
    }
    assert.equal((await gw.runtime.lockout.status('alice')).locked, true);
    const right = await portalApi(gw, 'mfa/access-code', cookie, { code });
    assert.deepEqual(right.json(), { error: 'invalid_code' }, 'locked: refused like a wrong code');
    assert.ok(await gw.runtime.durable.findAccessCode('alice'), 'the code is not used up by a refusal');
    assert.equal((await events(gw, 'access_code.failure')).length, 4);
  });

  it('expires: presented late it says so and is removed; unused, the sweep removes and audits it', async (t) => {
    const gw = await aliceWithTotp(t);
    const code = await issueCode(gw, 'alice', '10m');
    gw.clock.advance(10 * 60_000);
    const cookie = await passwordOnly(gw);
    const late = await portalApi(gw, 'mfa/access-code', cookie, { code });
    assert.equal(late.status, 401);
    assert.equal(late.json<{ error: string }>().error, 'access_code_expired');
    assert.equal(await gw.runtime.durable.findAccessCode('alice'), null);
    const after = await callAdmin(gw, 'GET', '/api/v1/users/alice', `Bearer ${generatedToken(gw)}`);
    assert.equal(after.json<{ access_code: unknown }>().access_code, null);
    const [presented] = await events(gw, 'access_code.expired');
    assert.equal(presented?.detail?.presented, true);

    await issueCode(gw, 'alice', '5m');
    const deps = {
      durable: gw.runtime.durable,
      audit: gw.runtime.audit,
      clock: gw.clock,
      users: () => gw.runtime.state().users,
    };
    assert.equal(await sweepExpiredAccessCodes(deps), 0, 'still valid');
    gw.clock.advance(5 * 60_000);
    assert.equal(await sweepExpiredAccessCodes(deps), 1);
    assert.equal(await sweepExpiredAccessCodes(deps), 0, 'once');
    const swept = await events(gw, 'access_code.expired');
    assert.equal(swept.length, 2);
    assert.equal(swept[0]?.detail?.presented, false);
  });

  it('a new code replaces the earlier one', async (t) => {
    const gw = await aliceWithTotp(t);
    const first = await issueCode(gw, 'alice');
    const second = await issueVia(gw, 'alice', {});
    assert.equal(second.json<{ replaced: boolean }>().replaced, true);
    const cookie = await passwordOnly(gw);
    assert.equal((await portalApi(gw, 'mfa/access-code', cookie, { code: first })).status, 401);
    const code = second.json<{ code: string }>().code;
    assert.equal((await portalApi(gw, 'mfa/access-code', cookie, { code })).status, 200);
  });

  it('without a session the API asks for the sign-in first; nothing is used', async (t) => {
    const gw = await aliceWithTotp(t);
    const code = await issueCode(gw, 'alice');
    const answer = await portalApi(gw, 'mfa/access-code', '', { code });
    assert.equal(answer.status, 401);
    assert.equal(answer.json<{ error: string }>().error, 'authentication_required');
    assert.ok(await gw.runtime.durable.findAccessCode('alice'));
  });

  it('the admin API refuses without a token, a bad ttl, an unknown user, a bad body; nothing is issued', async (t) => {
    const gw = await aliceWithTotp(t);
    assert.equal((await issueVia(gw, 'alice', {}, null)).status, 401);
    assert.equal((await issueVia(gw, 'alice', {}, 'Bearer wrong-token-wrong-token-wrong-token')).status, 401);
    const long = await issueVia(gw, 'alice', { ttl: '25h' });
    assert.equal(long.status, 422);
    assert.deepEqual(long.json(), { error: 'bad_ttl', message: 'the ttl must be at most 24h' });
    assert.equal((await issueVia(gw, 'alice', { ttl: '1m' })).status, 422);
    assert.equal((await issueVia(gw, 'alice', { ttl: 'soon' })).status, 400);
    assert.equal((await issueVia(gw, 'alice', { ttl: '1h', extra: 1 })).status, 400);
    assert.equal((await issueVia(gw, 'nobody', {})).status, 404);
    assert.equal((await issueVia(gw, 'Bad Name!', {})).status, 400);
    assert.equal(await gw.runtime.durable.findAccessCode('alice'), null);
    assert.equal((await events(gw, 'access_code.issued')).length, 0);
    // never on the proxied port
    const proxied = await gw.send({
      method: 'POST',
      host: 'portal.test',
      target: '/api/v1/users/alice/access-codes',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.notEqual(proxied.status, 201);
  });
});
