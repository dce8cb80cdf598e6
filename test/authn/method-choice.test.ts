/**
 * The choice of second factor on the step-up page and the "trust this device" offer: one way
 * shown at a time, with plain links to the others (`?method=`); the way shown first is the one
 * asked for, else the last one used on this browser (a cookie set by a proof), else the user's
 * default (chosen on the account page), else the first offered. The trust box appears once,
 * says what trusting changes under the policy in force, and is absent on a trusted browser or
 * where trusting changes nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { METHOD_COOKIE } from '../../src/authn/method-choice.ts';
import {
  DEFAULT_POLICY,
  enrolTotp,
  nextTotpCode,
  PASSWORD,
  startTestGateway,
  type TestGateway,
  type TestGatewayOptions,
} from '../helpers/gateway.ts';
import { type Answer, cookieFrom, setCookieOf } from '../helpers/http.ts';
import { type CreationOptionsJSON, SoftAuthenticator } from '../helpers/soft-authenticator.ts';

const ORIGIN = 'http://portal.test';
const FORM = { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN };
const JSON_H = { 'content-type': 'application/json', origin: ORIGIN };
const ADMIN = 'http://app.test/admin/x';
const OFFICE = 'http://app.test/office/x';

/** The default policy, plus an office area that a trusted browser reaches with the password alone. */
const TRUST_POLICY = {
  rules: [
    {
      name: 'office-on-trusted-browsers',
      hosts: ['app.test'],
      paths: ['/office/**'],
      when: { trusted_device: true },
      action: 'authenticate',
      require: { level: 'password' },
    },
    { name: 'office', hosts: ['app.test'], paths: ['/office/**'], action: 'authenticate', require: { level: 'mfa' } },
    ...DEFAULT_POLICY.rules,
  ],
};

async function gateway(t: { after(fn: () => unknown): void }, opts: TestGatewayOptions = {}): Promise<TestGateway> {
  const gw = await startTestGateway(opts);
  t.after(() => gw.close());
  return gw;
}

const post = (gw: TestGateway, path: string, fields: Record<string, string>, cookie: string, headers = FORM) =>
  gw.send({
    method: 'POST',
    host: 'portal.test',
    target: `/.portcullis/${path}`,
    headers: { ...headers, cookie },
    body: headers === FORM ? new URLSearchParams(fields).toString() : JSON.stringify(fields),
  });

/** Alice holds an authenticator app and a security key: her app's secret. */
async function appAndKey(gw: TestGateway): Promise<string> {
  const { secret } = await enrolTotp(gw, 'alice');
  const login = await gw.login('alice');
  const proved = await post(gw, 'api/mfa/totp', { code: await nextTotpCode(gw, secret) }, login, JSON_H);
  const cookie = cookieFrom(proved, gw.cookieName) ?? '';
  const options = (await post(gw, 'api/webauthn/register/options', {}, cookie, JSON_H)).json<CreationOptionsJSON>();
  const key = new SoftAuthenticator();
  const registered = await gw.send({
    method: 'POST',
    host: 'portal.test',
    target: '/.portcullis/api/webauthn/register/verify',
    headers: { ...JSON_H, cookie },
    body: JSON.stringify(key.register(options, ORIGIN)),
  });
  assert.equal(registered.status, 200, registered.body);
  return secret;
}

/** A browser signs in with the password on the way to `rd` (its other cookies in `jar`): the step-up page. */
async function stepUp(gw: TestGateway, rd: string, jar = '', query = ''): Promise<{ cookie: string; page: Answer }> {
  const login = await post(gw, 'login', { username: 'alice', password: PASSWORD, rd }, jar);
  assert.equal(login.status, 303, login.body);
  const cookie = [cookieFrom(login, gw.cookieName), jar].filter(Boolean).join('; ');
  const page = await gw.send({
    host: 'portal.test',
    target: `${String(login.headers.location)}${query}`,
    headers: { cookie, accept: 'text/html' },
  });
  assert.equal(page.status, 200);
  return { cookie, page };
}

/** The way the page shows, and the ways it links to. */
function ways(html: string): { shown: string[]; links: string[] } {
  return {
    shown: [
      ...(html.includes('data-webauthn="verify"') ? ['webauthn'] : []),
      ...(html.includes('action="/.portcullis/stepup"') ? ['totp'] : []),
      ...(html.includes('action="/.portcullis/recovery"') ? ['recovery'] : []),
    ],
    links: [...html.matchAll(/href="\/\.portcullis\/stepup\?[^"]*method=(\w+)"/g)].map((m) => m[1] ?? ''),
  };
}

const trustBoxes = (html: string) =>
  [...html.matchAll(/<label class="check"><input type="checkbox" name="trust"[^>]*> ([^<]+)<\/label>/g)].map(
    (m) => m[1],
  );

test('one way at a time: asked for, else last used on this browser, else the default, else the first offered', async (t) => {
  const gw = await gateway(t);
  await appAndKey(gw);
  const cases: { why: string; cookie?: string; preference?: string; query?: string; shown: string }[] = [
    { why: 'nothing known: the first offered (the key)', shown: 'webauthn' },
    { why: 'the default', preference: 'totp', shown: 'totp' },
    { why: 'the last used here wins over the default', cookie: 'totp', preference: 'webauthn', shown: 'totp' },
    { why: 'the last used here, the key', cookie: 'webauthn', preference: 'totp', shown: 'webauthn' },
    { why: 'asked for wins over both', cookie: 'totp', preference: 'totp', query: 'recovery', shown: 'recovery' },
    { why: 'asked for, the app', query: 'totp', shown: 'totp' },
    { why: 'a recovery code is never remembered', cookie: 'recovery', shown: 'webauthn' },
    { why: 'nonsense is ignored', cookie: '<x>', preference: 'push', query: 'bogus', shown: 'webauthn' },
  ];
  const all = ['webauthn', 'totp', 'recovery'];
  for (const c of cases) {
    await gw.runtime.durable.setPreference('alice', 'default_method', c.preference ?? null);
    gw.clock.advance(1_000);
    const { page } = await stepUp(
      gw,
      ADMIN,
      c.cookie === undefined ? '' : `${METHOD_COOKIE}=${c.cookie}`,
      c.query === undefined ? '' : `&method=${c.query}`,
    );
    assert.deepEqual(ways(page.body), { shown: [c.shown], links: all.filter((m) => m !== c.shown) }, c.why);
  }
});

test('a code proven on the page is remembered on this browser; a recovery code is not', async (t) => {
  const gw = await gateway(t);
  const secret = await appAndKey(gw);
  const { cookie } = await stepUp(gw, ADMIN, '', '&method=totp');
  const proved = await post(gw, 'stepup', { code: await nextTotpCode(gw, secret), rd: ADMIN }, cookie);
  const set = setCookieOf(proved, METHOD_COOKIE) ?? '';
  assert.match(set, /^portcullis_method=totp; /);
  for (const attribute of [/; Path=\/\.portcullis\/(;|$)/, /; HttpOnly/, /; SameSite=Lax/, /; Max-Age=\d+/])
    assert.match(set, attribute);
  assert.doesNotMatch(set, /Domain=/, 'host-only');
  const next = await stepUp(gw, ADMIN, `${METHOD_COOKIE}=totp`);
  assert.deepEqual(ways(next.page.body).shown, ['totp'], 'the app first on this browser from now on');

  const codes = (await post(gw, 'account/recovery', {}, cookieFrom(proved, gw.cookieName) ?? '')).body;
  const recovery = /<li><code>([^<]+)<\/code><\/li>/.exec(codes)?.[1] ?? '';
  const other = await stepUp(gw, ADMIN, '', '&method=recovery');
  const used = await post(gw, 'recovery', { code: recovery, rd: ADMIN }, other.cookie);
  assert.equal(used.status, 200, used.body);
  assert.equal(setCookieOf(used, METHOD_COOKIE), undefined);
});

test('the account page names the default way and lets the user choose among the ways held', async (t) => {
  const gw = await gateway(t);
  const secret = await appAndKey(gw);
  const login = await gw.login('alice');
  const cookie =
    cookieFrom(
      await post(gw, 'api/mfa/totp', { code: await nextTotpCode(gw, secret) }, login, JSON_H),
      gw.cookieName,
    ) ?? '';
  const page = await gw.send({ host: 'portal.test', target: '/.portcullis/', headers: { cookie } });
  assert.match(page.body, /Signing in asks for your security key or passkey first\./);
  assert.match(page.body, /<input type="radio" name="method" value="webauthn" checked> Security key or passkey/);
  assert.match(
    page.body,
    /data-label="Kind"><div>(Passkey \(this device\)|Security key|Passkey \(synced\)) <span class="tag">default<\/span><\/div>/,
  );
  assert.match(page.body, /data-label="Kind"><div>Authenticator app<\/div>/, 'the app is not the default');

  const cases: [string, Record<string, string>, string, number, string | null][] = [
    ['the app', { method: 'totp' }, FORM.origin, 200, 'totp'],
    ['push, not held', { method: 'push' }, FORM.origin, 400, 'totp'],
    ['nonsense', { method: '<x>' }, FORM.origin, 400, 'totp'],
    ['the key again', { method: 'webauthn' }, FORM.origin, 200, 'webauthn'],
    ['no Origin', { method: 'totp' }, '', 403, 'webauthn'],
  ];
  for (const [why, fields, origin, status, stored] of cases) {
    const answer = await post(
      gw,
      'account/method/default',
      fields,
      cookie,
      origin ? FORM : ({ 'content-type': FORM['content-type'] } as typeof FORM),
    );
    assert.equal(answer.status, status, why);
    assert.equal(await gw.runtime.durable.getPreference('alice', 'default_method'), stored, why);
  }
  await gw.runtime.audit.flush();
  assert.equal((await gw.runtime.durable.queryAudit({ event: 'method.default' })).length, 2);

  // bob holds the app only: it is his default, nothing to choose; the key is refused
  const bob = await enrolTotp(gw, 'bob');
  const bobLogin = await gw.login('bob');
  const bobCookie =
    cookieFrom(
      await post(gw, 'api/mfa/totp', { code: await nextTotpCode(gw, bob.secret) }, bobLogin, JSON_H),
      gw.cookieName,
    ) ?? '';
  const bobPage = await gw.send({ host: 'portal.test', target: '/.portcullis/', headers: { cookie: bobCookie } });
  assert.match(bobPage.body, /Signing in asks for a code from your authenticator app first\./);
  assert.doesNotMatch(bobPage.body, /name="method"/);
  assert.equal((await post(gw, 'account/method/default', { method: 'webauthn' }, bobCookie)).status, 400);
});

test('the trust box: once per page, saying what it changes, never on a trusted browser', async (t) => {
  const gw = await gateway(t, { policies: { '00-msp.yaml': TRUST_POLICY } });
  const { secret } = await enrolTotp(gw, 'alice');
  gw.clock.advance(60_000);

  const office = await stepUp(gw, OFFICE);
  assert.deepEqual(trustBoxes(office.page.body), ['Don&#39;t ask for a code on this browser for 30 days']);
  assert.match(office.page.body, /let this browser in with your password alone/);
  const admin = await stepUp(gw, ADMIN);
  assert.deepEqual(trustBoxes(admin.page.body), ['Trust this browser for 30 days']);
  assert.match(admin.page.body, /this one will still ask for a code/);
  const recovery = await stepUp(gw, ADMIN, '', '&method=recovery');
  assert.equal(trustBoxes(recovery.page.body).length, 1, 'in the recovery form, once');

  // ticked with a right code: the browser is trusted
  const proved = await post(
    gw,
    'stepup',
    { code: await nextTotpCode(gw, secret), rd: OFFICE, trust: '1' },
    office.cookie,
  );
  const device = cookieFrom(proved, gw.runtime.state().session.deviceCookieName) ?? '';
  assert.ok(device);
  gw.clock.advance(60 * 60_000);
  // the next time, this browser reaches the office with its password alone...
  const again = await post(gw, 'login', { username: 'alice', password: PASSWORD, rd: OFFICE }, device);
  assert.equal(again.status, 200, 'the hand-off to app.test: no second factor asked');
  assert.match(again.body, /\/\.portcullis\/sso/);
  // ...and where a code is still needed, trusting is not offered again
  const trusted = await stepUp(gw, ADMIN, device);
  assert.deepEqual(trustBoxes(trusted.page.body), []);
  assert.doesNotMatch(trusted.page.body, /name="trust"/);
});

test('where no rule looks at trusted devices, trusting changes nothing and is not offered (step-up and account pages)', async (t) => {
  const gw = await gateway(t);
  await enrolTotp(gw, 'alice');
  gw.clock.advance(60_000);
  const { page } = await stepUp(gw, ADMIN);
  assert.doesNotMatch(page.body, /name="trust"/);
  // nor on the account page of a known browser
  const login = await post(gw, 'login', { username: 'alice', password: PASSWORD }, '');
  const cookie = [
    cookieFrom(login, gw.cookieName),
    cookieFrom(login, gw.runtime.state().session.deviceCookieName),
  ].join('; ');
  const account = await gw.send({ host: 'portal.test', target: '/.portcullis/', headers: { cookie } });
  assert.match(account.body, /class="tag">this device/);
  assert.doesNotMatch(account.body, /Trust this device/);
});
