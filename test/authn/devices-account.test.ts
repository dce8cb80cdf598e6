/**
 * The Devices section of the account page (`/.portcullis/`): the list (this device marked),
 * forgetting a device (its sessions end; forgetting this one signs out), trusting this device
 * (a fresh second factor first), and the refusals: no CSRF Origin, an unknown id, another user's
 * device, no session, trust turned off, a session cookie carried to another browser.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateTotpCode } from '../../src/authn/factors/totp/totp.ts';
import { formatDateTime } from '../../src/web/i18n/format-time.ts';
import {
  ACME_POLICY,
  DEFAULT_POLICY,
  PASSWORD,
  startTestGateway,
  type TestGateway,
  type TestGatewayOptions,
} from '../helpers/gateway.ts';
import { type Answer, cookieFrom } from '../helpers/http.ts';

/** The default policy and a page for trusted devices only: trusting a device changes something. */
const gateway = (opts: TestGatewayOptions = {}) =>
  startTestGateway({
    policies: {
      '00-msp.yaml': {
        rules: [
          {
            name: 'trusted-only',
            hosts: ['app.test'],
            paths: ['/trusted/**'],
            when: { trusted_device: false },
            action: 'deny',
          },
          ...DEFAULT_POLICY.rules,
        ],
      },
      'acme.yaml': ACME_POLICY,
    },
    ...opts,
  });

const CHROME_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0';
const FORM = { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://portal.test' };
const JSON_H = { 'content-type': 'application/json', origin: 'http://portal.test' };
const DAY = 86_400_000;

/** One browser: its user agent and the cookies it holds (session and device). */
interface Browser {
  ua: string;
  session: string;
  device: string;
}
const cookieOf = (b: Browser) => [b.session, b.device].filter((c) => c !== '').join('; ');

/** Keeps the cookies a response sets (a cleared cookie is dropped). */
function keep(gw: TestGateway, b: Browser, answer: Answer): void {
  const deviceName = gw.runtime.state().session.deviceCookieName;
  const session = cookieFrom(answer, gw.cookieName);
  const device = cookieFrom(answer, deviceName);
  if (session !== undefined) b.session = session.endsWith('=') ? '' : session;
  if (device !== undefined) b.device = device.endsWith('=') ? '' : device;
}

/**
 * Signs in through the JSON API from a browser with that user agent, holding that device cookie
 * (none: a new browser). The account page needs a password only.
 */
async function signIn(gw: TestGateway, user: string, ua: string, device = ''): Promise<Browser> {
  const b: Browser = { ua, session: '', device };
  const answer = await gw.send({
    method: 'POST',
    host: 'portal.test',
    target: '/.portcullis/api/login',
    headers: { ...JSON_H, 'user-agent': ua, ...(device ? { cookie: device } : {}) },
    body: JSON.stringify({ username: user, password: PASSWORD }),
  });
  assert.equal(answer.status, 200, answer.body);
  keep(gw, b, answer);
  assert.ok(b.session && b.device, 'a completed sign-in sets the session and the device cookies');
  return b;
}

const send = (gw: TestGateway, b: Browser, target: string, opts: { body?: string; headers?: object } = {}) =>
  gw.send({
    method: opts.body === undefined ? 'GET' : 'POST',
    host: 'portal.test',
    target,
    headers: {
      ...(opts.body === undefined ? { accept: 'text/html' } : FORM),
      'user-agent': b.ua,
      ...(cookieOf(b) ? { cookie: cookieOf(b) } : {}),
      ...(opts.headers ?? {}),
    } as Record<string, string>,
    ...(opts.body === undefined ? {} : { body: opts.body }),
  });

const accountPage = (gw: TestGateway, b: Browser) => send(gw, b, '/.portcullis/');
const forget = (gw: TestGateway, b: Browser, id: string) =>
  send(gw, b, '/.portcullis/account/device/forget', { body: new URLSearchParams({ id }).toString() });
const trust = (gw: TestGateway, b: Browser) => send(gw, b, '/.portcullis/account/device/trust', { body: '' });
const whoami = (gw: TestGateway, cookie: string) =>
  gw.send({ host: 'portal.test', target: '/.portcullis/api/session', headers: cookie ? { cookie } : {} });

/** The <li> of each listed device, by device id (from its Forget form). */
function listed(body: string): Map<string, string> {
  const items = new Map<string, string>();
  const section = body.slice(body.indexOf('<h2>Devices</h2>'));
  for (const m of section.matchAll(/<li>([\s\S]*?)<\/li>/g)) {
    const id = /name="id" value="([^"]+)"/.exec(m[1] ?? '')?.[1];
    if (id) items.set(id, m[1] ?? '');
  }
  return items;
}

async function devicesOf(gw: TestGateway, user: string) {
  return gw.runtime.durable.listDevices(user);
}

/** Enrols an authenticator for the browser's user through the JSON API; the session rises. */
async function enrolTotp(gw: TestGateway, b: Browser): Promise<string> {
  const started = await gw.send({
    method: 'POST',
    host: 'portal.test',
    target: '/.portcullis/api/enroll/totp/start',
    headers: { ...JSON_H, cookie: cookieOf(b), 'user-agent': b.ua },
    body: '{}',
  });
  const { secret } = started.json<{ secret: string }>();
  const finished = await gw.send({
    method: 'POST',
    host: 'portal.test',
    target: '/.portcullis/api/enroll/totp/finish',
    headers: { ...JSON_H, cookie: cookieOf(b), 'user-agent': b.ua },
    body: JSON.stringify({ code: await code(gw, secret) }),
  });
  assert.equal(finished.status, 200, finished.body);
  keep(gw, b, finished);
  return secret;
}

const code = (gw: TestGateway, secret: string) =>
  generateTotpCode(secret, Math.floor(gw.clock.now() / 30_000), { digits: 6, period: 30, algorithm: 'sha1' });

async function stepUp(gw: TestGateway, b: Browser, secret: string): Promise<void> {
  const proved = await gw.send({
    method: 'POST',
    host: 'portal.test',
    target: '/.portcullis/api/mfa/totp',
    headers: { ...JSON_H, cookie: cookieOf(b), 'user-agent': b.ua },
    body: JSON.stringify({ code: await code(gw, secret) }),
  });
  assert.equal(proved.status, 200, proved.body);
  keep(gw, b, proved);
}

test('the account page lists the devices, marks this one; forgetting another ends its sessions; audited', async (t) => {
  const gw = await gateway();
  t.after(() => gw.close());
  const windows = await signIn(gw, 'alice', CHROME_WINDOWS);
  gw.clock.advance(60_000);
  const linux = await signIn(gw, 'alice', FIREFOX_LINUX);
  const [linuxDevice, windowsDevice] = await devicesOf(gw, 'alice');
  assert.equal(linuxDevice?.name, 'Firefox on Linux', 'most recently seen first');
  assert.equal(windowsDevice?.name, 'Chrome on Windows');

  const page = await accountPage(gw, windows);
  assert.equal(page.status, 200);
  assert.match(page.body, /<h2>Devices<\/h2>/);
  const items = listed(page.body);
  assert.equal(items.size, 2);
  assert.match(
    items.get(windowsDevice?.id ?? '') ?? '',
    /Chrome on Windows<\/strong> <span class="tag">this device<\/span>/,
  );
  assert.doesNotMatch(items.get(linuxDevice?.id ?? '') ?? '', /this device/);
  assert.match(
    items.get(linuxDevice?.id ?? '') ?? '',
    /Last seen Jan 1, 2026, 12:\d\d AM UTC from 127\.0\.0\.1\. Not trusted\./,
  );
  assert.match(page.body, /aria-label="Forget Chrome on Windows \(this device\)"/);
  assert.match(page.body, />Trust this device for 30 days</, 'known, not trusted, trust enabled: offered');
  assert.ok(!page.body.includes(windows.device.split('=')[1] ?? '-'), 'the device cookie is not on the page');

  const forgot = await forget(gw, windows, linuxDevice?.id ?? '');
  assert.equal(forgot.status, 200);
  assert.match(forgot.body, /Firefox on Linux was forgotten\. 1 session signed in from it ended\./);
  assert.deepEqual(
    (await devicesOf(gw, 'alice')).map((d) => d.id),
    [windowsDevice?.id],
  );
  assert.equal((await whoami(gw, linux.session)).status, 401, 'the forgotten device’s session is anonymous now');
  assert.equal((await whoami(gw, windows.session)).status, 200, 'this browser stays signed in');
  assert.equal(listed(forgot.body).size, 1);

  await gw.runtime.audit.flush();
  const audit = await gw.runtime.durable.queryAudit({ event: 'device.forgotten' });
  assert.equal(audit.length, 1);
  assert.equal(audit[0]?.user, 'alice');
  assert.deepEqual(audit[0]?.detail, { device: 'Firefox on Linux', sessions_ended: 1 });
});

test('forgetting this device signs it out: the session ends and the sign-in page follows', async (t) => {
  const gw = await gateway();
  t.after(() => gw.close());
  const windows = await signIn(gw, 'alice', CHROME_WINDOWS);
  const [device] = await devicesOf(gw, 'alice');
  const answer = await forget(gw, windows, device?.id ?? '');
  assert.equal(answer.status, 303);
  assert.equal(
    answer.headers.location,
    `/.portcullis/login?rd=${encodeURIComponent('http://portal.test/.portcullis/')}`,
  );
  assert.equal(cookieFrom(answer, gw.cookieName), `${gw.cookieName}=`, 'the session cookie is cleared');
  assert.equal((await whoami(gw, windows.session)).status, 401);
  assert.equal((await devicesOf(gw, 'alice')).length, 0);
  const again = await accountPage(gw, windows);
  assert.equal(again.status, 302, 'the old cookie opens nothing');
});

test('trusting this device needs a second factor proven in the last 10 minutes', async (t) => {
  const gw = await gateway();
  t.after(() => gw.close());
  const b = await signIn(gw, 'alice', CHROME_WINDOWS);
  const secret = await enrolTotp(gw, b);
  const [device] = await devicesOf(gw, 'alice');
  assert.equal((await devicesOf(gw, 'alice')).length, 1, 'the enrolment was on the same device');

  gw.clock.advance(11 * 60_000);
  const late = await trust(gw, b);
  assert.equal(late.status, 303);
  assert.equal(
    late.headers.location,
    `/.portcullis/stepup?rd=${encodeURIComponent('http://portal.test/.portcullis/')}`,
  );
  assert.equal((await devicesOf(gw, 'alice'))[0]?.trustedUntil, null, 'not trusted without the fresh factor');

  await stepUp(gw, b, secret);
  const before = b.session;
  const trusted = await trust(gw, b);
  assert.equal(trusted.status, 200, trusted.body);
  const until = gw.clock.now() + 30 * DAY;
  assert.match(trusted.body, new RegExp(`This device is trusted until ${formatDateTime(until, 'en')}\\.`));
  assert.equal((await devicesOf(gw, 'alice'))[0]?.trustedUntil, until);
  keep(gw, b, trusted);
  assert.notEqual(b.session, before, 'the session moves to a new id with the trust');
  assert.equal((await whoami(gw, before)).status, 401);
  assert.doesNotMatch(trusted.body, />Trust this device/, 'trusted: no longer offered');
  assert.match(
    listed(trusted.body).get(device?.id ?? '') ?? '',
    new RegExp(`Trusted until ${formatDateTime(until, 'en')}\\.`),
  );
  await gw.runtime.audit.flush();
  assert.equal((await gw.runtime.durable.queryAudit({ event: 'device.trusted' })).length, 1);

  // 31 days on, the trust has lapsed: shown as not trusted, and offered again
  gw.clock.advance(31 * DAY);
  const lapsed = await signIn(gw, 'alice', CHROME_WINDOWS, b.device);
  assert.equal((await devicesOf(gw, 'alice')).length, 1, 'the same device, known by its cookie');
  const page = await accountPage(gw, lapsed);
  assert.match(listed(page.body).get(device?.id ?? '') ?? '', /Not trusted\./);
  assert.match(page.body, />Trust this device for 30 days</);
});

test('a session cookie carried to another browser cannot trust a device from there', async (t) => {
  const gw = await gateway();
  t.after(() => gw.close());
  const b = await signIn(gw, 'alice', CHROME_WINDOWS);
  await enrolTotp(gw, b);
  const elsewhere: Browser = { ua: FIREFOX_LINUX, session: b.session, device: '' };
  const answer = await trust(gw, elsewhere);
  assert.equal(answer.status, 200);
  assert.match(answer.body, /This browser is not the device this session signed in from\./);
  assert.doesNotMatch(answer.body, /class="tag">this device/, 'no device cookie: nothing marked');
  assert.equal((await devicesOf(gw, 'alice'))[0]?.trustedUntil, null);
});

test('with session.remember_device 0 trust is neither offered nor granted', async (t) => {
  const gw = await gateway({
    gateway: { session: { idle_timeout: '30m', max_lifetime: '12h', remember_device: 0 } },
  });
  t.after(() => gw.close());
  const b = await signIn(gw, 'alice', CHROME_WINDOWS);
  await enrolTotp(gw, b);
  const page = await accountPage(gw, b);
  assert.match(page.body, /this device<\/span>/);
  assert.doesNotMatch(page.body, /Trust this device/);
  const answer = await trust(gw, b);
  assert.equal(answer.status, 200);
  assert.match(answer.body, /Trusted devices are turned off on this gateway\./);
  assert.equal((await devicesOf(gw, 'alice'))[0]?.trustedUntil, null);
});

test('forgetting refuses: no Origin, an unknown id, another user’s device, no session, a bad form', async (t) => {
  const gw = await gateway();
  t.after(() => gw.close());
  const alice = await signIn(gw, 'alice', CHROME_WINDOWS);
  const bob = await signIn(gw, 'bob', FIREFOX_LINUX);
  const [aliceDevice] = await devicesOf(gw, 'alice');
  const [bobDevice] = await devicesOf(gw, 'bob');
  const id = aliceDevice?.id ?? '';

  const noOrigin = await send(gw, alice, '/.portcullis/account/device/forget', {
    body: `id=${id}`,
    headers: { origin: 'http://evil.test' },
  });
  assert.equal(noOrigin.status, 403, 'cross-site');
  const noOriginAtAll = await gw.send({
    method: 'POST',
    host: 'portal.test',
    target: '/.portcullis/account/device/forget',
    headers: { 'content-type': FORM['content-type'], cookie: cookieOf(alice) },
    body: `id=${id}`,
  });
  assert.equal(noOriginAtAll.status, 403);
  const trustNoOrigin = await gw.send({
    method: 'POST',
    host: 'portal.test',
    target: '/.portcullis/account/device/trust',
    headers: { 'content-type': FORM['content-type'], cookie: cookieOf(alice) },
    body: '',
  });
  assert.equal(trustNoOrigin.status, 403);

  const unknown = await forget(gw, alice, 'AAAAAAAAAAAAAAAAAAAAAA');
  assert.equal(unknown.status, 200);
  assert.match(unknown.body, /No such device\./);

  const others = await forget(gw, alice, bobDevice?.id ?? '');
  assert.equal(others.status, 200);
  assert.match(others.body, /No such device\./);
  assert.doesNotMatch(others.body, /Firefox on Linux/, 'nothing of bob’s device is shown');
  assert.equal((await devicesOf(gw, 'bob')).length, 1, 'bob’s device is not forgotten');
  assert.equal((await whoami(gw, bob.session)).status, 200, 'bob’s session goes on');

  const anonymous = await forget(gw, { ua: CHROME_WINDOWS, session: '', device: alice.device }, id);
  assert.equal(anonymous.status, 302);
  assert.match(String(anonymous.headers.location), /^\/\.portcullis\/login\?rd=/);
  const anonymousTrust = await trust(gw, { ua: CHROME_WINDOWS, session: '', device: alice.device });
  assert.equal(anonymousTrust.status, 302);

  const noId = await send(gw, alice, '/.portcullis/account/device/forget', { body: 'device=x' });
  assert.equal(noId.status, 400, 'the form is checked against its schema');
  const tooLong = await forget(gw, alice, 'x'.repeat(65));
  assert.equal(tooLong.status, 400);

  assert.equal((await devicesOf(gw, 'alice')).length, 1, 'nothing of alice’s was forgotten either');
  assert.equal((await whoami(gw, alice.session)).status, 200);
  await gw.runtime.audit.flush();
  assert.equal((await gw.runtime.durable.queryAudit({ event: 'device.forgotten' })).length, 0);
});
