/**
 * The admin API's user endpoints on the running gateway, with the memory store and with Redis:
 * listing, one user's detail, unlock, revoke-sessions, reset-mfa (each audited with the token's
 * name), 400/404 for bad and unknown names, and the OpenAPI document.
 */

import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { ManualClock } from '../../src/clock.ts';
import type { TestGateway } from '../helpers/gateway.ts';
import { requireService } from '../helpers/services.ts';
import { type EphemeralKind, startStoreGateway } from '../helpers/store-gateway.ts';
import { callAdmin, generatedToken } from './helpers.ts';

async function gateway(t: TestContext, store: EphemeralKind): Promise<TestGateway | null> {
  if (store === 'redis' && !(await requireService('redis', t))) return null;
  return startStoreGateway(store, t, { clock: new ManualClock(Date.now()) });
}

const api = (gw: TestGateway, method: string, target: string) =>
  callAdmin(gw, method, `/api/v1${target}`, `Bearer ${generatedToken(gw)}`);

const reached = async (gw: TestGateway, s: { portal: string; app: string }) => [
  (await gw.send({ host: 'portal.test', target: '/.portcullis/api/session', headers: { cookie: s.portal } })).status,
  (await gw.send({ host: 'app.test', target: '/x', headers: { cookie: s.app } })).status,
];

async function aliceEverywhere(gw: TestGateway): Promise<{ portal: string; app: string }> {
  const portal = await gw.login('alice');
  return { portal, app: await gw.cookieFor(portal, 'app.test') };
}

async function auditBy(gw: TestGateway, event: string): Promise<unknown> {
  const [row] = await gw.runtime.durable.queryAudit({ event, user: 'alice' });
  return row?.detail?.by;
}

for (const store of ['memory', 'redis'] as const) {
  test(`GET users and users/{name}: the directory, factors without secrets, lock and sessions (${store})`, async (t) => {
    const gw = await gateway(t, store);
    if (gw === null) return;
    await gw.runtime.durable.addFactor({
      id: 'f1',
      user: 'alice',
      kind: 'totp',
      name: 'Phone',
      secret: 'sealed-seed',
      data: null,
      createdAt: gw.clock.now(),
      lastUsedAt: null,
    });
    await aliceEverywhere(gw);
    const list = await api(gw, 'GET', '/users');
    assert.equal(list.status, 200);
    assert.deepEqual(list.json<{ users: unknown[] }>().users, [
      { name: 'alice', tenant: null, groups: ['msp-admins'], disabled: false, factors: 1, locked: false },
      { name: 'bob', tenant: null, groups: ['techs'], disabled: false, factors: 0, locked: false },
      { name: 'carol', tenant: 'acme', groups: ['staff'], disabled: false, factors: 0, locked: false },
      { name: 'dave', tenant: null, groups: ['msp-admins'], disabled: true, factors: 0, locked: false },
    ]);
    const one = await api(gw, 'GET', '/users/ALICE');
    assert.equal(one.status, 200);
    const alice = one.json<Record<string, unknown> & { sessions: { hosts: string[]; amr: string[] }[] }>();
    assert.doesNotMatch(one.body, /sealed-seed/, 'no secret');
    assert.deepEqual(alice.factors, [
      { id: 'f1', kind: 'totp', name: 'Phone', created_at: new Date(gw.clock.now()).toISOString(), last_used_at: null },
    ]);
    assert.deepEqual(alice.lock, { locked: false, locked_for_ms: null, failures: 0, locked_devices: 0 });
    assert.equal(alice.sessions.length, 1);
    assert.deepEqual(alice.sessions[0]?.amr, ['pwd']);
    assert.ok(alice.sessions[0]?.hosts.includes('app.test'));
  });

  test(`POST users/{name}/unlock really unlocks, audited (${store})`, async (t) => {
    const gw = await gateway(t, store);
    if (gw === null) return;
    await assert.rejects(gw.login('alice', 'portal.test', 'wrong password'));
    for (let i = 1; i < 10; i++) await gw.login('alice', 'portal.test', 'wrong password').catch(() => {});
    await assert.rejects(gw.login('alice'), /401/, 'locked');
    const locked = await api(gw, 'GET', '/users/alice');
    assert.equal(locked.json<{ lock: { locked: boolean } }>().lock.locked, true);
    assert.equal((await api(gw, 'GET', '/users')).json<{ users: { locked: boolean }[] }>().users[0]?.locked, true);

    const res = await api(gw, 'POST', '/users/alice/unlock');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { user: 'alice', account: true, devices: 0 });
    await gw.login('alice');
    assert.equal(await auditBy(gw, 'admin.unlock'), 'api:admin-token');
  });

  test(`POST users/{name}/revoke-sessions ends every session on every host, audited (${store})`, async (t) => {
    const gw = await gateway(t, store);
    if (gw === null) return;
    const first = await aliceEverywhere(gw);
    const second = await aliceEverywhere(gw);
    const bob = await gw.login('bob');
    assert.deepEqual(await reached(gw, first), [200, 200]);
    const res = await api(gw, 'POST', '/users/alice/revoke-sessions');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { user: 'alice', sessions_ended: 2 });
    assert.deepEqual(await reached(gw, first), [401, 401]);
    assert.deepEqual(await reached(gw, second), [401, 401]);
    const others = await gw.send({ host: 'portal.test', target: '/.portcullis/api/session', headers: { cookie: bob } });
    assert.equal(others.status, 200, "other users' sessions are untouched");
    assert.equal(await auditBy(gw, 'admin.revoke_sessions'), 'api:admin-token');
  });

  test(`POST users/{name}/reset-mfa removes the factors and ends the sessions, audited (${store})`, async (t) => {
    const gw = await gateway(t, store);
    if (gw === null) return;
    await gw.runtime.durable.addFactor({
      id: 'f1',
      user: 'alice',
      kind: 'totp',
      name: 'Phone',
      secret: 'sealed-seed',
      data: null,
      createdAt: gw.clock.now(),
      lastUsedAt: null,
    });
    const thief = await aliceEverywhere(gw);
    const res = await api(gw, 'POST', '/users/alice/reset-mfa');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { user: 'alice', factors_removed: 1, devices_forgotten: 1, sessions_ended: 1 });
    assert.deepEqual(await gw.runtime.durable.listFactors('alice'), []);
    assert.deepEqual(await gw.runtime.durable.listDevices('alice'), [], 'the browser she signed in with is forgotten');
    assert.deepEqual(await reached(gw, thief), [401, 401]);
    assert.equal(await auditBy(gw, 'admin.reset_mfa'), 'api:admin-token');
  });
}

test('bad names are 400, unknown users 404, for every user endpoint', async (t) => {
  const gw = await gateway(t, 'memory');
  if (gw === null) return;
  const names: [string, number, string][] = [
    ['nobody', 404, 'unknown_user'],
    ['-alice', 400, 'bad_request'],
    ['al%20ice', 400, 'bad_request'],
    ['al%00ice', 400, 'bad_request'],
    ['%C3%A4lice', 400, 'bad_request'],
    ['a'.repeat(129), 400, 'bad_request'],
    ['a'.repeat(600), 400, 'bad_request'],
  ];
  for (const [name, status, error] of names) {
    for (const [method, suffix] of [
      ['GET', ''],
      ['POST', '/unlock'],
      ['POST', '/revoke-sessions'],
      ['POST', '/reset-mfa'],
      ['DELETE', '/devices'],
      ['DELETE', `/devices/${'A'.repeat(22)}`],
    ] as const) {
      const res = await api(gw, method, `/users/${name}${suffix}`);
      assert.equal(res.status, status, `${method} ${name}${suffix}`);
      assert.deepEqual(res.json(), { error }, `${method} ${name}${suffix}`);
    }
  }
  assert.deepEqual(await gw.runtime.durable.queryAudit({ event: 'admin.reset_mfa' }), [], 'nothing was done');
});

test('DELETE users/{name}/devices/{id}: a malformed id is 400, an unknown one 404, nothing forgotten', async (t) => {
  const gw = await gateway(t, 'memory');
  if (gw === null) return;
  const cookie = await gw.login('alice');
  for (const [id, status, error] of [
    ['short', 400, 'bad_request'],
    ['A'.repeat(21) + '%2F', 400, 'bad_request'],
    ['A'.repeat(23), 400, 'bad_request'],
    ['A'.repeat(22), 404, 'unknown_device'],
  ] as const) {
    const res = await api(gw, 'DELETE', `/users/alice/devices/${id}`);
    assert.equal(res.status, status, id);
    assert.equal(res.json<{ error: string }>().error, error, id);
  }
  assert.equal((await gw.runtime.durable.listDevices('alice')).length, 1);
  const session = await gw.send({ host: 'portal.test', target: '/.portcullis/api/session', headers: { cookie } });
  assert.equal(session.status, 200);
  assert.deepEqual(await gw.runtime.durable.queryAudit({ event: 'admin.forget_device' }), []);

  const all = await api(gw, 'DELETE', '/users/alice/devices');
  assert.equal(all.status, 200);
  assert.equal(all.json<{ sessions_ended: number }>().sessions_ended, 1);
  assert.equal(await auditBy(gw, 'admin.forget_device'), 'api:admin-token');
});

test('GET openapi.json lists every route of the admin API', async (t) => {
  const gw = await gateway(t, 'memory');
  if (gw === null) return;
  const res = await api(gw, 'GET', '/openapi.json');
  assert.equal(res.status, 200);
  const doc = res.json<{ openapi: string; paths: Record<string, Record<string, unknown>> }>();
  assert.match(doc.openapi, /^3\./);
  const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
  assert.deepEqual(routes.sort(), [
    'delete /api/v1/users/{name}/devices',
    'delete /api/v1/users/{name}/devices/{id}',
    'get /api/v1/audit',
    'get /api/v1/events',
    'get /api/v1/openapi.json',
    'get /api/v1/users',
    'get /api/v1/users/{name}',
    'post /api/v1/users/{name}/access-codes',
    'post /api/v1/users/{name}/push/unblock',
    'post /api/v1/users/{name}/reset-mfa',
    'post /api/v1/users/{name}/revoke-sessions',
    'post /api/v1/users/{name}/unlock',
  ]);
});
