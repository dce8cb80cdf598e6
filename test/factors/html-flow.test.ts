import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateTotpCode } from '../../src/authn/factors/totp/totp.ts';
import { PASSWORD, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { cookieFrom, onwardTo } from '../helpers/http.ts';

const FORM = 'application/x-www-form-urlencoded';
const PARAMS = { digits: 6 as const, period: 30, algorithm: 'sha1' as const };
const step = (gw: TestGateway) => Math.floor(gw.clock.now() / 1000 / 30);

function postForm(gw: TestGateway, path: string, fields: Record<string, string>, cookie?: string) {
  return gw.send({
    method: 'POST',
    host: 'portal.test',
    target: `/.portcullis/${path}`,
    headers: { 'content-type': FORM, origin: 'http://portal.test', ...(cookie ? { cookie } : {}) },
    body: new URLSearchParams(fields).toString(),
  });
}
const page = (gw: TestGateway, target: string, cookie: string) =>
  gw.send({ host: 'portal.test', target, headers: { cookie, accept: 'text/html' } });

test('through the pages: sign in, enrol an authenticator, keep the recovery codes, step up next time', async (t) => {
  const gw = await startTestGateway();
  t.after(() => gw.close());
  const rd = 'http://app.test/admin/users';

  // the password step leads straight to enrolment: /admin/** needs mfa and alice has no factor
  const signIn = await postForm(gw, 'login', { username: 'alice', password: PASSWORD, rd });
  assert.equal(signIn.status, 303);
  assert.equal(signIn.headers.location, `/.portcullis/enroll?rd=${encodeURIComponent(rd)}`);
  const cookie = cookieFrom(signIn, gw.cookieName) ?? '';

  const enrol = await page(gw, String(signIn.headers.location), cookie);
  assert.equal(enrol.status, 200);
  assert.match(enrol.body, /<figure class="qr"[^>]*><svg/);
  const secret = /<code class="secret">([A-Z2-7 ]+)<\/code>/.exec(enrol.body)?.[1]?.replaceAll(' ', '') ?? '';
  assert.equal(secret.length, 32);
  assert.equal(
    (await page(gw, String(signIn.headers.location), cookie)).body.includes(enrol.body.slice(-200)),
    true,
    'a reload shows the same secret',
  );

  const wrong = await postForm(gw, 'enroll', { code: '000000', rd }, cookie);
  assert.equal(wrong.status, 401);
  assert.match(wrong.body, /not valid/);
  const done = await postForm(gw, 'enroll', { code: await generateTotpCode(secret, step(gw), PARAMS), rd }, cookie);
  assert.equal(done.status, 200, done.body);
  const codes = [...done.body.matchAll(/<li><code>([^<]+)<\/code><\/li>/g)].map((m) => m[1]);
  assert.equal(codes.length, 10);
  // Continue: through the portal's sign-in page, which hands the session over to the app's host
  assert.ok(done.body.includes(`href="/.portcullis/login?rd=${encodeURIComponent(rd)}"`), 'Continue goes on to rd');
  const raised = cookieFrom(done, gw.cookieName) ?? '';
  const session = (
    await gw.send({ host: 'portal.test', target: '/.portcullis/api/session', headers: { cookie: raised } })
  ).json();
  assert.deepEqual(session.amr, ['pwd', 'otp', 'mfa']);

  // next sign-in: the password leads to the step-up page, which asks for the code only
  gw.clock.advance(60 * 60_000);
  const again = await postForm(gw, 'login', { username: 'alice', password: PASSWORD, rd });
  assert.equal(again.headers.location, `/.portcullis/stepup?rd=${encodeURIComponent(rd)}`);
  const second = cookieFrom(again, gw.cookieName) ?? '';
  const stepup = await page(gw, String(again.headers.location), second);
  assert.match(stepup.body, /autocomplete="one-time-code"/);
  assert.doesNotMatch(stepup.body, /type="password"/, 'only the second factor is asked');
  assert.equal((await postForm(gw, 'stepup', { code: '123456', rd }, second)).status, 401);
  const ok = await postForm(gw, 'stepup', { code: await generateTotpCode(secret, step(gw), PARAMS), rd }, second);
  assert.equal(onwardTo(ok), rd);

  // a recovery code also works, once
  const third =
    cookieFrom(await postForm(gw, 'login', { username: 'alice', password: PASSWORD, rd }), gw.cookieName) ?? '';
  const recovered = await postForm(gw, 'recovery', { code: codes[0] ?? '', rd }, third);
  assert.equal(recovered.status, 200);
  assert.match(recovered.body, /9 remain/);
  const stale = await postForm(gw, 'recovery', { code: codes[0] ?? '', rd }, third);
  assert.equal(stale.status, 401, 'the old id is gone after the rise');
  assert.match(stale.body, /Your session ended/);
  const risen = cookieFrom(recovered, gw.cookieName) ?? '';
  assert.equal(
    onwardTo(await postForm(gw, 'recovery', { code: codes[0] ?? '', rd }, risen)),
    rd,
    'sent again once done: on to rd, nothing proven',
  );
  const fourth =
    cookieFrom(await postForm(gw, 'login', { username: 'alice', password: PASSWORD, rd }), gw.cookieName) ?? '';
  assert.equal(
    (await postForm(gw, 'recovery', { code: codes[0] ?? '', rd }, fourth)).status,
    401,
    'a recovery code works once',
  );
});

test('JSON login answers what the destination needs: authenticated, enrollment_required, mfa_required', async (t) => {
  const gw = await startTestGateway();
  t.after(() => gw.close());
  const login = (rd: string) =>
    gw.send({
      method: 'POST',
      host: 'portal.test',
      target: '/.portcullis/api/login',
      headers: { 'content-type': 'application/json', origin: 'http://portal.test' },
      body: JSON.stringify({ username: 'alice', password: PASSWORD, rd }),
    });
  assert.equal((await login('http://app.test/reports')).json().status, 'authenticated');
  const needsEnrolment = await login('http://app.test/admin/x');
  assert.deepEqual(needsEnrolment.json(), { status: 'enrollment_required', methods: ['webauthn', 'totp'] });
  const cookie = cookieFrom(needsEnrolment, gw.cookieName) ?? '';
  const started = await gw.send({
    method: 'POST',
    host: 'portal.test',
    target: '/.portcullis/api/enroll/totp/start',
    headers: { cookie, 'content-type': 'application/json', origin: 'http://portal.test' },
    body: '{}',
  });
  const { secret } = started.json<{ secret: string }>();
  const finish = await gw.send({
    method: 'POST',
    host: 'portal.test',
    target: '/.portcullis/api/enroll/totp/finish',
    headers: { cookie, 'content-type': 'application/json', origin: 'http://portal.test' },
    body: JSON.stringify({ code: await generateTotpCode(secret, step(gw), PARAMS) }),
  });
  assert.equal(finish.status, 200);
  assert.deepEqual((await login('http://app.test/admin/x')).json(), {
    status: 'mfa_required',
    methods: ['totp', 'recovery'],
  });
});
