/**
 * A real gateway on a plain `redis://` store, a redis-server this test owns (append-only file,
 * fsync on every write, so what it acknowledged survives a crash). The server is SIGKILLed: every
 * request that needs the store answers 503 and none reaches the upstream, /readyz is 503, /livez
 * 200. It is started again on the same port and folder: the gateway notices by itself (no
 * restart), /readyz is 200, and the session and the failure counts from before are still there.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { type Answer, cookieFrom } from '../helpers/http.ts';
import { pollUntil } from '../helpers/poll.ts';
import { requireRedisServer } from '../helpers/redis-server.ts';
import { startRedisNode } from '../helpers/redis-servers.ts';

const readyz = async (gw: TestGateway) => (await gw.runtime.admin.inject({ method: 'GET', url: '/readyz' })).statusCode;

function login(gw: TestGateway, password: string): Promise<Answer> {
  return gw.send({
    method: 'POST',
    host: 'app.test',
    target: '/.portcullis/api/login',
    headers: { 'content-type': 'application/json', origin: 'http://app.test' },
    body: JSON.stringify({ username: 'bob', password }),
  });
}

test('redis:// killed and started again: 503 and never a pass meanwhile; then the same session, without restarting the gateway', {
  timeout: 120_000,
}, async (t) => {
  if (!(await requireRedisServer(t))) return;
  const redis = await startRedisNode({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
  let gw: TestGateway | undefined;
  t.after(async () => {
    await gw?.close();
    await redis.stop();
  });
  gw = await startTestGateway({
    gateway: {
      stores: { durable: 'sqlite:../data/test.db', ephemeral: `${redis.url}/0` },
      // two failures before the crash and one after lock bob out only if the first two survive
      lockout: { max_failures: 3 },
    },
  });
  const cookie = await gw.login('alice', 'app.test');
  const page = () => gw.send({ host: 'app.test', target: '/x', headers: { cookie } });
  assert.equal((await page()).status, 200);
  for (let i = 0; i < 2; i++) assert.equal((await login(gw, 'wrong')).status, 401);
  const hits = gw.upstream.seen.length;

  await redis.kill('SIGKILL');
  await pollUntil('/readyz to say 503', async () => ((await readyz(gw)) === 503 ? true : undefined));
  for (const headers of [{ cookie }, { cookie, accept: 'text/html' }] as Record<string, string>[]) {
    assert.equal((await gw.send({ host: 'app.test', target: '/x', headers })).status, 503);
  }
  assert.equal((await login(gw, 'correct horse battery staple')).status, 503, 'no session can be made either');
  assert.equal(gw.upstream.seen.length, hits, 'nothing reached the upstream while Redis was down');
  assert.equal(await readyz(gw), 503);
  assert.equal((await gw.runtime.admin.inject({ method: 'GET', url: '/livez' })).statusCode, 200);

  await redis.start();
  await pollUntil('/readyz to say 200 again', async () => ((await readyz(gw)) === 200 ? true : undefined));
  assert.equal((await page()).status, 200, 'the session written before the crash is back');
  assert.equal(gw.upstream.seen.length, hits + 1);
  assert.equal((await login(gw, 'wrong')).status, 401);
  // locked (answered like a wrong password): the two failures counted before the crash still count
  const locked = await login(gw, 'correct horse battery staple');
  assert.equal(locked.status, 401, locked.body);
  assert.equal(cookieFrom(locked, gw.cookieName), undefined);
});
