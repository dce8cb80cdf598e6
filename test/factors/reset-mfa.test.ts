import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateTotpCode } from '../../src/authn/factors/totp/totp.ts';
import { runUserResetMfa } from '../../src/cli/reset-mfa.ts';
import { runUserList } from '../../src/cli/users.ts';
import { ManualClock } from '../../src/clock.ts';
import { Capture } from '../cli/fixtures.ts';
import { PASSWORD, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { cookieFrom } from '../helpers/http.ts';
import { requireService } from '../helpers/services.ts';
import { startStoreGateway } from '../helpers/store-gateway.ts';

test('user reset-mfa: factors and recovery codes gone, audited; the user enrols again', async (t) => {
  const gw = await startTestGateway();
  t.after(() => gw.close());
  const headers = (cookie: string) => ({ cookie, 'content-type': 'application/json', origin: 'http://portal.test' });
  const cookie = await gw.login('alice');
  const started = await gw.send({
    method: 'POST',
    host: 'portal.test',
    target: '/.portcullis/api/enroll/totp/start',
    headers: headers(cookie),
    body: '{}',
  });
  const { secret } = started.json<{ secret: string }>();
  const code = await generateTotpCode(secret, Math.floor(gw.clock.now() / 30_000), {
    digits: 6,
    period: 30,
    algorithm: 'sha1',
  });
  const finished = await gw.send({
    method: 'POST',
    host: 'portal.test',
    target: '/.portcullis/api/enroll/totp/finish',
    headers: headers(cookie),
    body: JSON.stringify({ code }),
  });
  assert.equal(finished.status, 200);
  assert.equal((await gw.runtime.durable.listFactors('alice')).length, 1);

  const out = new Capture();
  const err = new Capture();
  const config = join(gw.dir, 'config/gateway.yaml');
  const io = { stdin: process.stdin, stdout: out, stderr: err };
  const listed = new Capture();
  assert.equal(await runUserList(['--config', config], { ...io, stdout: listed }), 0);
  assert.match(listed.text, /^alice .* totp +10\/10 unused$/m, 'user list summarises the factors');
  assert.equal(await runUserResetMfa(['ALICE', '--config', config], io), 0, err.text);
  assert.match(out.text, /removed 1 factor\(s\) and the recovery codes of alice/);
  assert.equal((await gw.runtime.durable.listFactors('alice')).length, 0);
  assert.deepEqual(await gw.runtime.durable.countRecoveryCodes('alice'), { total: 0, unused: 0 });
  const audit = await gw.runtime.durable.queryAudit({ event: 'admin.reset_mfa' });
  assert.equal(audit[0]?.user, 'alice');

  const login = await gw.send({
    method: 'POST',
    host: 'portal.test',
    target: '/.portcullis/api/login',
    headers: { 'content-type': 'application/json', origin: 'http://portal.test' },
    body: JSON.stringify({ username: 'alice', password: PASSWORD, rd: 'http://app.test/admin/' }),
  });
  assert.deepEqual(login.json(), { status: 'enrollment_required', methods: ['webauthn', 'totp'] });
  assert.ok(cookieFrom(login, gw.cookieName));

  assert.equal(await runUserResetMfa(['nobody', '--config', config], io), 1, 'unknown user refused');
  assert.equal(await runUserResetMfa([], io), 2, 'usage');
});

/** Alice signed in on the portal and, through the hand-off, on the app; the cookies of both hosts. */
async function aliceEverywhere(gw: TestGateway): Promise<{ portal: string; app: string }> {
  const portal = await gw.login('alice');
  return { portal, app: await gw.cookieFor(portal, 'app.test') };
}

const reached = async (gw: TestGateway, s: { portal: string; app: string }) => [
  (await gw.send({ host: 'portal.test', target: '/.portcullis/api/session', headers: { cookie: s.portal } })).status,
  (await gw.send({ host: 'app.test', target: '/x', headers: { cookie: s.app } })).status,
];

for (const store of ['memory', 'redis'] as const) {
  test(`user reset-mfa ends every session of the user, on every host (${store} store)`, async (t) => {
    if (store === 'redis' && !(await requireService('redis', t))) return;
    // the command runs on the system clock, as the gateway does outside tests
    const gw = await startStoreGateway(store, t, { clock: new ManualClock(Date.now()) });
    const thief = await aliceEverywhere(gw);
    await aliceEverywhere(gw); // a second browser of hers
    const bob = await gw.login('bob');
    assert.deepEqual(await reached(gw, thief), [200, 200]);

    const out = new Capture();
    const err = new Capture();
    const config = join(gw.dir, 'config/gateway.yaml');
    assert.equal(
      await runUserResetMfa(['alice', '--config', config], { stdin: process.stdin, stdout: out, stderr: err }),
      0,
      err.text,
    );
    if (store === 'redis') assert.match(out.text, /ended 2 session\(s\) of alice on every instance/);
    else assert.match(out.text, /end in the running gateway within 2 seconds/);
    // what the gateway does every two seconds: read the marks set in the durable store
    await gw.runtime.sessionEnds.refresh();
    assert.deepEqual(await reached(gw, thief), [401, 401], 'the thief is out, on every host');
    const audit = await gw.runtime.durable.queryAudit({ event: 'admin.reset_mfa' });
    assert.equal(audit[0]?.detail?.sessions_ended, store === 'redis' ? 2 : 'marked');

    const others = await gw.send({ host: 'portal.test', target: '/.portcullis/api/session', headers: { cookie: bob } });
    assert.equal(others.status, 200, "other users' sessions are untouched");
    gw.clock.advance(60_000);
    const again = await aliceEverywhere(gw);
    assert.deepEqual(await reached(gw, again), [200, 200], 'alice signs in again afterwards');
  });
}
