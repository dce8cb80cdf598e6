/**
 * One session, a handle per host: a cookie copied from one served host to another is no session
 * there; a step-up, a logout or a revocation on any host applies on every host at once; the
 * handle of the host where the level rose is replaced. With the memory store and the real Redis.
 */

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, type TestContext, test } from 'node:test';
import { generateTotpCode } from '../../src/authn/factors/totp/totp.ts';
import { ManualClock } from '../../src/clock.ts';
import { systemRandom } from '../../src/random.ts';
import { SessionStore } from '../../src/session/session-store.ts';
import { MemoryEphemeralStore } from '../../src/stores/memory.ts';
import type { TestGateway } from '../helpers/gateway.ts';
import { cookieFrom } from '../helpers/http.ts';
import { requireService } from '../helpers/services.ts';
import { type EphemeralKind, startStoreGateway } from '../helpers/store-gateway.ts';
import { countingStore } from '../totp/helpers.ts';

const TOTP = { digits: 6 as const, period: 30, algorithm: 'sha1' as const };
const POLICY = {
  rules: [
    {
      name: 'admin-needs-mfa',
      hosts: ['app.test', 'other.test'],
      paths: ['/admin/**'],
      action: 'authenticate',
      require: { level: 'mfa' },
    },
    {
      name: 'staff',
      hosts: ['app.test', 'other.test', '*.wild.test'],
      action: 'authenticate',
      require: { level: 'password' },
    },
  ],
};

function api(gw: TestGateway, host: string, path: string, cookie: string, body: unknown = {}) {
  return gw.send({
    method: 'POST',
    host,
    target: `/.portcullis/api/${path}`,
    headers: { cookie, 'content-type': 'application/json', origin: `http://${host}` },
    body: JSON.stringify(body),
  });
}

const status = async (gw: TestGateway, host: string, target: string, cookie: string) =>
  (await gw.send({ host, target, headers: { cookie } })).status;

const code = (gw: TestGateway, secret: string) => generateTotpCode(secret, Math.floor(gw.clock.now() / 30_000), TOTP);

/** Alice with an authenticator app enrolled (from another browser), signed in with her password only on the portal. */
async function aliceWithPasswordOnly(gw: TestGateway): Promise<{ portal: string; secret: string }> {
  const first = await gw.login('alice');
  const { secret } = (await api(gw, 'portal.test', 'enroll/totp/start', first)).json<{ secret: string }>();
  assert.equal(
    (await api(gw, 'portal.test', 'enroll/totp/finish', first, { code: await code(gw, secret) })).status,
    200,
  );
  gw.clock.advance(60_000);
  return { portal: await gw.login('alice'), secret };
}

function start(store: EphemeralKind, t: TestContext): Promise<TestGateway> {
  return startStoreGateway(store, t, {
    apps: [{ name: 'other', host: 'other.test', upstream: 'UPSTREAM' }],
    policies: { '00-msp.yaml': POLICY },
  });
}

for (const store of ['memory', 'redis'] as const) {
  describe(`session handles per host (${store} store)`, () => {
    test('a cookie is accepted only on the host it was issued for', async (t) => {
      if (store === 'redis' && !(await requireService('redis', t))) return;
      const gw = await start(store, t);
      const portal = await gw.login('alice');
      const app = await gw.cookieFor(portal, 'app.test');
      const wild = await gw.cookieFor(portal, 'x.wild.test');
      assert.equal(await status(gw, 'app.test', '/x', app), 200);
      assert.equal(await status(gw, 'x.wild.test', '/x', wild), 200);
      assert.equal(await status(gw, 'APP.TEST.', '/x', app), 200, 'the same host in another spelling');
      const copies: [host: string, cookie: string][] = [
        ['app.test', portal],
        ['other.test', app],
        ['x.wild.test', app],
        ['y.wild.test', wild],
        ['app.test', wild],
      ];
      for (const [host, cookie] of copies) assert.equal(await status(gw, host, '/x', cookie), 401, host);
      const onPortal = await gw.send({
        host: 'portal.test',
        target: '/.portcullis/api/session',
        headers: { cookie: app },
      });
      assert.equal(onPortal.status, 401, "an app's cookie is no session on the portal");
      assert.equal(await status(gw, 'app.test', '/x', app), 200, 'refusing a copy does not end the session');
    });

    test('a step-up on one host is honoured on the others at once; only its own handle changes', async (t) => {
      if (store === 'redis' && !(await requireService('redis', t))) return;
      const gw = await start(store, t);
      const { portal, secret } = await aliceWithPasswordOnly(gw);
      const app = await gw.cookieFor(portal, 'app.test');
      const other = await gw.cookieFor(portal, 'other.test');
      assert.equal(await status(gw, 'app.test', '/admin/x', app), 401);
      assert.equal(await status(gw, 'other.test', '/admin/x', other), 401);

      const raised = await api(gw, 'app.test', 'mfa/totp', app, { code: await code(gw, secret) });
      assert.equal(raised.status, 200, raised.body);
      const appRisen = cookieFrom(raised, gw.cookieName) ?? '';
      assert.ok(appRisen && appRisen !== app, 'a new handle where the level rose');
      assert.equal(await status(gw, 'app.test', '/admin/x', app), 401, 'the old handle of that host is gone');
      assert.equal(await status(gw, 'app.test', '/admin/x', appRisen), 200);
      assert.equal(await status(gw, 'other.test', '/admin/x', other), 200, 'another host sees the step-up at once');
      const session = await gw.send({
        host: 'portal.test',
        target: '/.portcullis/api/session',
        headers: { cookie: portal },
      });
      assert.deepEqual(session.json<{ amr: string[] }>().amr, ['pwd', 'otp', 'mfa'], 'so does the portal');
    });

    test('a logout on any host ends the session on every host', async (t) => {
      if (store === 'redis' && !(await requireService('redis', t))) return;
      const gw = await start(store, t);
      const portal = await gw.login('alice');
      const app = await gw.cookieFor(portal, 'app.test');
      const other = await gw.cookieFor(portal, 'other.test');
      const out = await api(gw, 'other.test', 'logout', other);
      assert.equal(out.status, 204);
      assert.equal(await status(gw, 'app.test', '/x', app), 401);
      assert.equal(await status(gw, 'other.test', '/x', other), 401);
      const session = await gw.send({
        host: 'portal.test',
        target: '/.portcullis/api/session',
        headers: { cookie: portal },
      });
      assert.equal(session.status, 401);
    });

    test('revoking the user ends every handle; a hand-off of an ended session is refused', async (t) => {
      if (store === 'redis' && !(await requireService('redis', t))) return;
      const gw = await start(store, t);
      const portal = await gw.login('alice');
      const app = await gw.cookieFor(portal, 'app.test');
      const listed = await gw.runtime.sessions.listForUser('alice');
      assert.equal(listed.length, 1);
      assert.deepEqual(listed[0]?.scopes, ['app.test', 'portal.test'], 'the hosts that hold a handle');
      assert.equal(await gw.runtime.sessions.revokeUser('alice'), 1);
      assert.equal(await status(gw, 'app.test', '/x', app), 401);
      await assert.rejects(gw.cookieFor(portal, 'other.test'), /no hand-off/);
    });

    test('"this wasn\'t me" ends the other sessions on every host; this one goes on under a new handle only', async (t) => {
      if (store === 'redis' && !(await requireService('redis', t))) return;
      const gw = await start(store, t);
      const portal = await gw.login('alice');
      const app = await gw.cookieFor(portal, 'app.test');
      gw.clock.advance(60_000);
      const elsewhere = await gw.login('alice');
      const elsewhereOnApp = await gw.cookieFor(elsewhere, 'other.test');
      const bob = await gw.login('bob');
      const [latest] = await gw.runtime.durable.listSignIns('alice', 0, 1);
      const answer = await gw.send({
        method: 'POST',
        host: 'portal.test',
        target: '/.portcullis/account/signin/report',
        headers: { cookie: portal, 'content-type': 'application/x-www-form-urlencoded', origin: 'http://portal.test' },
        body: `time=${latest?.time}`,
      });
      assert.equal(answer.status, 200, answer.body);
      const renewed = cookieFrom(answer, gw.cookieName) ?? '';
      const table: [string, string, string, number][] = [
        ['this session, new handle', 'portal.test', renewed, 200],
        ['this session, old handle', 'portal.test', portal, 401],
        ["this session's handle on another host", 'app.test', app, 401],
        ['the other session', 'portal.test', elsewhere, 401],
        ["the other session's handle on another host", 'other.test', elsewhereOnApp, 401],
        ['another user', 'portal.test', bob, 200],
      ];
      for (const [who, host, cookie, expected] of table) {
        const target = host === 'portal.test' ? '/.portcullis/api/session' : '/x';
        assert.equal(await status(gw, host, target, cookie), expected, who);
      }
      assert.equal((await gw.runtime.sessions.listForUser('alice')).length, 1);
      // the other hosts get a handle again through the hand-off
      assert.equal(await status(gw, 'app.test', '/x', await gw.cookieFor(renewed, 'app.test')), 200);
    });
  });
}

describe('session handles: the store', () => {
  const timeouts = { idleMs: 30 * 60_000, maxLifetimeMs: 12 * 3_600_000 };

  test('a lookup is one call to the store, and it slides the idle timeout', async () => {
    const clock = new ManualClock();
    const memory = new MemoryEphemeralStore({ clock });
    const { store, calls } = countingStore(memory);
    const sessions = new SessionStore(store, clock, systemRandom, timeouts);
    const { id, session } = await sessions.create('alice', 'pwd', 'app.test');
    const before = calls();
    assert.equal((await sessions.load(id, 'app.test'))?.sid, session.sid);
    assert.equal(calls() - before, 1);
    clock.advance(timeouts.idleMs - 1);
    assert.ok(await sessions.load(id, 'app.test'), 'used within the idle timeout');
    clock.advance(timeouts.idleMs - 1);
    assert.ok(await sessions.load(id, 'app.test'), 'each use slides it');
    clock.advance(timeouts.idleMs);
    assert.equal(await sessions.load(id, 'app.test'), null, 'idle too long');
    await memory.close();
  });

  test('the absolute lifetime ends every handle, however busy', async () => {
    const clock = new ManualClock();
    const memory = new MemoryEphemeralStore({ clock });
    const sessions = new SessionStore(memory, clock, systemRandom, timeouts);
    const { id, session } = await sessions.create('alice', 'pwd', 'portal.test');
    const other = await sessions.attach(session.sid, 'app.test');
    assert.ok(other);
    for (let t = 20 * 60_000; t < timeouts.maxLifetimeMs; t += 20 * 60_000) {
      clock.advance(20 * 60_000);
      assert.ok(await sessions.load(other.id, 'app.test'));
    }
    clock.set(session.createdAt + timeouts.maxLifetimeMs);
    assert.equal(await sessions.load(other.id, 'app.test'), null);
    assert.equal(await sessions.load(id, 'portal.test'), null);
    assert.equal(await sessions.attach(session.sid, 'x.test'), null, 'no new handle on an ended session');
    await memory.close();
  });

  test('malformed handles are not looked up', async () => {
    const clock = new ManualClock();
    const memory = new MemoryEphemeralStore({ clock });
    const { store, calls } = countingStore(memory);
    const sessions = new SessionStore(store, clock, systemRandom, timeouts);
    const { id } = await sessions.create('alice', 'pwd', 'app.test');
    const before = calls();
    for (const bad of [undefined, '', 'short', `${id}x`, `${id.slice(0, 42)}!`, randomUUID()])
      assert.equal(await sessions.load(bad, 'app.test'), null);
    assert.equal(calls(), before, 'nothing malformed reaches the store');
    await memory.close();
  });
});
