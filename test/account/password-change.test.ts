/**
 * Changing the password on the account page (`POST /.portcullis/account/password`): a second
 * factor proven in the last 10 minutes first (else the step-up page, and back), the current
 * password (a wrong one counts towards the lockout), the rules for the new one (nothing changes
 * when refused); then users.yaml holds the new hash, every other session of the user has ended,
 * this one goes on under a new cookie, and `password.changed` is in the audit trail.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setUserField } from '../../src/users/users-file.ts';
import {
  enrolTotp,
  nextTotpCode,
  PASSWORD,
  startTestGateway,
  type TestGateway,
  type TestGatewayOptions,
} from '../helpers/gateway.ts';
import { cookieFrom } from '../helpers/http.ts';

const FORM = { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://portal.test' };
const JSON_H = { 'content-type': 'application/json', origin: 'http://portal.test' };
const NEW_PASSWORD = 'a quite different passphrase';

async function gateway(t: { after(fn: () => unknown): void }, opts: TestGatewayOptions = {}): Promise<TestGateway> {
  const gw = await startTestGateway(opts);
  t.after(() => gw.close());
  return gw;
}

/** Alice signed in with a second factor proven just now: her session cookie. */
async function freshSession(gw: TestGateway, secret: string): Promise<string> {
  const login = await gw.login('alice');
  const proved = await gw.send({
    method: 'POST',
    host: 'portal.test',
    target: '/.portcullis/api/mfa/totp',
    headers: { ...JSON_H, cookie: login },
    body: JSON.stringify({ code: await nextTotpCode(gw, secret) }),
  });
  assert.equal(proved.status, 200, proved.body);
  return cookieFrom(proved, gw.cookieName) ?? '';
}

const change = (gw: TestGateway, cookie: string, form: { current: string; password: string; confirm?: string }) =>
  gw.send({
    method: 'POST',
    host: 'portal.test',
    target: '/.portcullis/account/password',
    headers: { ...FORM, cookie },
    body: new URLSearchParams({ confirm: form.password, ...form }).toString(),
  });

const usersFile = (gw: TestGateway) => readFileSync(join(gw.dir, 'config/users.yaml'), 'utf8');

const session = (gw: TestGateway, cookie: string, host = 'portal.test') =>
  gw.send({ host, target: '/.portcullis/api/session', headers: { cookie } });

test('the account page offers the password change', async (t) => {
  const gw = await gateway(t);
  const page = await gw.send({
    host: 'portal.test',
    target: '/.portcullis/',
    headers: { cookie: await gw.login('alice'), accept: 'text/html' },
  });
  assert.match(page.body, /<form method="post" action="\/\.portcullis\/account\/password">/);
  assert.match(page.body, /autocomplete="current-password"/);
});

test('a password change without a fresh second factor goes to the step-up page and back; nothing changes', async (t) => {
  const gw = await gateway(t);
  const { secret } = await enrolTotp(gw, 'alice');
  const cookie = await freshSession(gw, secret);
  gw.clock.advance(11 * 60_000);
  const before = usersFile(gw);
  const answer = await change(gw, cookie, { current: PASSWORD, password: NEW_PASSWORD });
  assert.equal(answer.status, 303);
  assert.equal(
    answer.headers.location,
    `/.portcullis/stepup?rd=${encodeURIComponent('http://portal.test/.portcullis/')}`,
  );
  assert.equal(usersFile(gw), before);
  // without any second factor at all, the same
  const bob = await change(gw, await gw.login('bob'), { current: PASSWORD, password: NEW_PASSWORD });
  assert.equal(bob.status, 303);
  assert.equal(usersFile(gw), before);
});

test('new passwords that break the rules are refused and change nothing', async (t) => {
  const gw = await gateway(t);
  const { secret } = await enrolTotp(gw, 'alice');
  const cookie = await freshSession(gw, secret);
  const before = usersFile(gw);
  const cases: { password: string; confirm?: string; says: RegExp }[] = [
    { password: 'short pass', says: /at least 12 characters/ },
    { password: 'x'.repeat(1025), says: /at most 1024 characters/ },
    { password: 'aaaaaaaaaaaaaaaa', says: /single character repeated/ },
    { password: 'ALICE', says: /at least 12 characters/ },
    { password: 'correct alice battery', says: /must not contain the user name/ },
    { password: PASSWORD, says: /must differ from the current one/ },
    { password: NEW_PASSWORD, confirm: `${NEW_PASSWORD}!`, says: /two new passwords differ/ },
  ];
  for (const { says, ...c } of cases) {
    const answer = await change(gw, cookie, { current: PASSWORD, ...c });
    assert.equal(answer.status, 400, c.password.slice(0, 20));
    // beyond 1024 characters the form itself is refused before anything is looked at
    if (c.password.length <= 1024) assert.match(answer.body, says, c.password);
    assert.equal(usersFile(gw), before, c.password.slice(0, 20));
  }
  await gw.runtime.audit.flush();
  assert.equal((await gw.runtime.durable.queryAudit({ event: 'password.changed' })).length, 0);
});

test('a new password equal to the user name is refused', async (t) => {
  const gw = await gateway(t, {
    users: { 'alice.longname': { groups: ['msp-admins'] } },
  });
  const { secret } = await enrolTotp(gw, 'alice.longname');
  const login = await gw.login('alice.longname');
  const proved = await gw.send({
    method: 'POST',
    host: 'portal.test',
    target: '/.portcullis/api/mfa/totp',
    headers: { ...JSON_H, cookie: login },
    body: JSON.stringify({ code: await nextTotpCode(gw, secret) }),
  });
  const cookie = cookieFrom(proved, gw.cookieName) ?? '';
  const before = usersFile(gw);
  const answer = await change(gw, cookie, { current: PASSWORD, password: 'Alice.LongName' });
  assert.equal(answer.status, 400);
  assert.match(answer.body, /must not be your user name/);
  assert.equal(usersFile(gw), before);
});

test('a wrong current password changes nothing and counts towards the lockout', async (t) => {
  const gw = await gateway(t, { gateway: { lockout: { max_failures: 3, window: '15m', duration: '30m' } } });
  const { secret } = await enrolTotp(gw, 'alice');
  const cookie = await freshSession(gw, secret);
  const before = usersFile(gw);
  for (let i = 0; i < 3; i++) {
    const answer = await change(gw, cookie, { current: 'not the password', password: NEW_PASSWORD });
    assert.equal(answer.status, 400);
    assert.match(answer.body, /current password is not correct/);
  }
  assert.equal(usersFile(gw), before);
  // the account is locked for clients without its device cookie: the right password is refused too
  await assert.rejects(gw.login('alice'), /login of alice failed: 401/);
  // and the right current password while locked fails alike
  const locked = await change(gw, cookie, { current: PASSWORD, password: NEW_PASSWORD });
  assert.equal(locked.status, 400);
  assert.equal(usersFile(gw), before);
  await gw.runtime.audit.flush();
  const failures = await gw.runtime.durable.queryAudit({ event: 'password.change.failure' });
  assert.equal(failures.length, 4);
  assert.ok(!JSON.stringify(failures).includes('not the password'), 'no password in the audit trail');
});

test('a changed password: the new hash in users.yaml, other sessions ended, this one kept under a new cookie, audited', async (t) => {
  const gw = await gateway(t);
  const { secret } = await enrolTotp(gw, 'alice'); // a first browser, still signed in
  const other = await gw.login('alice'); // another browser
  const cookie = await freshSession(gw, secret);
  const onApp = await gw.cookieFor(cookie, 'app.test'); // this session's handle on another host
  const bob = await gw.login('bob');

  const answer = await change(gw, cookie, { current: PASSWORD, password: NEW_PASSWORD });
  assert.equal(answer.status, 200, answer.body);
  assert.match(answer.body, /Your password was changed\. 2 other sessions were signed out\./);
  const renewed = cookieFrom(answer, gw.cookieName);
  assert.ok(renewed !== undefined && renewed !== cookie, 'a new cookie for this session');

  const table: [string, string, string, number][] = [
    ['this session, new cookie', renewed, 'portal.test', 200],
    ['this session, old cookie', cookie, 'portal.test', 401],
    ['this session, old handle on another host', onApp, 'app.test', 401],
    ['another session of alice', other, 'portal.test', 401],
    ['bob', bob, 'portal.test', 200],
  ];
  for (const [who, c, host, status] of table) assert.equal((await session(gw, c, host)).status, status, who);

  assert.ok(!usersFile(gw).includes(NEW_PASSWORD));
  await assert.rejects(gw.login('alice'), /401/);
  assert.ok(await gw.login('alice', 'portal.test', NEW_PASSWORD));
  await gw.runtime.audit.flush();
  const events = await gw.runtime.durable.queryAudit({ event: 'password.changed' });
  assert.equal(events.length, 1);
  assert.deepEqual(events[0]?.detail, { sessions_ended: 2 });
  assert.equal(events[0]?.user, 'alice');
});

test('the password change needs the CSRF Origin', async (t) => {
  const gw = await gateway(t);
  const { secret } = await enrolTotp(gw, 'alice');
  const cookie = await freshSession(gw, secret);
  const before = usersFile(gw);
  const answer = await gw.send({
    method: 'POST',
    host: 'portal.test',
    target: '/.portcullis/account/password',
    headers: { 'content-type': FORM['content-type'], cookie },
    body: new URLSearchParams({ current: PASSWORD, password: NEW_PASSWORD, confirm: NEW_PASSWORD }).toString(),
  });
  assert.equal(answer.status, 403);
  assert.equal(usersFile(gw), before);
});

test('a user whose password is not kept in users.yaml is offered no change, and one sent anyway changes nothing', async (t) => {
  const gw = await gateway(t);
  const { secret } = await enrolTotp(gw, 'alice');
  const cookie = await freshSession(gw, secret);
  // the password is removed from users.yaml (as for a user signing in with a passkey alone)
  await setUserField(join(gw.dir, 'config/users.yaml'), 'alice', 'password', undefined);
  assert.equal(await gw.runtime.reloader.reload(), true);
  const before = usersFile(gw);
  const page = await gw.send({ host: 'portal.test', target: '/.portcullis/', headers: { cookie } });
  assert.equal(page.status, 200);
  assert.doesNotMatch(page.body, /account\/password/);
  const answer = await change(gw, cookie, { current: '', password: NEW_PASSWORD });
  assert.equal(answer.status, 400);
  assert.match(answer.body, /Your password is not managed here\./);
  assert.equal(usersFile(gw), before);
});
