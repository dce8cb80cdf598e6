/**
 * "Trust this device" on the second-factor page (`/.portcullis/stepup`, whichever way it shows):
 * the box is offered when session.remember_device is not 0 and the rule of the page the user is
 * going to does not say remember_device: false; ticked with a right code it trusts the browser
 * (a new one too, whose device cookie is set in that same answer) and the session at once. A
 * trust that cannot be granted never fails the sign-in: it is an audit event. Plus the words of
 * the period, and the refusals (a wrong code, no CSRF Origin). The box is on the page once, says what
 * it changes, and is not offered to a browser trusted already.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateTotpCode } from '../../src/authn/factors/totp/totp.ts';
import { formatDateTime } from '../../src/web/i18n/format-time.ts';
import { trustPeriod } from '../../src/web/pages/factor-pages.ts';
import {
  ACME_POLICY,
  DEFAULT_POLICY,
  exchangeHandoff,
  PASSWORD,
  startTestGateway,
  type TestGateway,
  type TestGatewayOptions,
} from '../helpers/gateway.ts';
import { cookieFrom, onwardTo } from '../helpers/http.ts';

const FORM = { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://portal.test' };
const JSON_H = { 'content-type': 'application/json', origin: 'http://portal.test' };
const DAY = 86_400_000;
const ADMIN = 'http://app.test/admin/users';
const VAULT = 'http://app.test/vault/secrets';
const TRUST_BOX =
  /<label class="check"><input type="checkbox" name="trust" value="1" aria-describedby="trust-hint" data-trust> Trust this browser for 30 days<\/label>/;

/** The default policy, plus a vault that needs MFA and forbids trusting devices on the way, and a page for trusted devices only. */
const POLICY = {
  rules: [
    {
      name: 'vault-no-trust',
      hosts: ['app.test'],
      paths: ['/vault/**'],
      action: 'authenticate',
      require: { level: 'mfa', remember_device: false },
    },
    {
      name: 'trusted-only',
      hosts: ['app.test'],
      paths: ['/trusted/**'],
      when: { trusted_device: false },
      action: 'deny',
    },
    ...DEFAULT_POLICY.rules,
  ],
};

async function gateway(t: { after(fn: () => unknown): void }, opts: TestGatewayOptions = {}): Promise<TestGateway> {
  const gw = await startTestGateway({ policies: { '00-msp.yaml': POLICY, 'acme.yaml': ACME_POLICY }, ...opts });
  t.after(() => gw.close());
  return gw;
}

const code = (gw: TestGateway, secret: string) =>
  generateTotpCode(secret, Math.floor(gw.clock.now() / 30_000), { digits: 6, period: 30, algorithm: 'sha1' });

/** The devices alice had once enrolled (the browsers the tests use are new ones). */
const enrolledOn = new WeakMap<TestGateway, Set<string>>();

/** Alice enrols an authenticator from a first browser (JSON API); returns the secret and her recovery codes. */
async function enrolled(gw: TestGateway): Promise<{ secret: string; recovery: string[] }> {
  const login = await gw.login('alice');
  const { secret } = (
    await gw.send({
      method: 'POST',
      host: 'portal.test',
      target: '/.portcullis/api/enroll/totp/start',
      headers: { ...JSON_H, cookie: login },
      body: '{}',
    })
  ).json<{ secret: string }>();
  const done = await gw.send({
    method: 'POST',
    host: 'portal.test',
    target: '/.portcullis/api/enroll/totp/finish',
    headers: { ...JSON_H, cookie: login },
    body: JSON.stringify({ code: await code(gw, secret) }),
  });
  assert.equal(done.status, 200, done.body);
  enrolledOn.set(gw, new Set((await gw.runtime.durable.listDevices('alice')).map((d) => d.id)));
  // the next code is another time step (a code works once)
  gw.clock.advance(60_000);
  return { secret, recovery: done.json<{ recovery_codes: string[] }>().recovery_codes };
}

const post = (gw: TestGateway, path: string, fields: Record<string, string>, cookie: string, headers = FORM) =>
  gw.send({
    method: 'POST',
    host: 'portal.test',
    target: `/.portcullis/${path}`,
    headers: { ...headers, cookie },
    body: new URLSearchParams(fields).toString(),
  });

/** A browser new to alice signs in with the password on the way to `rd`: off to the step-up page. */
async function passwordOnly(gw: TestGateway, rd: string): Promise<{ cookie: string; stepup: string }> {
  const login = await post(gw, 'login', { username: 'alice', password: PASSWORD, rd }, '');
  assert.equal(login.status, 303, login.body);
  assert.equal(login.headers.location, `/.portcullis/stepup?rd=${encodeURIComponent(rd)}`);
  assert.equal(cookieFrom(login, deviceCookie(gw)), undefined, 'a password alone does not make a device');
  const cookie = cookieFrom(login, gw.cookieName) ?? '';
  const stepup = await gw.send({
    host: 'portal.test',
    target: String(login.headers.location),
    headers: { cookie, accept: 'text/html' },
  });
  assert.equal(stepup.status, 200);
  return { cookie, stepup: stepup.body };
}

const deviceCookie = (gw: TestGateway) => gw.runtime.state().session.deviceCookieName;
/** Alice's devices since she enrolled, most recently seen first. */
const newDevices = async (gw: TestGateway) =>
  (await gw.runtime.durable.listDevices('alice')).filter((d) => !enrolledOn.get(gw)?.has(d.id));
const audited = async (gw: TestGateway, event: string) => {
  await gw.runtime.audit.flush();
  return gw.runtime.durable.queryAudit({ event });
};

test('the period in words', () => {
  assert.equal(trustPeriod(30 * DAY), '30 days');
  assert.equal(trustPeriod(DAY), '1 day');
  assert.equal(trustPeriod(2.4 * DAY), '2 days');
  assert.equal(trustPeriod(36 * 3_600_000), '36 hours');
  assert.equal(trustPeriod(12 * 3_600_000), '12 hours');
  assert.equal(trustPeriod(3_600_000), '1 hour');
  assert.equal(trustPeriod(45 * 60_000), '45 minutes');
  assert.equal(trustPeriod(1_000), '1 minute');
});

test('ticked on the step-up page with a right code: this new browser is trusted at once, on to rd', async (t) => {
  const gw = await gateway(t);
  const { secret } = await enrolled(gw);
  const { cookie, stepup } = await passwordOnly(gw, ADMIN);
  assert.equal(stepup.match(new RegExp(TRUST_BOX.source, 'g'))?.length, 1, 'once, in the way shown');

  const answer = await post(gw, 'stepup', { code: await code(gw, secret), rd: ADMIN, trust: '1' }, cookie);
  assert.equal(onwardTo(answer), ADMIN, answer.body);
  const [device] = await newDevices(gw);
  assert.ok(device, 'the browser became a device');
  assert.equal(device.trustedUntil, gw.clock.now() + 30 * DAY);
  const risen = cookieFrom(answer, gw.cookieName) ?? '';
  const deviceSet = cookieFrom(answer, deviceCookie(gw)) ?? '';
  assert.ok(risen && deviceSet);
  assert.equal(answer.cookies.filter((c) => c.startsWith(`${gw.cookieName}=`)).length, 1, 'one session cookie');
  assert.equal(
    (
      await gw.send({
        host: 'app.test',
        target: '/trusted/x',
        headers: { cookie: await gw.cookieFor(risen, 'app.test') },
      })
    ).status,
    200,
    'the risen session counts as a trusted device from its next request',
  );
  // the app host gets that same session through the hand-off
  const onApp = cookieFrom(await exchangeHandoff(gw, answer), gw.cookieName) ?? '';
  assert.equal((await gw.send({ host: 'app.test', target: '/trusted/x', headers: { cookie: onApp } })).status, 200);
  const trusted = await audited(gw, 'device.trusted');
  assert.equal(trusted.length, 1);
  assert.equal(trusted[0]?.user, 'alice');
  assert.equal((await audited(gw, 'device.trust.failure')).length, 0);

  // the next sign-in from this browser is from a trusted device
  gw.clock.advance(13 * 3_600_000);
  const again = await gw.send({
    method: 'POST',
    host: 'portal.test',
    target: '/.portcullis/api/login',
    headers: { ...JSON_H, cookie: deviceSet },
    body: JSON.stringify({ username: 'alice', password: PASSWORD }),
  });
  const next = cookieFrom(again, gw.cookieName) ?? '';
  assert.equal(
    (
      await gw.send({
        host: 'app.test',
        target: '/trusted/x',
        headers: { cookie: await gw.cookieFor(next, 'app.test') },
      })
    ).status,
    200,
  );
  // a step-up from the trusted browser does not offer to trust it again
  const stepupOn = (cookie: string) =>
    gw.send({
      host: 'portal.test',
      target: `/.portcullis/stepup?rd=${encodeURIComponent(ADMIN)}`,
      headers: { cookie, accept: 'text/html' },
    });
  const trustedPage = await stepupOn(`${next}; ${deviceSet}`);
  assert.equal(trustedPage.status, 200);
  assert.match(trustedPage.body, /Confirm it is you/);
  assert.doesNotMatch(trustedPage.body, /name="trust"/);
});

test('not ticked: the browser becomes a device, not a trusted one', async (t) => {
  const gw = await gateway(t);
  const { secret } = await enrolled(gw);
  const { cookie } = await passwordOnly(gw, ADMIN);
  const answer = await post(gw, 'stepup', { code: await code(gw, secret), rd: ADMIN }, cookie);
  assert.equal(onwardTo(answer), ADMIN);
  const [device] = await newDevices(gw);
  assert.equal(device?.trustedUntil, null);
  const risen = cookieFrom(answer, gw.cookieName) ?? '';
  assert.equal(
    (
      await gw.send({
        host: 'app.test',
        target: '/trusted/x',
        headers: { cookie: await gw.cookieFor(risen, 'app.test') },
      })
    ).status,
    403,
  );
  assert.equal((await audited(gw, 'device.trusted')).length, 0);

  // back on this browser later (its device cookie sent), the box ticked this time: the same device is trusted
  const deviceSet = cookieFrom(answer, deviceCookie(gw)) ?? '';
  gw.clock.advance(60_000);
  const login = await post(gw, 'login', { username: 'alice', password: PASSWORD, rd: ADMIN }, deviceSet);
  const cookie2 = `${cookieFrom(login, gw.cookieName)}; ${deviceSet}`;
  const trusted = await post(gw, 'stepup', { code: await code(gw, secret), rd: ADMIN, trust: '1' }, cookie2);
  assert.equal(onwardTo(trusted), ADMIN);
  assert.equal(cookieFrom(trusted, deviceCookie(gw)), undefined, 'a known device keeps its cookie');
  const devices = await newDevices(gw);
  assert.deepEqual(
    devices.map((d) => [d.id, d.trustedUntil]),
    [[device?.id, gw.clock.now() + 30 * DAY]],
  );
});

test('the recovery form trusts the device too, and says until when', async (t) => {
  const gw = await gateway(t);
  const { recovery } = await enrolled(gw);
  const { cookie } = await passwordOnly(gw, ADMIN);
  const answer = await post(gw, 'recovery', { code: recovery[0] ?? '', rd: ADMIN, trust: '1' }, cookie);
  assert.equal(answer.status, 200, answer.body);
  const until = gw.clock.now() + 30 * DAY;
  // in the page's language and the brand's time zone (UTC without one)
  assert.ok(answer.body.includes(`This device is trusted until ${formatDateTime(until, 'en', 'UTC')}.`), answer.body);
  assert.equal((await newDevices(gw))[0]?.trustedUntil, until);
});

test('session.remember_device 0: no box; a trust sent anyway is refused, the sign-in still goes on', async (t) => {
  const gw = await gateway(t, {
    gateway: { session: { idle_timeout: '30m', max_lifetime: '12h', remember_device: 0 } },
  });
  const { secret } = await enrolled(gw);
  const { cookie, stepup } = await passwordOnly(gw, ADMIN);
  assert.doesNotMatch(stepup, /name="trust"/);
  const answer = await post(gw, 'stepup', { code: await code(gw, secret), rd: ADMIN, trust: '1' }, cookie);
  assert.equal(onwardTo(answer), ADMIN);
  assert.equal((await newDevices(gw))[0]?.trustedUntil, null);
  const failures = await audited(gw, 'device.trust.failure');
  assert.equal(failures.length, 1);
  assert.deepEqual(failures[0]?.detail, { reason: 'device_trust_disabled' });
});

test('a page whose rule says remember_device: false: no box on the way there; a trust sent anyway is refused', async (t) => {
  const gw = await gateway(t);
  const { secret } = await enrolled(gw);
  const { cookie, stepup } = await passwordOnly(gw, VAULT);
  assert.doesNotMatch(stepup, /name="trust"/);
  const answer = await post(gw, 'stepup', { code: await code(gw, secret), rd: VAULT, trust: '1' }, cookie);
  assert.equal(onwardTo(answer), VAULT, 'the sign-in is not failed');
  assert.equal((await newDevices(gw))[0]?.trustedUntil, null);
  const failures = await audited(gw, 'device.trust.failure');
  assert.deepEqual(failures[0]?.detail, { reason: 'device_trust_not_allowed' });
  // another page (its rule allows it) still gets the offer
  gw.clock.advance(60_000);
  assert.match((await passwordOnly(gw, ADMIN)).stepup, TRUST_BOX);
});

test('a gateway that remembers devices 12 hours says so on the box', async (t) => {
  const gw = await gateway(t, {
    gateway: { session: { idle_timeout: '30m', max_lifetime: '12h', remember_device: '12h' } },
  });
  await enrolled(gw);
  assert.match((await passwordOnly(gw, ADMIN)).stepup, /> Trust this browser for 12 hours<\/label>/);
});

test('a wrong code with the box ticked trusts nothing; no Origin is refused', async (t) => {
  const gw = await gateway(t);
  const { secret } = await enrolled(gw);
  const { cookie } = await passwordOnly(gw, ADMIN);
  const wrong = await post(gw, 'stepup', { code: '000000', rd: ADMIN, trust: '1' }, cookie);
  assert.equal(wrong.status, 401);
  assert.match(wrong.body, TRUST_BOX, 'offered again with the error');
  assert.equal(cookieFrom(wrong, deviceCookie(gw)), undefined);
  assert.equal((await newDevices(gw)).length, 0, 'no device without the factor');

  const csrf = await post(gw, 'stepup', { code: await code(gw, secret), rd: ADMIN, trust: '1' }, cookie, {
    'content-type': FORM['content-type'],
  } as typeof FORM);
  assert.equal(csrf.status, 403);
  const bad = await post(gw, 'stepup', { code: await code(gw, secret), rd: ADMIN, trust: 'yes' }, cookie);
  assert.equal(bad.status, 400, 'the box sends 1, nothing else');
  assert.equal((await newDevices(gw)).length, 0);
  assert.equal((await audited(gw, 'device.trusted')).length, 0);
});
