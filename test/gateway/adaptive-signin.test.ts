/**
 * Adaptive sign-in end to end: a real gateway with a test .mmdb, client IPs forwarded by a
 * trusted proxy (loopback), the injected clock. Each probe path of the app is allowed only when
 * one condition holds, so the set of paths that answer 200 after a sign-in is the set of
 * signals that fired. Covers risk signals from recorded history, and device cookies that are
 * forged, copied to another user, forgotten or expired.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { forgetDevice } from '../../src/authn/device-trust.ts';
import { generateTotpCode } from '../../src/authn/factors/totp/totp.ts';
import { PASSWORD, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { type Answer, cookieFrom } from '../helpers/http.ts';
import { writeMmdb } from '../helpers/mmdb.ts';

const NEW_YORK = '203.0.113.9';
const LONDON = '198.51.100.20';
const BERLIN = '192.0.2.30';
const LAN = '10.1.2.3';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const DEVICE = 'portcullis_device';

const PROBES = ['new-device', 'new-country', 'travel', 'failures', 'trusted', 'untrusted', 'us'] as const;
type Probe = (typeof PROBES)[number];
const probeRule = (name: Probe, when: object) => ({
  name,
  hosts: ['app.test'],
  paths: [`/${name}`],
  when,
  action: 'authenticate',
  require: { level: 'password' },
});
const POLICY = {
  rules: [
    probeRule('new-device', { risk: ['new_device'] }),
    probeRule('new-country', { risk: ['new_country'] }),
    probeRule('travel', { risk: ['impossible_travel'] }),
    probeRule('failures', { risk: ['recent_failures'] }),
    probeRule('trusted', { trusted_device: true }),
    probeRule('untrusted', { trusted_device: false }),
    probeRule('us', { countries: ['US'] }),
    {
      name: 'portal-and-rest',
      hosts: ['app.test'],
      paths: ['/', '/home'],
      action: 'authenticate',
      require: { level: 'password' },
    },
    { name: 'deny', hosts: ['app.test'], action: 'deny' },
  ],
};

const dir = mkdtempSync(join(tmpdir(), 'portcullis-adaptive-'));
const MMDB = join(dir, 'city.mmdb');
writeMmdb(MMDB, [
  {
    cidr: '203.0.113.0/24',
    record: { country: { iso_code: 'US' }, location: { latitude: 40.7128, longitude: -74.006 } },
  },
  {
    cidr: '198.51.100.0/24',
    record: { country: { iso_code: 'GB' }, location: { latitude: 51.5072, longitude: -0.1276 } },
  },
  { cidr: '192.0.2.0/24', record: { country: { iso_code: 'DE' }, location: { latitude: 52.52, longitude: 13.405 } } },
]);

let gw: TestGateway;
before(async () => {
  gw = await startTestGateway({
    gateway: {
      server: { trusted_proxies: ['127.0.0.1/32', '::1/128'] },
      geo: { database: MMDB },
      risk: { recent_failures: 3 },
    },
    policies: { 'policy.yaml': POLICY },
  });
});
after(async () => {
  await gw.close();
  rmSync(dir, { recursive: true, force: true });
});

interface SignIn {
  session: string;
  /** `portcullis_device=...` after this sign-in (the one sent, or a new one) */
  device: string | undefined;
  answer: Answer;
}

function cookieHeader(...pairs: (string | undefined)[]): string {
  return pairs.filter((p) => p !== undefined).join('; ');
}

async function signIn(user: string, ip: string, device?: string, password = PASSWORD): Promise<SignIn> {
  const answer = await gw.send({
    method: 'POST',
    host: 'app.test',
    target: '/.portcullis/api/login',
    headers: {
      'content-type': 'application/json',
      origin: 'http://app.test',
      'x-forwarded-for': ip,
      ...(device ? { cookie: device } : {}),
    },
    body: JSON.stringify({ username: user, password }),
  });
  const session = cookieFrom(answer, gw.cookieName);
  if (answer.status !== 200 || session === undefined) return { session: '', device, answer };
  return { session, device: cookieFrom(answer, DEVICE) ?? device, answer };
}

/** The probe paths this session may open: the conditions that hold. */
async function holds(s: SignIn, ip: string): Promise<Probe[]> {
  const open: Probe[] = [];
  for (const p of PROBES) {
    const answer = await gw.send({
      host: 'app.test',
      target: `/${p}`,
      headers: { cookie: cookieHeader(s.session, s.device), 'x-forwarded-for': ip },
    });
    if (answer.status === 200) open.push(p);
    else assert.ok([302, 401, 403].includes(answer.status), `${p}: ${answer.status}`);
  }
  return open;
}

function post(path: string, s: SignIn, body: unknown, ip = NEW_YORK) {
  return gw.send({
    method: 'POST',
    host: 'app.test',
    target: `/.portcullis/api/${path}`,
    headers: {
      cookie: cookieHeader(s.session, s.device),
      'content-type': 'application/json',
      origin: 'http://app.test',
      'x-forwarded-for': ip,
    },
    body: JSON.stringify(body),
  });
}

describe('risk signals from recorded history', () => {
  let device: string | undefined;

  test('first sign-in ever: a new device from a new country; a device cookie is issued', async () => {
    const s = await signIn('bob', NEW_YORK);
    assert.equal(s.answer.status, 200, s.answer.body);
    assert.ok(s.device?.startsWith(`${DEVICE}=`));
    assert.deepEqual(await holds(s, NEW_YORK), ['new-device', 'new-country', 'untrusted', 'us']);
    device = s.device;
  });

  test('an hour later, same device and place: nothing fires', async () => {
    gw.clock.advance(HOUR);
    const s = await signIn('bob', NEW_YORK, device);
    assert.equal(cookieFrom(s.answer, DEVICE), undefined, 'a known device keeps its cookie');
    assert.deepEqual(await holds(s, NEW_YORK), ['untrusted', 'us']);
  });

  test('London an hour after New York: new country and impossible travel', async () => {
    gw.clock.advance(HOUR);
    const s = await signIn('bob', LONDON, device);
    assert.deepEqual(await holds(s, LONDON), ['new-country', 'travel', 'untrusted']);
  });

  test('New York a day after London: a plausible flight, a country of the last 90 days', async () => {
    gw.clock.advance(DAY);
    const s = await signIn('bob', NEW_YORK, device);
    assert.deepEqual(await holds(s, NEW_YORK), ['untrusted', 'us']);
  });

  test('Berlin ten minutes later: travel fires, and the audit says why', async () => {
    gw.clock.advance(10 * 60_000);
    const s = await signIn('bob', BERLIN, device);
    assert.deepEqual(await holds(s, BERLIN), ['new-country', 'travel', 'untrusted']);
    await gw.runtime.audit.flush();
    const [context] = await gw.runtime.durable.queryAudit({ user: 'bob', event: 'login.context', limit: 1 });
    assert.deepEqual(context?.detail, { risk: ['new_country', 'impossible_travel'], trusted_device: false });
    assert.equal(context?.country, 'DE');
    // every audited sign-in says where it came from
    const [success] = await gw.runtime.durable.queryAudit({ user: 'bob', event: 'login.success', limit: 1 });
    assert.deepEqual([success?.ip, success?.country, success?.device], [BERLIN, 'DE', 'Unknown device']);
  });

  test('a private address has no country: never new, never travel, not in US', async () => {
    gw.clock.advance(DAY);
    const s = await signIn('bob', LAN, device);
    assert.deepEqual(await holds(s, LAN), ['untrusted']);
  });

  test('recent failures: at the threshold within the lockout window', async () => {
    gw.clock.advance(DAY);
    for (let i = 0; i < 3; i++) assert.equal((await signIn('bob', NEW_YORK, device, 'wrong')).answer.status, 401);
    const s = await signIn('bob', NEW_YORK, device);
    assert.deepEqual(await holds(s, NEW_YORK), ['failures', 'untrusted', 'us']);
    // the success cleared the count: the next sign-in is clean
    const again = await signIn('bob', NEW_YORK, device);
    assert.deepEqual(await holds(again, NEW_YORK), ['untrusted', 'us']);
  });

  test('history is recorded only for completed sign-ins, bounded per user', async () => {
    const history = await gw.runtime.durable.listSignIns('bob', 0, 1000);
    assert.equal(history.length, 8);
    assert.deepEqual(
      history.map((h) => h.country),
      ['US', 'US', null, 'DE', 'US', 'GB', 'US', 'US'],
    );
  });
});

describe('device cookies that must not count', () => {
  let alice: SignIn;
  before(async () => {
    alice = await signIn('alice', NEW_YORK);
    assert.equal(alice.answer.status, 200);
  });

  const forged: [string, (real: string) => string][] = [
    ['garbage', () => `${DEVICE}=hello`],
    [
      'a flipped byte in the sealed id',
      (real) => real.slice(0, -3) + (real.at(-3) === 'A' ? 'B' : 'A') + real.slice(-2),
    ],
    ['an unsealed device id', () => `${DEVICE}=AAAAAAAAAAAAAAAAAAAAAA`],
    ['a huge value', () => `${DEVICE}=${'v1.'.repeat(2000)}`],
  ];
  for (const [name, make] of forged) {
    test(`forged: ${name} is a new device, and gets a fresh cookie`, async () => {
      const s = await signIn('alice', NEW_YORK, make(alice.device as string));
      assert.equal(s.answer.status, 200);
      assert.notEqual(cookieFrom(s.answer, DEVICE), undefined);
      assert.ok((await holds(s, NEW_YORK)).includes('new-device'));
    });
  }

  test("alice's cookie sent by bob: it does not open for him", async () => {
    const s = await signIn('bob', NEW_YORK, alice.device);
    assert.ok((await holds(s, NEW_YORK)).includes('new-device'));
    // and it is still alice's
    const back = await signIn('alice', NEW_YORK, alice.device);
    assert.ok(!(await holds(back, NEW_YORK)).includes('new-device'));
  });
});

describe('trusted devices', () => {
  const PARAMS = { digits: 6 as const, period: 30, algorithm: 'sha1' as const };
  let secret: string;
  let device: string | undefined;
  const step = () => Math.floor(gw.clock.now() / 1000 / 30);

  /** Signs the user in and proves TOTP (enrolling it the first time): a fresh second factor. */
  async function withFreshMfa(user: string, ip: string, cookie: string | undefined): Promise<SignIn> {
    const s = await signIn(user, ip, cookie);
    assert.equal(s.answer.status, 200, s.answer.body);
    if (secret === undefined) {
      const started = await post('enroll/totp/start', s, {}, ip);
      secret = started.json<{ secret: string }>().secret;
      const finished = await post(
        'enroll/totp/finish',
        s,
        { code: await generateTotpCode(secret, step(), PARAMS) },
        ip,
      );
      assert.equal(finished.status, 200, finished.body);
      return {
        session: cookieFrom(finished, gw.cookieName) as string,
        device: cookieFrom(finished, DEVICE) ?? s.device,
        answer: finished,
      };
    }
    gw.clock.advance(30_000);
    const proved = await post('mfa/totp', s, { code: await generateTotpCode(secret, step(), PARAMS) }, ip);
    assert.equal(proved.status, 200, proved.body);
    return {
      session: cookieFrom(proved, gw.cookieName) as string,
      device: cookieFrom(proved, DEVICE) ?? s.device,
      answer: proved,
    };
  }

  test('trusting needs a second factor proven in the last 10 minutes', async () => {
    const s = await signIn('alice', NEW_YORK);
    const answer = await post('device/trust', s, {});
    assert.equal(answer.status, 403);
    assert.equal(answer.json().error, 'step_up_required');
    const anonymous = await gw.send({
      method: 'POST',
      host: 'app.test',
      target: '/.portcullis/api/device/trust',
      headers: { 'content-type': 'application/json', origin: 'http://app.test' },
      body: '{}',
    });
    assert.equal(anonymous.status, 401);
  });

  test('after a second factor the device is trusted, at once and at the next sign-in', async () => {
    const s = await withFreshMfa('bob', NEW_YORK, undefined);
    device = s.device;
    assert.ok(device);
    assert.deepEqual(await holds(s, NEW_YORK), ['new-device', 'untrusted', 'us']);
    const trusted = await post('device/trust', s, {});
    assert.equal(trusted.status, 200, trusted.body);
    assert.equal(trusted.json().trusted, true);
    assert.equal(trusted.json().until, new Date(gw.clock.now() + 30 * DAY).toISOString());
    const raised: SignIn = { session: cookieFrom(trusted, gw.cookieName) as string, device, answer: trusted };
    assert.notEqual(raised.session, s.session, 'a new session id with the trust');
    // the sign-in's own signals stay: it was a new device when it signed in
    assert.deepEqual(await holds(raised, NEW_YORK), ['new-device', 'trusted', 'us']);
    // the old id is gone
    assert.notEqual((await gw.send({ host: 'app.test', target: '/us', headers: { cookie: s.session } })).status, 200);

    gw.clock.advance(HOUR);
    const next = await signIn('bob', NEW_YORK, device);
    assert.deepEqual(await holds(next, NEW_YORK), ['trusted', 'us']);
  });

  test('the trust is the cookie owner’s only: copied to alice it is nothing', async () => {
    const s = await signIn('alice', NEW_YORK, device);
    const open = await holds(s, NEW_YORK);
    assert.ok(open.includes('untrusted') && open.includes('new-device'), open.join());
  });

  test('a session cookie taken to another browser cannot trust that browser', async () => {
    const s = await withFreshMfa('bob', NEW_YORK, device);
    const other = await signIn('alice', NEW_YORK);
    // bob's fresh session with alice's browser's device cookie
    const answer = await post('device/trust', { session: s.session, device: other.device, answer: s.answer }, {});
    assert.equal(answer.status, 409);
    assert.equal(answer.json().error, 'device_mismatch');
  });

  test('forgetting the device ends its sessions at once; the next sign-in is a new, untrusted device', async () => {
    const s = await signIn('bob', NEW_YORK, device);
    assert.ok((await holds(s, NEW_YORK)).includes('trusted'));
    const [record] = (await gw.runtime.devices.list('bob')).filter((d) => d.trustedUntil !== null);
    assert.ok(record);
    const result = await forgetDevice(gw.runtime, 'bob', record.id);
    assert.equal(result.forgotten, true);
    assert.ok(result.sessionsEnded >= 1);
    const after = await gw.send({
      host: 'app.test',
      target: '/us',
      headers: { cookie: cookieHeader(s.session, device), 'x-forwarded-for': NEW_YORK },
    });
    assert.notEqual(after.status, 200, 'the session ended');
    const again = await signIn('bob', NEW_YORK, device);
    const open = await holds(again, NEW_YORK);
    assert.ok(open.includes('new-device') && open.includes('untrusted'), open.join());
  });

  test('trust expires after session.remember_device', async () => {
    const s = await withFreshMfa('bob', NEW_YORK, undefined);
    assert.equal((await post('device/trust', s, {})).status, 200);
    gw.clock.advance(30 * DAY + 1);
    const later = await signIn('bob', NEW_YORK, s.device);
    const open = await holds(later, NEW_YORK);
    assert.ok(open.includes('untrusted') && !open.includes('new-device'), open.join());
  });
});

describe('trust refused by configuration', () => {
  test('remember_device: 0 turns trusting off', async (t) => {
    const off = await startTestGateway({ gateway: { session: { remember_device: 0 } } });
    t.after(() => off.close());
    const cookie = await off.login('alice', 'app.test');
    const answer = await off.send({
      method: 'POST',
      host: 'app.test',
      target: '/.portcullis/api/device/trust',
      headers: { cookie, 'content-type': 'application/json', origin: 'http://app.test' },
      body: '{}',
    });
    assert.equal(answer.status, 403);
    assert.equal(answer.json().error, 'device_trust_disabled');
  });
});
