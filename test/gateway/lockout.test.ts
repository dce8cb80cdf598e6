/**
 * Lockout through a real gateway: an office of 20 people behind one address (an MSP client's
 * NAT), each on the browser they always use (a device cookie from an earlier sign-in), and an
 * attacker at the same address. Loopback is a trusted proxy here, so X-Forwarded-For places
 * each client; the clock is a ManualClock; the lockout settings are the defaults
 * (max_failures 10, window 15m, duration 30m, address.max_failures 50) unless a test says.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { generateTotpCode } from '../../src/authn/factors/totp/totp.ts';
import { DEFAULT_POLICY, PASSWORD, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { type Answer, cookieFrom } from '../helpers/http.ts';

const OFFICE = '203.0.113.10';
const ELSEWHERE = '198.51.100.7';
const DEVICE = 'portcullis_device';
const STAFF = Array.from({ length: 20 }, (_, i) => `office${String(i + 1).padStart(2, '0')}`);
const HAMMERED = 'office01';
const UNKNOWN = ['admin', 'administrator', 'root', 'test', 'guest', 'scanner', 'backup', 'Not A Valid Name!'];
const WAIT_30 = 'Too many failed sign-ins from your network. Try again in 30 minutes.';
const PAUSE_HINT = 'After repeated failures, signing in is paused for up to 30 minutes, even with the right password.';
const THROTTLED = { error: 'too_many_attempts', retry_after: 1800, message: WAIT_30 };
const REFUSED = { error: 'invalid_credentials' };

/** Where a request comes from, and the device cookie (`name=value`) its browser holds, if any. */
interface Client {
  readonly ip: string;
  readonly device?: string | undefined;
  /** the session cookie, for the second-factor steps */
  readonly session?: string | undefined;
}

async function start(t: TestContext, gateway: Record<string, unknown> = {}, policies?: Record<string, object>) {
  const users = Object.fromEntries([
    ...STAFF.map((name) => [name, { groups: ['techs'] }]),
    ['dave', { groups: ['techs'], disabled: true }],
  ]);
  const gw = await startTestGateway({
    users,
    gateway: { server: { trusted_proxies: ['127.0.0.1'] }, ...gateway },
    ...(policies ? { policies } : {}),
  });
  t.after(() => gw.close());
  return gw;
}

function headersOf(client: Client, contentType: string): Record<string, string> {
  const cookie = [client.session, client.device].filter(Boolean).join('; ');
  return {
    'content-type': contentType,
    origin: 'http://portal.test',
    'x-forwarded-for': client.ip,
    ...(cookie ? { cookie } : {}),
  };
}

/** POST /.portcullis/api/login from `client`. */
function apiLogin(gw: TestGateway, client: Client, username: string, password: string, rd?: string): Promise<Answer> {
  return gw.send({
    method: 'POST',
    host: 'portal.test',
    target: '/.portcullis/api/login',
    headers: headersOf(client, 'application/json'),
    body: JSON.stringify(rd === undefined ? { username, password } : { username, password, rd }),
  });
}

/** The sign-in form, posted from `client`. */
function formLogin(gw: TestGateway, client: Client, username: string, password: string): Promise<Answer> {
  return gw.send({
    method: 'POST',
    host: 'portal.test',
    target: '/.portcullis/login',
    headers: headersOf(client, 'application/x-www-form-urlencoded'),
    body: new URLSearchParams({ username, password }).toString(),
  });
}

function apiPost(gw: TestGateway, client: Client, path: string, body: unknown): Promise<Answer> {
  return gw.send({
    method: 'POST',
    host: 'portal.test',
    target: `/.portcullis/api/${path}`,
    headers: headersOf(client, 'application/json'),
    body: JSON.stringify(body),
  });
}

/** Each person signs in once at the office: the device cookie their browser keeps. */
async function officeBrowsers(gw: TestGateway, people: readonly string[] = STAFF): Promise<Map<string, string>> {
  const browsers = new Map<string, string>();
  for (const name of people) {
    const answer = await apiLogin(gw, { ip: OFFICE }, name, PASSWORD);
    assert.equal(answer.status, 200, `${name}: ${answer.body}`);
    const device = cookieFrom(answer, DEVICE);
    assert.ok(device, `${name} got a device cookie`);
    browsers.set(name, device);
  }
  return browsers;
}

/** The attacker's 200 guesses: 15 at one name, then names of the office and unknown ones, sprayed. */
const ATTACK: readonly [username: string, password: string][] = [
  ...Array.from({ length: 15 }, (_, i): [string, string] => [HAMMERED, `Summer202${i}!`]),
  ...Array.from({ length: 185 }, (_, i): [string, string] => [
    i % 3 === 2 ? (UNKNOWN[i % UNKNOWN.length] as string) : (STAFF[i % STAFF.length] as string),
    `Password${i}`,
  ]),
];

/** Sends the attack from `ip`; the answers' statuses and bodies, tallied. */
async function attack(gw: TestGateway, ip: string): Promise<Map<string, number>> {
  const tally = new Map<string, number>();
  for (const [username, password] of ATTACK) {
    const answer = await apiLogin(gw, { ip }, username, password);
    assert.equal(answer.cookies.length, 0, 'no cookie for a guess');
    const key = `${answer.status} ${answer.body}`;
    tally.set(key, (tally.get(key) ?? 0) + 1);
  }
  return tally;
}

const outcome = (a: Answer) => ({ status: a.status, body: a.json() });

async function lockoutEvents(gw: TestGateway) {
  await gw.runtime.audit.flush();
  const rows = await gw.runtime.durable.queryAudit({ event: 'lockout', limit: 1000 });
  return rows.map((row) => row.detail).sort((a, b) => String(a?.counter).localeCompare(String(b?.counter)));
}

describe('lockout without denial of service', () => {
  it("an office of 20 behind one address: an attacker's 200 guesses there lock nobody else out", async (t) => {
    const gw = await start(t);
    const browsers = await officeBrowsers(gw);

    const tally = await attack(gw, OFFICE);
    assert.deepEqual(
      tally,
      new Map([
        [`401 ${JSON.stringify(REFUSED)}`, 50],
        [`429 ${JSON.stringify(THROTTLED)}`, 150],
      ]),
      'refused until the address had 50 failures, then told to wait (nothing checked)',
    );

    const afterwards: [who: string, client: Client, username: string, password: string, status: number][] = [
      ...STAFF.map((name): [string, Client, string, string, number] => [
        `${name} on her browser at the office`,
        { ip: OFFICE, device: browsers.get(name) },
        name,
        PASSWORD,
        200,
      ]),
      [
        'the attacker at the office, the right password of the hammered account',
        { ip: OFFICE },
        HAMMERED,
        PASSWORD,
        429,
      ],
      ['the attacker at the office, an unknown name', { ip: OFFICE }, 'nobody', 'guess', 429],
      [
        "the attacker at the office, another person's device cookie",
        { ip: OFFICE, device: browsers.get('office02') },
        HAMMERED,
        PASSWORD,
        429,
      ],
      [
        'the attacker elsewhere, the right password of the hammered account',
        { ip: ELSEWHERE },
        HAMMERED,
        PASSWORD,
        401,
      ],
      ['a sprayed person on a new phone elsewhere', { ip: ELSEWHERE }, 'office02', PASSWORD, 200],
    ];
    for (const [who, client, username, password, status] of afterwards) {
      const answer = await apiLogin(gw, client, username, password);
      assert.equal(answer.status, status, `${who}: ${answer.body}`);
      if (status === 200) assert.equal(answer.json().status, 'authenticated', who);
      if (status === 429) {
        assert.deepEqual(answer.json(), THROTTLED, who);
        assert.equal(answer.headers['retry-after'], '1800', who);
      }
      if (status === 401) assert.deepEqual(answer.json(), REFUSED, who);
    }

    const status = await gw.runtime.lockout.status(HAMMERED);
    assert.equal(status.locked, true, 'locked for clients without its device cookie');
    assert.deepEqual(status.lockedDevices, []);
    for (const name of STAFF.slice(1)) assert.equal((await gw.runtime.lockout.status(name)).locked, false, name);
    assert.deepEqual(await lockoutEvents(gw), [
      { counter: 'account', failures: 10 },
      { counter: 'address', address: OFFICE, failures: 50 },
    ]);
    await gw.runtime.audit.flush();
    const throttled = await gw.runtime.durable.queryAudit({ event: 'login.failure', limit: 1000 });
    assert.equal(throttled.filter((row) => row.detail?.reason === 'throttled').length, 153);
  });

  it('a first-time user behind a throttled address is told to wait, alike for every name, until the wait is over', async (t) => {
    const gw = await start(t);
    const browsers = await officeBrowsers(gw, ['office06']);
    for (let i = 0; i < 50; i++) assert.equal((await apiLogin(gw, { ip: OFFICE }, `guess${i}`, 'x')).status, 401);

    const attempts: [what: string, client: Client, username: string, password: string][] = [
      ['a real user with the right password on a new browser', { ip: OFFICE }, 'office05', PASSWORD],
      ['a real user, wrong password', { ip: OFFICE }, 'office05', 'wrong'],
      ['an unknown name', { ip: OFFICE }, 'nobody', PASSWORD],
      ['a malformed name', { ip: OFFICE }, 'Not A Valid Name!', PASSWORD],
      ['a disabled user', { ip: OFFICE }, 'dave', PASSWORD],
      ["another person's device cookie", { ip: OFFICE, device: browsers.get('office06') }, 'office05', PASSWORD],
      ['a forged device cookie', { ip: OFFICE, device: `${DEVICE}=AAAAAAAAAAAAAAAAAAAAAA` }, 'office05', PASSWORD],
    ];
    for (const [what, client, username, password] of attempts) {
      const answer = await apiLogin(gw, client, username, password);
      assert.deepEqual(outcome(answer), { status: 429, body: THROTTLED }, what);
      assert.equal(answer.headers['retry-after'], '1800', what);
      assert.equal(answer.headers['cache-control'], 'no-store', what);
      assert.deepEqual(answer.cookies, [], what);
    }
    const page = await formLogin(gw, { ip: OFFICE }, 'office05', PASSWORD);
    assert.equal(page.status, 429);
    assert.equal(page.headers['retry-after'], '1800');
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.ok(page.body.includes(WAIT_30), page.body);
    assert.deepEqual(page.cookies, []);
    // the person on her own browser is not slowed down
    assert.equal(
      (await apiLogin(gw, { ip: OFFICE, device: browsers.get('office06') }, 'office06', PASSWORD)).status,
      200,
    );

    gw.clock.advance(10 * 60_000);
    const later = await apiLogin(gw, { ip: OFFICE }, 'office05', PASSWORD);
    assert.deepEqual(outcome(later), {
      status: 429,
      body: {
        error: 'too_many_attempts',
        retry_after: 1200,
        message: 'Too many failed sign-ins from your network. Try again in 20 minutes.',
      },
    });
    gw.clock.advance(20 * 60_000);
    const over = await apiLogin(gw, { ip: OFFICE }, 'office05', PASSWORD);
    assert.equal(over.status, 200, over.body);
    assert.equal((await apiLogin(gw, { ip: ELSEWHERE }, 'office07', PASSWORD)).status, 200, 'elsewhere all along');
  });

  it('an exempt network (a named network of the policies) is never throttled; accounts still lock there', async (t) => {
    const policy = { ...DEFAULT_POLICY, networks: { office: ['203.0.113.0/24'] } };
    const gw = await start(t, { lockout: { address: { exempt: ['office'] } } }, { '00-msp.yaml': policy });
    const browsers = await officeBrowsers(gw, [HAMMERED]);

    const tally = await attack(gw, OFFICE);
    assert.deepEqual(tally, new Map([[`401 ${JSON.stringify(REFUSED)}`, 200]]), 'refused, never throttled');
    const rows: [who: string, client: Client, username: string, status: number][] = [
      ['a first-time user at the office', { ip: OFFICE }, 'office07', 200],
      ['the hammered account from a new browser', { ip: OFFICE }, HAMMERED, 401],
      ["the hammered account's owner on her browser", { ip: OFFICE, device: browsers.get(HAMMERED) }, HAMMERED, 200],
    ];
    for (const [who, client, username, status] of rows)
      assert.equal((await apiLogin(gw, client, username, PASSWORD)).status, status, who);
    // another address is counted as usual
    for (let i = 0; i < 50; i++) await apiLogin(gw, { ip: ELSEWHERE }, `guess${i}`, 'x');
    assert.deepEqual(outcome(await apiLogin(gw, { ip: ELSEWHERE }, 'office08', PASSWORD)), {
      status: 429,
      body: THROTTLED,
    });
  });

  it('a locked account gets the identical 401 whether the password is right or wrong (API and page)', async (t) => {
    const gw = await start(t);
    for (let i = 0; i < 10; i++) await apiLogin(gw, { ip: ELSEWHERE }, 'office03', `wrong ${i}`);
    assert.equal((await gw.runtime.lockout.status('office03')).locked, true);

    const attempts: [what: string, username: string, password: string][] = [
      ['locked, right password', 'office03', PASSWORD],
      ['locked, wrong password', 'office03', 'wrong again'],
      ['unknown user', 'nobody', PASSWORD],
      ['disabled user', 'dave', PASSWORD],
      ['wrong password', 'office04', 'wrong'],
    ];
    for (const [what, username, password] of attempts) {
      assert.deepEqual(
        outcome(await apiLogin(gw, { ip: OFFICE }, username, password)),
        { status: 401, body: REFUSED },
        what,
      );
    }
    const right = await formLogin(gw, { ip: OFFICE }, 'office03', PASSWORD);
    const wrong = await formLogin(gw, { ip: OFFICE }, 'office03', 'wrong again');
    assert.equal(right.status, 401);
    assert.equal(right.body, wrong.body, 'the same page');
    assert.ok(right.body.includes(`The user name or password is not correct. ${PAUSE_HINT}`), right.body);
    const unknown = await formLogin(gw, { ip: OFFICE }, 'nobody', PASSWORD);
    assert.equal(unknown.body, right.body.replace('value="office03"', 'value="nobody"'), 'alike for every cause');
    await gw.runtime.audit.flush();
    const reasons = (await gw.runtime.durable.queryAudit({ event: 'login.failure', user: 'office03', limit: 100 }))
      .map((row) => row.detail?.reason)
      .filter((reason) => reason === 'locked');
    assert.equal(reasons.length, 4, 'audited as locked');
  });

  it("a browser's own failures lock only that browser; unlock clears it", async (t) => {
    const gw = await start(t);
    const browsers = await officeBrowsers(gw, ['office04']);
    const hers: Client = { ip: OFFICE, device: browsers.get('office04') };
    for (let i = 0; i < 10; i++) assert.equal((await apiLogin(gw, hers, 'office04', `typo ${i}`)).status, 401);
    assert.deepEqual(outcome(await apiLogin(gw, hers, 'office04', PASSWORD)), { status: 401, body: REFUSED });
    const [device] = await gw.runtime.durable.listDevices('office04');
    assert.ok(device);
    assert.deepEqual(await gw.runtime.lockout.status('office04'), {
      locked: false,
      lockedForMs: null,
      failures: 0,
      lockedDevices: [device.id],
    });
    assert.deepEqual(await lockoutEvents(gw), [{ counter: 'device', device: device.id, failures: 10 }]);
    assert.equal((await apiLogin(gw, { ip: OFFICE }, 'office04', PASSWORD)).status, 200, 'another browser signs in');
    assert.deepEqual(await gw.runtime.lockout.unlock('office04'), { account: false, devices: 1 });
    assert.equal((await apiLogin(gw, hers, 'office04', PASSWORD)).status, 200, 'unlocked');
  });

  it("second-factor failures on a person's browser count towards that browser, not the account", async (t) => {
    const gw = await start(t);
    const params = { digits: 6 as const, period: 30, algorithm: 'sha1' as const };
    const code = () => generateTotpCode(secret, Math.floor(gw.clock.now() / 30_000), params);
    const browsers = await officeBrowsers(gw, ['office08']);
    const device = browsers.get('office08');
    // enrol TOTP on her browser
    const first = await apiLogin(gw, { ip: OFFICE, device }, 'office08', PASSWORD);
    const enrolling: Client = { ip: OFFICE, device, session: cookieFrom(first, gw.cookieName) };
    const started = await apiPost(gw, enrolling, 'enroll/totp/start', {});
    assert.equal(started.status, 200, started.body);
    const { secret } = started.json<{ secret: string }>();
    assert.equal((await apiPost(gw, enrolling, 'enroll/totp/finish', { code: await code() })).status, 200);

    /** Signs in with the password towards the MFA area from `client`; the session to prove a code with. */
    async function toMfa(client: Client): Promise<Client> {
      const answer = await apiLogin(gw, client, 'office08', PASSWORD, 'http://app.test/admin/x');
      assert.equal(answer.json().status, 'mfa_required', answer.body);
      return { ...client, session: cookieFrom(answer, gw.cookieName) };
    }
    gw.clock.advance(30_000);
    const hers = await toMfa({ ip: OFFICE, device });
    for (let i = 0; i < 10; i++) assert.equal((await apiPost(gw, hers, 'mfa/totp', { code: '000000' })).status, 401);
    const refused = await apiPost(gw, hers, 'mfa/totp', { code: await code() });
    assert.deepEqual(outcome(refused), { status: 401, body: { error: 'invalid_code' } }, 'her browser is locked');
    const status = await gw.runtime.lockout.status('office08');
    assert.deepEqual([status.locked, status.failures, status.lockedDevices.length], [false, 0, 1]);
    const newBrowser = await toMfa({ ip: ELSEWHERE });
    const proved = await apiPost(gw, newBrowser, 'mfa/totp', { code: await code() });
    assert.equal(proved.status, 200, proved.body);
  });
});
