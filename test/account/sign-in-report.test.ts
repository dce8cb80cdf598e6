/**
 * Recent sign-ins on the account page and "This wasn't me"
 * (`POST /.portcullis/account/signin/report`): the list (time in the brand's time zone, address, device, this
 * browser); a report ends every other session of the user, forgets the device of that sign-in
 * unless it is this browser, records a `signin.reported` security event (outcome `alert`) with
 * the sign-in's address, country and device, and tells the user to change the password.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { enrolTotp, nextTotpCode, PASSWORD, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { cookieFrom } from '../helpers/http.ts';

const FORM = { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://portal.test' };
const JSON_H = { 'content-type': 'application/json', origin: 'http://portal.test' };
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/**
 * A browser that signs in with the password, then a code (the gateway's cookies kept between
 * the two, as a browser does): its session and device cookies together.
 */
async function browser(gw: TestGateway, user: string, secret: string, userAgent: string): Promise<string> {
  const login = await gw.send({
    method: 'POST',
    host: 'portal.test',
    target: '/.portcullis/api/login',
    headers: { ...JSON_H, 'user-agent': userAgent },
    body: JSON.stringify({ username: user, password: PASSWORD }),
  });
  const device = cookieFrom(login, gw.runtime.state().session.deviceCookieName);
  const proved = await gw.send({
    method: 'POST',
    host: 'portal.test',
    target: '/.portcullis/api/mfa/totp',
    headers: { ...JSON_H, cookie: `${cookieFrom(login, gw.cookieName)}; ${device}`, 'user-agent': userAgent },
    body: JSON.stringify({ code: await nextTotpCode(gw, secret) }),
  });
  assert.equal(proved.status, 200, proved.body);
  return `${cookieFrom(proved, gw.cookieName)}; ${device}`;
}

const report = (gw: TestGateway, cookie: string, time: number | string, headers: Record<string, string> = FORM) =>
  gw.send({
    method: 'POST',
    host: 'portal.test',
    target: '/.portcullis/account/signin/report',
    headers: { ...headers, cookie },
    body: `time=${time}`,
  });

const alive = async (gw: TestGateway, cookie: string) =>
  (await gw.send({ host: 'portal.test', target: '/.portcullis/api/session', headers: { cookie } })).status === 200;

/** Replaces the session cookie in a "session; device" cookie header by the one the answer set. */
const renewed = (gw: TestGateway, cookie: string, answer: { cookies: string[] }) => {
  const next = cookieFrom(answer as never, gw.cookieName);
  return next === undefined ? cookie : cookie.replace(/^[^;]+/, next);
};

async function scene(t: { after(fn: () => unknown): void }) {
  const gw = await startTestGateway();
  t.after(() => gw.close());
  const { secret } = await enrolTotp(gw, 'alice');
  const mine = await browser(gw, 'alice', secret, FIREFOX);
  gw.clock.advance(60_000);
  const theirs = await browser(gw, 'alice', secret, CHROME);
  const bobSecret = (await enrolTotp(gw, 'bob')).secret;
  const bob = await browser(gw, 'bob', bobSecret, FIREFOX);
  // newest first: their two sign-ins (password, then code) on one device, then mine
  const [latest, ...older] = await gw.runtime.durable.listSignIns('alice', 0, 10);
  const previous = older.find((r) => r.deviceId !== latest?.deviceId);
  assert.ok(latest && previous);
  return { gw, mine, theirs, bob, theirTime: latest.time, myTime: previous.time };
}

test('the account page lists the recent sign-ins, newest first, in UTC by default, with "This wasn\'t me"', async (t) => {
  const { gw, mine, myTime, theirTime } = await scene(t);
  const page = await gw.send({ host: 'portal.test', target: '/.portcullis/', headers: { cookie: mine } });
  assert.equal(page.status, 200);
  const items = [...page.body.matchAll(/<ul class="devices signins">([\s\S]*?)<\/ul>/g)][0]?.[1] ?? '';
  const times = [...items.matchAll(/name="time" value="(\d+)"/g)].map((m) => Number(m[1]));
  assert.equal(times[0], theirTime);
  assert.ok(times.includes(myTime));
  assert.deepEqual(
    times,
    [...times].sort((a, b) => b - a),
    'newest first',
  );
  assert.match(items, /<strong>Jan 1, 2026, 12:\d\d AM UTC<\/strong> <span class="tag">this browser<\/span>/);
  assert.match(items, /Chrome on Windows from 127\.0\.0\.1/);
  assert.match(items, /Firefox on Linux from 127\.0\.0\.1/);
  assert.match(items, /aria-label="This wasn&#39;t me: the sign-in of Jan 1, 2026, 12:\d\d AM UTC"/);
});

test('"This wasn\'t me" ends the other sessions, forgets that device, keeps this browser and raises an alert', async (t) => {
  const { gw, mine, theirs, bob, theirTime } = await scene(t);
  const before = (await gw.runtime.durable.listDevices('alice')).map((d) => d.name);
  assert.ok(before.includes('Chrome on Windows'));

  const answer = await report(gw, mine, theirTime);
  assert.equal(answer.status, 200, answer.body);
  assert.match(
    answer.body,
    /role="status">Thank you\. Every other session of yours was signed out, the device of that sign-in was forgotten/,
  );
  assert.match(answer.body, /Change your password now/);
  const still = renewed(gw, mine, answer);
  assert.notEqual(still, mine, 'this session moves to a new cookie');

  const table: [string, string, boolean][] = [
    ['this browser, new cookie', still, true],
    ['this browser, old cookie', mine, false],
    ['the reported browser', theirs, false],
    ['another user', bob, true],
  ];
  for (const [who, cookie, expected] of table) assert.equal(await alive(gw, cookie), expected, who);
  const after = (await gw.runtime.durable.listDevices('alice')).map((d) => d.name);
  assert.ok(!after.includes('Chrome on Windows'), 'the reported device is forgotten');
  assert.ok(after.includes('Firefox on Linux'), 'this browser stays known');

  await gw.runtime.audit.flush();
  const [event] = await gw.runtime.durable.queryAudit({ event: 'signin.reported' });
  assert.equal(event?.outcome, 'alert');
  assert.equal(event?.user, 'alice');
  assert.deepEqual(event?.detail, {
    signin: { time: new Date(theirTime).toISOString(), ip: '127.0.0.1', country: null, device: 'Chrome on Windows' },
    this_browser: false,
    device_forgotten: true,
    sessions_ended: 2, // the enrolment's and theirs
  });
});

test('reporting a sign-in of this very browser ends the others but keeps the browser known', async (t) => {
  const { gw, mine, theirs, myTime } = await scene(t);
  const devices = (await gw.runtime.durable.listDevices('alice')).length;
  const answer = await report(gw, mine, myTime);
  assert.equal(answer.status, 200);
  assert.match(
    answer.body,
    /Thank you\. Every other session of yours was signed out and your administrator was alerted/,
  );
  assert.equal(await alive(gw, renewed(gw, mine, answer)), true);
  assert.equal(await alive(gw, theirs), false);
  assert.equal((await gw.runtime.durable.listDevices('alice')).length, devices, 'no device forgotten');
  await gw.runtime.audit.flush();
  const [event] = await gw.runtime.durable.queryAudit({ event: 'signin.reported' });
  assert.equal(event?.detail?.this_browser, true);
});

test("a sign-in that is not the user's own, a malformed one or a forged request changes nothing", async (t) => {
  const { gw, mine, theirs, bob } = await scene(t);
  const bobTime = (await gw.runtime.durable.listSignIns('bob', 0, 1))[0]?.time ?? 0;
  const devices = (await gw.runtime.durable.listDevices('alice')).length;
  const cases: [string, number | string, Record<string, string>, number][] = [
    ['no sign-in at that time', 12345, FORM, 404],
    ["bob's sign-in", bobTime, FORM, 404],
    ['not a number', 'yesterday', FORM, 400],
    ['no Origin (CSRF)', bobTime, { 'content-type': FORM['content-type'] }, 403],
  ];
  for (const [what, time, headers, status] of cases) {
    const answer = await report(gw, mine, time, headers);
    assert.equal(answer.status, status, what);
  }
  for (const cookie of [mine, theirs, bob]) assert.equal(await alive(gw, cookie), true);
  assert.equal((await gw.runtime.durable.listDevices('alice')).length, devices);
  await gw.runtime.audit.flush();
  assert.equal((await gw.runtime.durable.queryAudit({ event: 'signin.reported' })).length, 0);
});
