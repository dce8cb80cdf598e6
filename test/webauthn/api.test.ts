/**
 * The WebAuthn JSON API through a real gateway (rp_id portal.test, origin http://portal.test),
 * answered by the software authenticator: registration (recovery codes at the first factor, a
 * fresh second factor for the next one), a security key after the password, passwordless
 * sign-in with a passkey, the phishing_resistant level and its max_age at a proxied app, and the
 * refusals: a cloned key (audited), a disabled user, lockout, CSRF, malformed bodies, and
 * `portcullis user reset-mfa`.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { credentialFactorId, WebAuthnCeremonies } from '../../src/authn/factors/webauthn/ceremonies.ts';
import { WEBAUTHN_MESSAGES } from '../../src/authn/factors/webauthn/webauthn-routes.ts';
import { runUserResetMfa } from '../../src/cli/reset-mfa.ts';
import { systemRandom } from '../../src/random.ts';
import type { AuditRecord } from '../../src/stores/durable.ts';
import { messagesFor } from '../../src/web/i18n/messages.ts';
import { Capture } from '../cli/fixtures.ts';
import {
  ACME_POLICY,
  DEFAULT_POLICY,
  PASSWORD,
  startTestGateway,
  type TestGateway,
  type TestGatewayOptions,
} from '../helpers/gateway.ts';
import { type Answer, cookieFrom } from '../helpers/http.ts';
import {
  type AuthenticateOverrides,
  type CreationOptionsJSON,
  type RegistrationResponseJSON,
  type RequestOptionsJSON,
  SoftAuthenticator,
} from '../helpers/soft-authenticator.ts';

const ORIGIN = 'http://portal.test';
const VAULT = 'http://app.test/vault/secrets';
const POLICY = {
  rules: [
    {
      name: 'vault-needs-a-key',
      hosts: ['app.test'],
      paths: ['/vault/**'],
      action: 'authenticate',
      require: { level: 'phishing_resistant', max_age: '15m' },
    },
    ...DEFAULT_POLICY.rules,
  ],
};

async function gateway(t: TestContext, extra: Omit<TestGatewayOptions, 'policies'> = {}): Promise<TestGateway> {
  const gw = await startTestGateway({ policies: { '00-msp.yaml': POLICY, 'acme.yaml': ACME_POLICY }, ...extra });
  t.after(() => gw.close());
  return gw;
}

function post(
  gw: TestGateway,
  path: string,
  body: unknown,
  cookie?: string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return gw.send({
    method: 'POST',
    host: 'portal.test',
    target: `/.portcullis/api/${path}`,
    headers: {
      'content-type': 'application/json',
      origin: ORIGIN,
      ...(cookie === undefined ? {} : { cookie }),
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** The proxied page under the phishing_resistant rule: 200, or 401 (JSON) / 302 (browser) before. */
async function vault(gw: TestGateway, cookie?: string): Promise<{ json: number; browser: number; location?: string }> {
  // the app's own handle on the session, as the single sign-on hand-off gives a browser
  const headers: Record<string, string> =
    cookie === undefined ? {} : { cookie: await gw.cookieFor(cookie, 'app.test') };
  const json = await gw.send({ host: 'app.test', target: '/vault/secrets', headers });
  const browser = await gw.send({
    host: 'app.test',
    target: '/vault/secrets',
    headers: { ...headers, accept: 'text/html' },
  });
  return browser.headers.location === undefined
    ? { json: json.status, browser: browser.status }
    : { json: json.status, browser: browser.status, location: String(browser.headers.location) };
}

const NEEDS_KEY = {
  json: 401,
  browser: 302,
  location: `${ORIGIN}/.portcullis/stepup?rd=${encodeURIComponent(VAULT)}`,
};
const OPEN = { json: 200, browser: 200 };

async function session(gw: TestGateway, cookie: string): Promise<Answer> {
  return gw.send({ host: 'portal.test', target: '/.portcullis/api/session', headers: { cookie } });
}

/** Registers `key` for the signed-in session `cookie`; the answer and the risen cookie. */
async function register(
  gw: TestGateway,
  cookie: string,
  key: SoftAuthenticator,
  name?: string,
): Promise<{ answer: Answer; cookie: string; response: RegistrationResponseJSON }> {
  const options = await post(gw, 'webauthn/register/options', {}, cookie);
  assert.equal(options.status, 200, options.body);
  const response = key.register(options.json<CreationOptionsJSON>(), ORIGIN);
  const answer = await post(
    gw,
    'webauthn/register/verify',
    name === undefined ? { response } : { name, response },
    cookie,
  );
  assert.equal(answer.status, 200, answer.body);
  const risen = cookieFrom(answer, gw.cookieName);
  assert.ok(risen);
  return { answer, cookie: risen, response };
}

/** Signs `user` in with the password, registers `key` as the first factor, and signs out. */
async function enrol(gw: TestGateway, user: string, key: SoftAuthenticator, name = 'Key'): Promise<string> {
  const { cookie, response } = await register(gw, await gw.login(user), key, name);
  assert.equal((await post(gw, 'logout', {}, cookie)).status, 204);
  return response.id;
}

async function loginOptions(gw: TestGateway, cookie?: string): Promise<RequestOptionsJSON> {
  const answer = await post(gw, 'webauthn/login/options', {}, cookie);
  assert.equal(answer.status, 200, answer.body);
  return answer.json<RequestOptionsJSON>();
}

/** New options, answered by `key`, verified: the verify answer. */
async function prove(
  gw: TestGateway,
  key: SoftAuthenticator,
  cookie?: string,
  overrides: AuthenticateOverrides = {},
  rd?: string,
): Promise<Answer> {
  const response = key.authenticate(await loginOptions(gw, cookie), ORIGIN, overrides);
  return post(gw, 'webauthn/login/verify', rd === undefined ? { response } : { response, rd }, cookie);
}

const refusal = (status: number, reason: keyof typeof WEBAUTHN_MESSAGES) => ({
  status,
  body: { error: 'webauthn_failed', reason, message: messagesFor('en')(WEBAUTHN_MESSAGES[reason]) },
});
const outcome = (a: Answer) => ({ status: a.status, body: a.json() });

async function audit(gw: TestGateway, event: string): Promise<AuditRecord[]> {
  await gw.runtime.audit.flush();
  return gw.runtime.durable.queryAudit({ event });
}

async function counterOf(gw: TestGateway, credentialId: string): Promise<number | undefined> {
  return (await gw.runtime.durable.getFactor(credentialFactorId(credentialId)))?.data?.counter as number | undefined;
}

describe('registration', () => {
  it('the first key brings 10 recovery codes and raises the session; the next needs a fresh second factor', async (t) => {
    const gw = await gateway(t);
    assert.deepEqual((await post(gw, 'webauthn/register/options', {})).json(), { error: 'authentication_required' });

    const password = await gw.login('alice');
    const optionsAnswer = await post(gw, 'webauthn/register/options', {}, password);
    assert.equal(optionsAnswer.status, 200);
    assert.equal(optionsAnswer.headers['cache-control'], 'no-store');
    const options = optionsAnswer.json<CreationOptionsJSON>();
    assert.deepEqual(options.rp, { name: 'Portcullis', id: 'portal.test' });
    assert.equal(options.user.name, 'alice');
    assert.equal(options.user.displayName, 'Alice Admin');
    assert.deepEqual(options.excludeCredentials, []);

    const key = new SoftAuthenticator();
    const response = key.register(options, ORIGIN);
    const answer = await post(gw, 'webauthn/register/verify', { name: 'YubiKey', response }, password);
    assert.equal(answer.status, 200, answer.body);
    const body = answer.json<{ recovery_codes: string[] }>();
    assert.deepEqual(body, {
      status: 'registered',
      factor: { id: credentialFactorId(response.id), name: 'YubiKey', user_verified: true },
      recovery_codes: body.recovery_codes,
    });
    assert.equal(body.recovery_codes.length, 10);
    assert.equal(new Set(body.recovery_codes).size, 10);
    assert.deepEqual(await gw.runtime.durable.countRecoveryCodes('alice'), { total: 10, unused: 10 });
    const cookie = cookieFrom(answer, gw.cookieName);
    assert.ok(cookie);
    assert.notEqual(cookie, password, 'a new session id');
    assert.equal((await session(gw, password)).status, 401, 'the old id is gone');
    assert.deepEqual((await session(gw, cookie)).json().amr, ['pwd', 'hwk', 'mfa']);
    assert.deepEqual(await vault(gw, cookie), OPEN, 'a key with user verification: phishing resistant');
    const enrolled = await audit(gw, 'enroll.webauthn');
    assert.deepEqual(
      enrolled.map((a) => [a.user, a.outcome, a.detail]),
      [
        [
          'alice',
          'success',
          {
            factor: credentialFactorId(response.id),
            name: 'YubiKey',
            user_verified: true,
            recovery_codes_issued: 10,
          },
        ],
      ],
    );

    // another key: fine while the second factor is fresh, refused after 10 minutes
    gw.clock.advance(10 * 60_000 + 1000);
    const stale = await post(gw, 'webauthn/register/options', {}, cookie);
    assert.equal(stale.status, 403);
    assert.equal(stale.json().error, 'step_up_required');
    const stepped = await prove(gw, key, cookie);
    assert.deepEqual(stepped.json(), { status: 'authenticated' });
    const fresh = cookieFrom(stepped, gw.cookieName);
    assert.ok(fresh);

    const again = await post(gw, 'webauthn/register/options', {}, fresh);
    assert.equal(again.status, 200);
    const next = again.json<CreationOptionsJSON>();
    assert.equal(next.user.id, options.user.id, 'the same user handle');
    assert.deepEqual(next.excludeCredentials, [{ id: response.id, transports: ['usb'], type: 'public-key' }]);
    assert.throws(() => key.register(next, ORIGIN), { name: 'InvalidStateError' });
    const phone = new SoftAuthenticator({ transports: ['internal'] });
    const second = await post(gw, 'webauthn/register/verify', { response: phone.register(next, ORIGIN) }, fresh);
    assert.equal(second.status, 200, second.body);
    assert.deepEqual(second.json().recovery_codes, [], 'no new codes at the second factor');
    assert.equal(second.json<{ factor: { name: string } }>().factor.name, 'Security key', 'the default name');
    assert.deepEqual(await gw.runtime.durable.countRecoveryCodes('alice'), { total: 10, unused: 10 });
    assert.deepEqual(
      (await gw.runtime.durable.listFactors('alice')).map((f) => [f.kind, f.name]),
      [
        ['webauthn', 'YubiKey'],
        ['webauthn', 'Security key'],
      ],
    );
  });

  it('a response re-wrapped for new options is already_registered (409); a bad one is 401 and audited', async (t) => {
    const gw = await gateway(t);
    const { cookie, response } = await register(gw, await gw.login('alice'), new SoftAuthenticator());
    const options = (await post(gw, 'webauthn/register/options', {}, cookie)).json<CreationOptionsJSON>();
    const client = JSON.parse(Buffer.from(response.response.clientDataJSON, 'base64url').toString('utf8'));
    const replayed = {
      ...response,
      response: {
        ...response.response,
        clientDataJSON: Buffer.from(JSON.stringify({ ...client, challenge: options.challenge })).toString('base64url'),
      },
    };
    const answer = await post(gw, 'webauthn/register/verify', { response: replayed }, cookie);
    assert.deepEqual(outcome(answer), refusal(409, 'already_registered'));
    assert.equal(cookieFrom(answer, gw.cookieName), undefined);

    const more = (await post(gw, 'webauthn/register/options', {}, cookie)).json<CreationOptionsJSON>();
    const foreign = new SoftAuthenticator().register(more, 'http://evil.example');
    assert.deepEqual(
      outcome(await post(gw, 'webauthn/register/verify', { response: foreign }, cookie)),
      refusal(401, 'invalid_response'),
    );
    assert.equal((await gw.runtime.durable.listFactors('alice')).length, 1);
    assert.deepEqual(
      (await audit(gw, 'enroll.webauthn.failure')).map((a) => a.detail),
      [{ reason: 'invalid_response', detail: 'origin' }, { reason: 'already_registered' }],
    );
  });
});

describe('a security key after the password', () => {
  it('meets the phishing_resistant rule: the app answers 401/302 before and 200 after', async (t) => {
    const gw = await gateway(t);
    const key = new SoftAuthenticator();
    const id = await enrol(gw, 'alice', key);

    const signIn = await gw.send({
      method: 'POST',
      host: 'portal.test',
      target: '/.portcullis/api/login',
      headers: { 'content-type': 'application/json', origin: ORIGIN },
      body: JSON.stringify({ username: 'alice', password: PASSWORD, rd: VAULT }),
    });
    assert.deepEqual(signIn.json(), { status: 'mfa_required', methods: ['webauthn'] });
    const password = cookieFrom(signIn, gw.cookieName);
    assert.ok(password);
    assert.deepEqual(await vault(gw, password), NEEDS_KEY);
    const denied = await gw.send({
      host: 'app.test',
      target: '/vault/secrets',
      headers: { cookie: await gw.cookieFor(password, 'app.test') },
    });
    assert.equal(denied.json().level, 'phishing_resistant');

    const options = await loginOptions(gw, password);
    assert.deepEqual(options.allowCredentials, [{ id, transports: ['usb'], type: 'public-key' }]);
    assert.equal(options.userVerification, 'preferred');
    assert.equal(options.rpId, 'portal.test');
    const answer = await post(gw, 'webauthn/login/verify', { response: key.authenticate(options, ORIGIN) }, password);
    assert.equal(answer.status, 200, answer.body);
    assert.deepEqual(answer.json(), { status: 'authenticated' });
    const cookie = cookieFrom(answer, gw.cookieName);
    assert.ok(cookie);
    assert.notEqual(cookie, password);
    assert.equal((await session(gw, password)).status, 401, 'the pre-rise id is gone');
    assert.deepEqual(await vault(gw, cookie), OPEN);
    assert.equal(await counterOf(gw, id), 1);
    assert.equal((await audit(gw, 'mfa.webauthn.success')).length, 1);
  });

  it('a key without user verification is a second factor, not phishing resistant', async (t) => {
    const gw = await gateway(t);
    const key = new SoftAuthenticator({ uv: false });
    const { answer, cookie } = await register(gw, await gw.login('alice'), key);
    assert.equal(answer.json<{ factor: { user_verified: boolean } }>().factor.user_verified, false);
    assert.deepEqual(await vault(gw, cookie), NEEDS_KEY);
    const admin = await gw.send({
      host: 'app.test',
      target: '/admin/',
      headers: { cookie: await gw.cookieFor(cookie, 'app.test') },
    });
    assert.equal(admin.status, 200, 'the mfa level is met');
    assert.deepEqual((await session(gw, cookie)).json().amr, ['pwd', 'hwk', 'mfa']);

    const proved = await prove(gw, key, cookie);
    assert.deepEqual(proved.json(), { status: 'authenticated' });
    assert.deepEqual(await vault(gw, cookieFrom(proved, gw.cookieName)), NEEDS_KEY);
  });

  it('no key registered: login/options is 409 no_credentials', async (t) => {
    const gw = await gateway(t);
    assert.deepEqual(
      outcome(await post(gw, 'webauthn/login/options', {}, await gw.login('bob'))),
      refusal(409, 'no_credentials'),
    );
  });
});

describe('passwordless', () => {
  it('a passkey signs in without a session and reaches the phishing_resistant page; max_age asks again', async (t) => {
    const gw = await gateway(t);
    const passkey = new SoftAuthenticator({ attachment: 'platform', transports: ['internal'] });
    const id = await enrol(gw, 'alice', passkey, 'Laptop');
    assert.deepEqual(await vault(gw), {
      json: 401,
      browser: 302,
      location: `${ORIGIN}/.portcullis/login?rd=${encodeURIComponent(VAULT)}`,
    });

    const optionsAnswer = await post(gw, 'webauthn/login/options', {});
    assert.equal(optionsAnswer.status, 200);
    assert.deepEqual(optionsAnswer.cookies, [], 'no session for the options');
    const options = optionsAnswer.json<RequestOptionsJSON>();
    assert.deepEqual(options.allowCredentials, []);
    assert.equal(options.userVerification, 'required');
    const answer = await post(gw, 'webauthn/login/verify', {
      response: passkey.authenticate(options, ORIGIN),
      rd: VAULT,
    });
    assert.equal(answer.status, 200, answer.body);
    assert.deepEqual(answer.json(), { status: 'authenticated', redirect: VAULT });
    const cookie = cookieFrom(answer, gw.cookieName);
    assert.ok(cookie);
    const me = (await session(gw, cookie)).json();
    assert.equal(me.user, 'alice');
    assert.deepEqual(me.amr, ['hwk', 'mfa']);
    assert.deepEqual(await vault(gw, cookie), OPEN);
    assert.equal(await counterOf(gw, id), 1);
    const success = await audit(gw, 'login.success');
    assert.deepEqual(success[0]?.detail, { factor: 'passkey', credential: 'Laptop', user_verified: true });

    // max_age 15m: one minute later still fine, past it the key is asked again, the session stays
    gw.clock.advance(14 * 60_000);
    assert.deepEqual(await vault(gw, cookie), OPEN);
    gw.clock.advance(60_000 + 1000);
    assert.deepEqual(await vault(gw, cookie), NEEDS_KEY);
    assert.equal((await session(gw, cookie)).status, 200);
    // with a session, the options are a step-up for that user
    const stepUp = await loginOptions(gw, cookie);
    assert.deepEqual(stepUp.allowCredentials, [{ id, transports: ['internal'], type: 'public-key' }]);
    const again = await post(gw, 'webauthn/login/verify', { response: passkey.authenticate(stepUp, ORIGIN) }, cookie);
    assert.deepEqual(again.json(), { status: 'authenticated' });
    const risen = cookieFrom(again, gw.cookieName);
    assert.ok(risen);
    assert.deepEqual(await vault(gw, risen), OPEN);
    assert.equal(await counterOf(gw, id), 2);
  });

  it('an unsafe rd falls back to the portal; the challenge is single-use', async (t) => {
    const gw = await gateway(t);
    const passkey = new SoftAuthenticator();
    await enrol(gw, 'bob', passkey);
    const response = passkey.authenticate(await loginOptions(gw), ORIGIN);
    const answer = await post(gw, 'webauthn/login/verify', { response, rd: 'https://evil.example/' });
    assert.deepEqual(answer.json(), { status: 'authenticated', redirect: `${ORIGIN}/.portcullis/` });
    const replay = await post(gw, 'webauthn/login/verify', { response });
    assert.deepEqual(outcome(replay), refusal(401, 'challenge_expired'));
    assert.equal(cookieFrom(replay, gw.cookieName), undefined);
  });

  it('a disabled user is refused with unknown_credential and no session', async (t) => {
    const gw = await gateway(t);
    // dave cannot sign in to register: his credential goes straight into the stores
    const settings = gw.runtime.state().webauthn;
    const ceremonies = new WebAuthnCeremonies({
      durable: gw.runtime.durable,
      ephemeral: gw.runtime.ephemeral,
      clock: gw.clock,
      random: systemRandom,
    });
    const passkey = new SoftAuthenticator();
    const created = await ceremonies.registrationOptions(settings, { name: 'dave' });
    const registered = await ceremonies.verifyRegistration(settings, 'dave', passkey.register(created, ORIGIN), 'Key');
    assert.ok(registered.ok);

    const answer = await prove(gw, passkey);
    assert.deepEqual(outcome(answer), refusal(401, 'unknown_credential'));
    assert.equal(cookieFrom(answer, gw.cookieName), undefined);
    const failures = await audit(gw, 'login.failure');
    assert.deepEqual(
      failures.map((a) => [a.user, a.detail]),
      [['dave', { factor: 'webauthn', reason: 'unknown_credential', detail: 'user', passwordless: true }]],
    );
  });
});

describe('refusals', () => {
  it('a cloned key (second factor): 401 counter_regression, audited, nothing changes', async (t) => {
    const gw = await gateway(t);
    const original = new SoftAuthenticator();
    const id = await enrol(gw, 'alice', original);
    const clone = original.clone();
    let cookie = await gw.login('alice');
    for (let i = 0; i < 2; i++) {
      const ok = await prove(gw, original, cookie);
      assert.equal(ok.status, 200, ok.body);
      cookie = cookieFrom(ok, gw.cookieName) ?? '';
    }
    assert.equal(await counterOf(gw, id), 2);
    const before = await gw.runtime.durable.getFactor(credentialFactorId(id));
    const sessionBefore = (await session(gw, cookie)).json();
    gw.clock.advance(1000);

    const answer = await prove(gw, clone, cookie);
    assert.deepEqual(outcome(answer), refusal(401, 'counter_regression'));
    assert.deepEqual(answer.cookies, [], 'no session change');
    assert.deepEqual(await gw.runtime.durable.getFactor(credentialFactorId(id)), before);
    assert.deepEqual((await session(gw, cookie)).json(), sessionBefore);
    const alarms = await audit(gw, 'webauthn.counter_regression');
    assert.deepEqual(
      alarms.map((a) => [a.user, a.outcome, a.detail]),
      [
        [
          'alice',
          'failure',
          { factor: 'webauthn', reason: 'counter_regression', detail: '1 <= 2', passwordless: false },
        ],
      ],
    );
    assert.deepEqual(
      (await audit(gw, 'mfa.webauthn.failure')).map((a) => a.detail),
      [{ reason: 'counter_regression' }],
    );
    assert.equal((await gw.runtime.lockout.status('alice')).failures, 1);
  });

  it('a cloned passkey (passwordless): the alarm names the user whose key it is', async (t) => {
    const gw = await gateway(t);
    const original = new SoftAuthenticator();
    const id = await enrol(gw, 'carol', original);
    const clone = original.clone();
    assert.equal((await prove(gw, original)).status, 200);
    const answer = await prove(gw, clone);
    assert.deepEqual(outcome(answer), refusal(401, 'counter_regression'));
    assert.equal(cookieFrom(answer, gw.cookieName), undefined);
    assert.equal(await counterOf(gw, id), 1);
    const alarms = await audit(gw, 'webauthn.counter_regression');
    assert.deepEqual(
      alarms.map((a) => [a.user, a.tenant, a.detail]),
      [['carol', 'acme', { factor: 'webauthn', reason: 'counter_regression', detail: '1 <= 1', passwordless: true }]],
    );
  });

  it('failures count towards lockout: once locked, even a valid assertion is refused', async (t) => {
    const gw = await gateway(t, { gateway: { lockout: { max_failures: 3 } } });
    const key = new SoftAuthenticator();
    const id = await enrol(gw, 'alice', key);
    const cookie = await gw.login('alice');
    for (let i = 0; i < 3; i++) {
      const bad = await prove(gw, key, cookie, { tamperSignature: true });
      assert.deepEqual(outcome(bad), refusal(401, 'invalid_response'));
    }
    assert.equal((await gw.runtime.lockout.status('alice')).locked, true);
    assert.equal((await audit(gw, 'lockout')).length, 1);

    const counter = await counterOf(gw, id);
    const valid = await prove(gw, key, cookie);
    assert.deepEqual(outcome(valid), refusal(401, 'invalid_response'));
    assert.deepEqual(valid.cookies, []);
    assert.deepEqual(await vault(gw, cookie), NEEDS_KEY);
    assert.equal(await counterOf(gw, id), counter, 'not even verified');
    const passwordless = await prove(gw, key);
    assert.deepEqual(outcome(passwordless), refusal(401, 'unknown_credential'));
    assert.equal(cookieFrom(passwordless, gw.cookieName), undefined);
    assert.deepEqual(
      (await audit(gw, 'mfa.webauthn.failure')).map((a) => a.detail),
      [
        { reason: 'locked' },
        { reason: 'invalid_response' },
        { reason: 'invalid_response' },
        { reason: 'invalid_response' },
      ],
    );
  });

  it('passwordless failures count towards the address: passwords from it are throttled, a passkey still signs in', async (t) => {
    const gw = await gateway(t, { gateway: { lockout: { max_failures: 2, address: { max_failures: 10 } } } });
    const passkey = new SoftAuthenticator();
    await enrol(gw, 'bob', passkey);
    for (let i = 0; i < 10; i++) {
      const bad = await prove(gw, passkey, undefined, { tamperSignature: true });
      assert.deepEqual(outcome(bad), refusal(401, 'invalid_response'));
    }
    assert.equal((await gw.runtime.lockout.status('bob')).failures, 0, 'the account is not named by a failure');
    const password = await post(gw, 'login', { username: 'bob', password: PASSWORD });
    assert.equal(password.status, 429, 'the address is throttled for passwords');
    assert.equal(password.json().error, 'too_many_attempts');
    // a passkey cannot be guessed: the throttle, which slows down guessing, does not stop it
    const valid = await prove(gw, passkey);
    assert.equal(valid.status, 200, valid.body);
    assert.notEqual(cookieFrom(valid, gw.cookieName), undefined);
    const [throttled] = await audit(gw, 'lockout');
    assert.deepEqual(throttled?.detail, { counter: 'address', address: '127.0.0.1', failures: 10 });
  });

  it('CSRF: no Origin, another origin or another content type is 403 and spends nothing', async (t) => {
    const gw = await gateway(t);
    const key = new SoftAuthenticator();
    await enrol(gw, 'alice', key);
    const cookie = await gw.login('alice');
    const response = key.authenticate(await loginOptions(gw, cookie), ORIGIN);
    const body = JSON.stringify({ response });
    const attempts: Record<string, string>[] = [
      { 'content-type': 'application/json', cookie },
      { 'content-type': 'application/json', cookie, origin: 'http://evil.example' },
      { 'content-type': 'text/plain', cookie, origin: ORIGIN },
    ];
    for (const headers of attempts) {
      const answer = await gw.send({
        method: 'POST',
        host: 'portal.test',
        target: '/.portcullis/api/webauthn/login/verify',
        headers,
        body,
      });
      assert.equal(answer.status, 403, JSON.stringify(headers));
      assert.equal(answer.json().error, 'csrf');
      assert.deepEqual(answer.cookies, []);
    }
    for (const path of ['register/options', 'login/options']) {
      const answer = await gw.send({
        method: 'POST',
        host: 'portal.test',
        target: `/.portcullis/api/webauthn/${path}`,
        headers: { 'content-type': 'application/json', cookie },
        body: '{}',
      });
      assert.equal(answer.status, 403, path);
    }
    assert.equal((await gw.runtime.lockout.status('alice')).failures, 0);
    const ok = await post(gw, 'webauthn/login/verify', { response }, cookie);
    assert.deepEqual(ok.json(), { status: 'authenticated' }, 'the challenge was still there');
  });

  it('malformed bodies are 400 with no side effect', async (t) => {
    const gw = await gateway(t);
    const key = new SoftAuthenticator();
    await enrol(gw, 'alice', key);
    const cookie = await gw.login('alice');
    const response = key.authenticate(await loginOptions(gw, cookie), ORIGIN);
    const junk: [string, unknown][] = [
      ['register/options', { x: 1 }],
      ['register/options', '[]'],
      ['register/verify', {}],
      ['register/verify', { name: '', response: {} }],
      ['login/options', { user: 'alice' }],
      ['login/verify', '{'],
      ['login/verify', {}],
      ['login/verify', { response, extra: true }],
      ['login/verify', { response, rd: 5 }],
      ['login/verify', { response: { ...response, id: 'a+b', rawId: 'a+b' } }],
      ['login/verify', { response: { ...response, type: 'password' } }],
      ['login/verify', { response: { ...response, response: { ...response.response, signature: 'A'.repeat(2049) } } }],
      ['login/verify', { response: { ...response, response: { ...response.response, userHandle: 7 } } }],
      ['login/verify', { response: { ...response, clientExtensionResults: undefined } }],
    ];
    for (const [path, body] of junk) {
      const answer = await post(gw, `webauthn/${path}`, body, cookie);
      assert.equal(answer.status, 400, `${path} ${JSON.stringify(body).slice(0, 60)}`);
      assert.equal(answer.json().error, 'bad_request');
      assert.deepEqual(answer.cookies, []);
    }
    assert.equal((await gw.runtime.lockout.status('alice')).failures, 0);
    assert.deepEqual(await audit(gw, 'mfa.webauthn.failure'), []);
    assert.deepEqual(await audit(gw, 'enroll.webauthn.failure'), []);
    assert.equal((await gw.runtime.durable.listFactors('alice')).length, 1);
    const ok = await post(gw, 'webauthn/login/verify', { response }, cookie);
    assert.deepEqual(ok.json(), { status: 'authenticated' }, 'the challenge was still there');
  });
});

describe('the verify bodies: the bare PublicKeyCredential JSON (contract) and the wrapper', () => {
  type Shape = 'bare' | 'wrapper';
  /** A verify request in `shape`: the credential alone with `fields` in the query, or wrapped with them. */
  function verify(
    gw: TestGateway,
    shape: Shape,
    path: 'register/verify' | 'login/verify',
    credential: object,
    fields: Record<string, string> = {},
    cookie?: string,
  ): Promise<Answer> {
    const query = new URLSearchParams(fields).toString();
    return shape === 'bare'
      ? post(gw, `webauthn/${path}${query === '' ? '' : `?${query}`}`, credential, cookie)
      : post(gw, `webauthn/${path}`, { response: credential, ...fields }, cookie);
  }

  for (const shape of ['bare', 'wrapper'] as const) {
    it(`${shape}: registration names the key, a second factor heeds rd, a passkey signs in to rd`, async (t) => {
      const gw = await gateway(t);
      const passkey = new SoftAuthenticator();
      const plain = new SoftAuthenticator({ uv: false });

      // registration: the name given, then the default name
      let cookie = await gw.login('alice');
      let answer = await verify(
        gw,
        shape,
        'register/verify',
        passkey.register((await post(gw, 'webauthn/register/options', {}, cookie)).json<CreationOptionsJSON>(), ORIGIN),
        { name: 'YubiKey' },
        cookie,
      );
      assert.equal(answer.status, 200, answer.body);
      assert.equal(answer.json<{ factor: { name: string } }>().factor.name, 'YubiKey');
      cookie = cookieFrom(answer, gw.cookieName) ?? '';
      answer = await verify(
        gw,
        shape,
        'register/verify',
        plain.register((await post(gw, 'webauthn/register/options', {}, cookie)).json<CreationOptionsJSON>(), ORIGIN),
        {},
        cookie,
      );
      assert.equal(answer.status, 200, answer.body);
      assert.equal(answer.json<{ factor: { name: string } }>().factor.name, 'Security key');

      // a second factor after the password: rd is read (a key without user verification is
      // refused for the phishing-resistant page, taken without rd)
      let signedIn = await gw.login('alice');
      const proofs: [string, SoftAuthenticator, Record<string, string>, unknown][] = [
        ['no uv, rd the vault', plain, { rd: VAULT }, refusal(401, 'user_verification_required')],
        ['no uv, no rd', plain, {}, { status: 200, body: { status: 'authenticated' } }],
        ['uv, rd the vault', passkey, { rd: VAULT }, { status: 200, body: { status: 'authenticated' } }],
      ];
      for (const [name, key, fields, want] of proofs) {
        const options = await loginOptions(gw, signedIn);
        const proof = await verify(gw, shape, 'login/verify', key.authenticate(options, ORIGIN), fields, signedIn);
        assert.deepEqual(outcome(proof), want, name);
        signedIn = cookieFrom(proof, gw.cookieName) ?? signedIn;
        assert.deepEqual(await vault(gw, signedIn), key === passkey ? OPEN : NEEDS_KEY, name);
      }

      // passwordless: the passkey signs in and the answer sends the browser to rd
      const signIn = await verify(gw, shape, 'login/verify', passkey.authenticate(await loginOptions(gw), ORIGIN), {
        rd: VAULT,
      });
      assert.deepEqual(outcome(signIn), { status: 200, body: { status: 'authenticated', redirect: VAULT } });
      assert.deepEqual(await vault(gw, cookieFrom(signIn, gw.cookieName)), OPEN);
    });
  }

  it('malformed bodies and queries of either shape are 400, change nothing and spend no challenge', async (t) => {
    const gw = await gateway(t);
    const key = new SoftAuthenticator();
    await enrol(gw, 'alice', key);
    const alice = await gw.login('alice');
    const assertion = key.authenticate(await loginOptions(gw, alice), ORIGIN);
    const bob = await gw.login('bob');
    const attestation = new SoftAuthenticator().register(
      (await post(gw, 'webauthn/register/options', {}, bob)).json<CreationOptionsJSON>(),
      ORIGIN,
    );
    const { rawId: _, ...noRawId } = assertion;
    const ADDITIONAL = /must NOT have additional properties/;
    const cases: [string, 'login/verify' | 'register/verify', string, unknown, RegExp][] = [
      ['rd inside the bare credential', 'login/verify', '', { ...assertion, rd: VAULT }, ADDITIONAL],
      [
        'a key unknown to the assertion',
        'login/verify',
        '',
        { ...assertion, response: { ...assertion.response, extra: 1 } },
        ADDITIONAL,
      ],
      [
        'a key unknown to the credential, wrapped',
        'login/verify',
        '',
        { response: { ...assertion, x: 1 } },
        ADDITIONAL,
      ],
      [
        'a key unknown to the assertion, wrapped',
        'login/verify',
        '',
        { response: { ...assertion, response: { ...assertion.response, extra: 1 } } },
        ADDITIONAL,
      ],
      ['no rawId', 'login/verify', '', noRawId, /rawId/],
      ['only an id', 'login/verify', '', { id: assertion.id }, /required property/],
      ['an attestation to login', 'login/verify', '', attestation, /signature|additional/],
      ['an array', 'login/verify', '', [assertion], /must be object/],
      ['null', 'login/verify', '', 'null', /must be object/],
      ['an unknown query parameter', 'login/verify', '?x=1', assertion, ADDITIONAL],
      ['name is for registration', 'login/verify', '?name=Key', assertion, ADDITIONAL],
      [
        'rd in the wrapper and the query',
        'login/verify',
        `?rd=${encodeURIComponent(VAULT)}`,
        { response: assertion, rd: VAULT },
        /^rd is given both in the body and in the query/,
      ],
      ['an assertion to register', 'register/verify', '', assertion, /attestationObject|additional/],
      ['name inside the bare credential', 'register/verify', '', { ...attestation, name: 'Key' }, ADDITIONAL],
      ['an empty name', 'register/verify', '?name=', attestation, /fewer than 1/],
      ['a long name', 'register/verify', `?name=${'k'.repeat(65)}`, attestation, /more than 64/],
      ['rd is for login', 'register/verify', '?rd=x', attestation, ADDITIONAL],
      [
        'name in the wrapper and the query',
        'register/verify',
        '?name=A',
        { response: attestation, name: 'B' },
        /^name is given both in the body and in the query/,
      ],
    ];
    for (const [name, path, query, body, message] of cases) {
      const answer = await post(gw, `webauthn/${path}${query}`, body, path === 'login/verify' ? alice : bob);
      assert.equal(answer.status, 400, `${name}: ${answer.body}`);
      assert.equal(answer.json().error, 'bad_request', name);
      assert.match(answer.json<{ message: string }>().message, message, name);
      assert.deepEqual(answer.cookies, [], name);
    }
    assert.equal((await gw.runtime.lockout.status('alice')).failures, 0);
    assert.deepEqual(await audit(gw, 'mfa.webauthn.failure'), []);
    assert.deepEqual(await audit(gw, 'enroll.webauthn.failure'), []);
    assert.deepEqual(await gw.runtime.durable.listFactors('bob'), []);
    // both challenges were still there
    assert.deepEqual((await post(gw, 'webauthn/login/verify', assertion, alice)).json(), { status: 'authenticated' });
    const registered = await post(gw, 'webauthn/register/verify?name=Key', attestation, bob);
    assert.equal(registered.json().status, 'registered', registered.body);
  });
});

describe('portcullis user reset-mfa', () => {
  it('removes the WebAuthn credentials: the passkey no longer signs in', async (t) => {
    const gw = await gateway(t);
    const passkey = new SoftAuthenticator();
    await enrol(gw, 'alice', passkey);
    assert.equal((await prove(gw, passkey)).status, 200, 'the passkey works');

    const out = new Capture();
    const err = new Capture();
    const config = join(gw.dir, 'config/gateway.yaml');
    assert.equal(
      await runUserResetMfa(['alice', '--config', config], { stdin: process.stdin, stdout: out, stderr: err }),
      0,
      err.text,
    );
    assert.match(out.text, /^removed 1 factor\(s\) and the recovery codes of alice/);
    assert.deepEqual(await gw.runtime.durable.listFactors('alice'), []);
    assert.deepEqual(await gw.runtime.durable.countRecoveryCodes('alice'), { total: 0, unused: 0 });

    const answer = await prove(gw, passkey);
    assert.deepEqual(outcome(answer), refusal(401, 'unknown_credential'));
    assert.equal(cookieFrom(answer, gw.cookieName), undefined);
    const cookie = await gw.login('alice');
    assert.deepEqual(outcome(await post(gw, 'webauthn/login/options', {}, cookie)), refusal(409, 'no_credentials'));
  });
});

describe('WebAuthn API: ceremonies are per session', () => {
  it('two signed-in browsers of one user do not spend each other’s challenges', async (t) => {
    const gw = await gateway(t);
    const key = new SoftAuthenticator();
    await enrol(gw, 'alice', key);
    const first = await gw.login('alice');
    const second = await gw.login('alice');
    const optionsA = await loginOptions(gw, first);
    const optionsB = await loginOptions(gw, second);
    assert.notEqual(optionsA.challenge, optionsB.challenge);
    const answerB = await post(gw, 'webauthn/login/verify', { response: key.authenticate(optionsB, ORIGIN) }, second);
    assert.equal(answerB.status, 200, answerB.body);
    const answerA = await post(gw, 'webauthn/login/verify', { response: key.authenticate(optionsA, ORIGIN) }, first);
    assert.equal(answerA.status, 200, answerA.body);
    // each session rose to a new id; a response made for one session's challenge does not pass in the other
    const risenA = cookieFrom(answerA, gw.cookieName) as string;
    const risenB = cookieFrom(answerB, gw.cookieName) as string;
    const optionsC = await loginOptions(gw, risenA);
    await loginOptions(gw, risenB);
    const crossed = await post(gw, 'webauthn/login/verify', { response: key.authenticate(optionsC, ORIGIN) }, risenB);
    assert.deepEqual(outcome(crossed), refusal(401, 'invalid_response'));
  });
});
