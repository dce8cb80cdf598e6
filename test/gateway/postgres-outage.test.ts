/**
 * PostgreSQL taken away under a running gateway, through a loopback TCP proxy the test cuts or
 * silences: every request that needs the durable store (a sign-in reading the user's factors,
 * a second factor, the account page) answers 503, never a pass, and in bounded time even when
 * the server goes silent; /readyz is 503 and /livez 200; a session that needs only the ephemeral
 * store keeps working. When the database returns the gateway recovers by itself, and nothing
 * written before is lost.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freshSchema, POSTGRES_URL, postgresTarget } from '../helpers/durable-targets.ts';
import { enrolTotp, nextTotpCode, PASSWORD, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { cookieFrom } from '../helpers/http.ts';
import { startTcpProxy } from '../helpers/tcp-proxy.ts';

const login = (gw: TestGateway, user: string, host = 'app.test') =>
  gw.send({
    method: 'POST',
    host,
    target: '/.portcullis/api/login',
    headers: { 'content-type': 'application/json', origin: `http://${host}` },
    body: JSON.stringify({ username: user, password: PASSWORD }),
  });

const totp = (gw: TestGateway, cookie: string, code: string) =>
  gw.send({
    method: 'POST',
    host: 'app.test',
    target: '/.portcullis/api/mfa/totp',
    headers: { 'content-type': 'application/json', origin: 'http://app.test', cookie },
    body: JSON.stringify({ code }),
  });

const probe = async (gw: TestGateway, url: string) =>
  (await gw.runtime.admin.inject({ method: 'GET', url })).statusCode;

test('PostgreSQL cut, then silent, then back: 503 while it is away, never a pass; recovery on its own', async (t) => {
  if (!postgresTarget.ready(t)) return;
  const proxy = await startTcpProxy(5432);
  t.after(() => proxy.close());
  const durable = `postgres://postgres@127.0.0.1:${proxy.port}/test?schema=${freshSchema()}&connect_timeout=1&statement_timeout=300`;
  const gw = await startTestGateway({ gateway: { stores: { durable, ephemeral: 'memory' } } });
  t.after(() => gw.close());
  const { secret } = await enrolTotp(gw, 'alice');
  const bobSession = await gw.login('bob', 'app.test');
  assert.equal((await gw.send({ host: 'app.test', target: '/x', headers: { cookie: bobSession } })).status, 200);
  // alice signed in with her password only: the password rule serves her, the mfa rule asks for more
  const aliceHalf = cookieFrom(await login(gw, 'alice'), gw.cookieName) as string;
  assert.equal((await gw.send({ host: 'app.test', target: '/x', headers: { cookie: aliceHalf } })).status, 200);
  assert.equal((await gw.send({ host: 'app.test', target: '/admin/x', headers: { cookie: aliceHalf } })).status, 401);
  const before = gw.upstream.seen.length;

  for (const outage of ['cut', 'freeze'] as const) {
    proxy[outage]();
    const signIn = await login(gw, 'alice');
    assert.equal(signIn.status, 503, `${outage}: a sign-in needs the user's factors`);
    assert.equal(cookieFrom(signIn, gw.cookieName), undefined, `${outage}: no session made`);
    const code = await totp(gw, aliceHalf, await nextTotpCode(gw, secret));
    assert.equal(code.status, 503, `${outage}: a second factor needs the durable store`);
    const admin = await gw.send({ host: 'app.test', target: '/admin/x', headers: { cookie: aliceHalf } });
    assert.notEqual(admin.status, 200, `${outage}: the mfa rule is never passed`);
    assert.equal(await probe(gw, '/readyz'), 503, outage);
    assert.equal(await probe(gw, '/livez'), 200, outage);
    // what needs only the session store still works
    assert.equal((await gw.send({ host: 'app.test', target: '/y', headers: { cookie: bobSession } })).status, 200);
    proxy.restore();
    let ready = 0;
    for (let i = 0; i < 60 && ready !== 200; i++) {
      ready = await probe(gw, '/readyz');
      if (ready !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(ready, 200, `${outage}: ready again once PostgreSQL answers`);
  }
  assert.equal(gw.upstream.seen.length, before + 2, 'only the two requests of the password session');
  assert.equal(gw.upstream.seen.filter((s) => s.url === '/admin/x').length, 0);

  // back: the factor enrolled before is still there and signs in
  const again = cookieFrom(await login(gw, 'alice'), gw.cookieName) as string;
  const ok = await totp(gw, again, await nextTotpCode(gw, secret));
  assert.equal(ok.status, 200, ok.body);
  const upgraded = cookieFrom(ok, gw.cookieName) ?? again;
  assert.equal((await gw.send({ host: 'app.test', target: '/admin/x', headers: { cookie: upgraded } })).status, 200);
  assert.equal(gw.upstream.seen.filter((s) => s.url === '/admin/x').length, 1);
});
