import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateTotpCode } from '../../src/authn/totp/totp.ts';
import { runUserResetMfa } from '../../src/cli/reset-mfa.ts';
import { runUserList } from '../../src/cli/users.ts';
import { Capture } from '../cli/fixtures.ts';
import { PASSWORD, startTestGateway } from '../helpers/gateway.ts';
import { cookieFrom } from '../helpers/http.ts';

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
