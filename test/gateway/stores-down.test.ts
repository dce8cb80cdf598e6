import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestGateway } from '../helpers/gateway.ts';
import { requireRedisServer, startPrivateRedis } from '../helpers/redis-server.ts';
import { requireService } from '../helpers/services.ts';

test('sessions live in the shared Redis: two gateways, one sign-in, one logout', async (t) => {
  if (!(await requireService('redis', t))) return;
  const gateway = { stores: { durable: 'sqlite:../data/test.db', ephemeral: `redis://127.0.0.1:6379/0` } };
  const a = await startTestGateway({ gateway });
  t.after(() => a.close());
  const b = await startTestGateway({ gateway });
  t.after(() => b.close());
  const cookie = await a.login('alice', 'app.test');
  assert.equal(
    (await b.send({ host: 'app.test', target: '/x', headers: { cookie } })).status,
    200,
    'instance b honours a session made on a',
  );
  const out = await b.send({
    method: 'POST',
    host: 'app.test',
    target: '/.portcullis/api/logout',
    headers: { cookie, 'content-type': 'application/json', origin: 'http://app.test' },
    body: '{}',
  });
  assert.equal(out.status, 204);
  assert.equal(
    (await a.send({ host: 'app.test', target: '/x', headers: { cookie } })).status,
    401,
    'logged out on every instance',
  );
});

test('Redis stopped mid-test: requests fail closed with 503, never pass; they recover when it returns', async (t) => {
  if (!(await requireRedisServer(t))) return;
  const redis = await startPrivateRedis();
  t.after(() => redis.stop());
  const gw = await startTestGateway({
    gateway: { stores: { durable: 'sqlite:../data/test.db', ephemeral: redis.url } },
  });
  t.after(() => gw.close());
  const cookie = await gw.login('alice', 'app.test');
  assert.equal((await gw.send({ host: 'app.test', target: '/x', headers: { cookie } })).status, 200);
  const before = gw.upstream.seen.length;

  await redis.stop();
  for (const headers of [{ cookie }, { cookie, accept: 'text/html' }] as Record<string, string>[]) {
    const answer = await gw.send({ host: 'app.test', target: '/x', headers });
    assert.equal(answer.status, 503, 'a store that is down is a 503');
  }
  const login = await gw.send({
    method: 'POST',
    host: 'portal.test',
    target: '/.portcullis/api/login',
    headers: { 'content-type': 'application/json', origin: 'http://portal.test' },
    body: JSON.stringify({ username: 'alice', password: 'correct horse battery staple' }),
  });
  assert.equal(login.status, 503, 'sign-in cannot create a session either');
  assert.equal(gw.upstream.seen.length, before, 'nothing reached the upstream while Redis was down');
  // the allow rule needs no session: it still works without the store
  assert.equal((await gw.send({ host: 'app.test', target: '/health' })).status, 200);
  const ready = await gw.runtime.admin.inject({ method: 'GET', url: '/readyz' });
  assert.equal(ready.statusCode, 503);

  await redis.start();
  let status = 0;
  for (let i = 0; i < 60 && status !== 200; i++) {
    status = (await gw.runtime.admin.inject({ method: 'GET', url: '/readyz' })).statusCode;
    if (status !== 200) await new Promise((r) => setTimeout(r, 250));
  }
  assert.equal(status, 200, 'ready again once Redis is back');
  // the private Redis lost its data on restart: the old session is gone, so sign in again
  assert.equal((await gw.send({ host: 'app.test', target: '/x', headers: { cookie } })).status, 401);
});
