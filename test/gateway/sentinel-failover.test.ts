/**
 * A real gateway on `stores.ephemeral: redis+sentinel://...` (a master, a replica and three
 * Sentinels this test starts on loopback) and a real upstream. Alice signs in with her password
 * and an authenticator code; then the master is SIGKILLed:
 * - while there is no master, every request that needs the store answers 503 (the upstream sees
 *   none of them), /readyz is 503 and /livez 200;
 * - once the Sentinels promote the replica, /readyz is 200 again by itself, the same session
 *   works (at its mfa level: nothing lost), and the code used before the failover is still
 *   refused as a replay.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { enrolTotp, nextTotpCode, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { type Answer, cookieFrom } from '../helpers/http.ts';
import { pollUntil } from '../helpers/poll.ts';
import { requireRedisServer } from '../helpers/redis-server.ts';
import { type RedisNode, redisCommand } from '../helpers/redis-servers.ts';
import { startSentinelSet } from '../helpers/sentinel-set.ts';

const json = (cookie: string) => ({ cookie, 'content-type': 'application/json', origin: 'http://app.test' });

function totp(gw: TestGateway, cookie: string, code: string): Promise<Answer> {
  return gw.send({
    method: 'POST',
    host: 'app.test',
    target: '/.portcullis/api/mfa/totp',
    headers: json(cookie),
    body: JSON.stringify({ code }),
  });
}

const readyz = async (gw: TestGateway) => (await gw.runtime.admin.inject({ method: 'GET', url: '/readyz' })).statusCode;

test('Redis through Sentinel: the master dies; 503 and never a pass until the failover, then the same session and the replay marks are there', {
  timeout: 180_000,
}, async (t) => {
  if (!(await requireRedisServer(t))) return;
  // a master is down after 1 s: the requests of the outage are all sent before any promotion
  const set = await startSentinelSet({ downAfterMs: 1000 });
  let gw: TestGateway | undefined;
  t.after(async () => {
    await gw?.close();
    await set.stop();
  });
  gw = await startTestGateway({
    gateway: { stores: { durable: 'sqlite:../data/test.db', ephemeral: `${set.url}?prefix=gw-failover:` } },
  });

  const { secret } = await enrolTotp(gw, 'alice', 'app.test');
  const password = await gw.login('alice', 'app.test');
  const code = await nextTotpCode(gw, secret);
  const signedIn = await totp(gw, password, code);
  assert.equal(signedIn.status, 200, signedIn.body);
  const cookie = cookieFrom(signedIn, gw.cookieName) ?? '';
  const admin = () => gw.send({ host: 'app.test', target: '/admin/x', headers: { cookie } });
  assert.equal((await admin()).status, 200, 'mfa level reached');
  const master = await set.master();
  await redisCommand(master.port, 'SET', 'test:marker', '1');
  assert.ok(Number(await redisCommand(master.port, 'WAIT', 1, 5000)) >= 1, 'the replica has the session');
  const hits = gw.upstream.seen.length;

  await master.kill('SIGKILL');
  await pollUntil('/readyz to say 503', async () => ((await readyz(gw)) === 503 ? true : undefined));
  const outage: [string, () => Promise<Answer>][] = [
    ['the mfa path, JSON', admin],
    ['a page, HTML', () => gw.send({ host: 'app.test', target: '/x', headers: { cookie, accept: 'text/html' } })],
    [
      'an API POST',
      () => gw.send({ method: 'POST', host: 'app.test', target: '/api/x', headers: json(cookie), body: '{}' }),
    ],
    [
      'a password sign-in',
      () =>
        gw.send({
          method: 'POST',
          host: 'app.test',
          target: '/.portcullis/api/login',
          headers: { 'content-type': 'application/json', origin: 'http://app.test' },
          body: JSON.stringify({ username: 'alice', password: 'correct horse battery staple' }),
        }),
    ],
    ['the used code again', () => totp(gw, password, code)],
    [
      'the session itself',
      () => gw.send({ host: 'app.test', target: '/.portcullis/api/session', headers: { cookie } }),
    ],
  ];
  for (const [what, request] of outage) assert.equal((await request()).status, 503, `${what}: 503 with no master`);
  assert.equal(gw.upstream.seen.length, hits, 'nothing reached the upstream during the outage');
  assert.equal(await readyz(gw), 503);
  assert.equal((await gw.runtime.admin.inject({ method: 'GET', url: '/livez' })).statusCode, 200, 'alive all along');
  const named = (await redisCommand(
    (set.sentinels[0] as RedisNode).port,
    'SENTINEL',
    'GET-MASTER-ADDR-BY-NAME',
    set.name,
  )) as string[];
  assert.equal(Number(named[1]), master.port, 'all of the above happened before any promotion');

  await set.failedOver(master);
  await pollUntil('/readyz to say 200 again', async () => ((await readyz(gw)) === 200 ? true : undefined));
  assert.equal((await admin()).status, 200, 'the same session, at its mfa level');
  assert.equal(gw.upstream.seen.length, hits + 1);

  const again = await gw.login('alice', 'app.test');
  const replay = await totp(gw, again, code);
  assert.equal(replay.status, 401, 'the code used before the failover is still used');
  assert.equal((await totp(gw, again, await nextTotpCode(gw, secret))).status, 200, 'the next code works');
});
