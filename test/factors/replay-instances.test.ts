import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateTotpCode } from '../../src/authn/factors/totp/totp.ts';
import { ManualClock } from '../../src/clock.ts';
import { startTestGateway } from '../helpers/gateway.ts';
import { cookieFrom } from '../helpers/http.ts';
import { requireService } from '../helpers/services.ts';

test('a TOTP code sent to two gateway instances at once (shared Redis and database) is accepted once', async (t) => {
  if (!(await requireService('redis', t))) return;
  const name = `frank-${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'pc-shared-'));
  const shared = join(dir, 'shared.db');
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  const options = {
    clock,
    users: { [name]: { groups: ['msp-admins'] } },
    gateway: { data_dir: dir, stores: { durable: `sqlite:${shared}`, ephemeral: 'redis://127.0.0.1:6379/0' } },
  };
  // instances share the database, Redis and the data folder (secret.key seals TOTP secrets)
  const a = await startTestGateway(options);
  t.after(() => a.close());
  const b = await startTestGateway(options);
  t.after(() => b.close());
  const headers = (cookie: string) => ({ cookie, 'content-type': 'application/json', origin: 'http://app.test' });
  const params = { digits: 6 as const, period: 30, algorithm: 'sha1' as const };

  const login = await a.login(name, 'app.test');
  const { secret } = (
    await a.send({
      method: 'POST',
      host: 'app.test',
      target: '/.portcullis/api/enroll/totp/start',
      headers: headers(login),
      body: '{}',
    })
  ).json<{ secret: string }>();
  const enrol = await a.send({
    method: 'POST',
    host: 'app.test',
    target: '/.portcullis/api/enroll/totp/finish',
    headers: headers(login),
    body: JSON.stringify({ code: await generateTotpCode(secret, Math.floor(clock.now() / 30_000), params) }),
  });
  assert.equal(enrol.status, 200);

  clock.advance(60_000);
  const onA = await a.login(name, 'app.test');
  const onB = await b.login(name, 'app.test');
  const code = await generateTotpCode(secret, Math.floor(clock.now() / 30_000), params);
  const [ra, rb] = await Promise.all([
    a.send({
      method: 'POST',
      host: 'app.test',
      target: '/.portcullis/api/mfa/totp',
      headers: headers(onA),
      body: JSON.stringify({ code }),
    }),
    b.send({
      method: 'POST',
      host: 'app.test',
      target: '/.portcullis/api/mfa/totp',
      headers: headers(onB),
      body: JSON.stringify({ code }),
    }),
  ]);
  assert.deepEqual([ra.status, rb.status].sort(), [200, 401], 'exactly one instance accepts the code');
  const winner = ra.status === 200 ? ra : rb;
  assert.ok(cookieFrom(winner, a.cookieName));
});
