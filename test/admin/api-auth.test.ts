/**
 * The admin API's door: the bearer token (generated into the data folder, or from the
 * environment), compared in constant time whatever its length, refused alike when missing or
 * wrong, throttled per client address, and never reachable through the proxied port.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadAdminToken } from '../../src/admin/admin-token.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { callAdmin, generatedToken, tokenFile } from './helpers.ts';

async function gateway(t: { after(fn: () => Promise<void>): void }): Promise<TestGateway> {
  const gw = await startTestGateway();
  t.after(() => gw.close());
  return gw;
}

test('the token is generated at first start into data/admin.token, mode 0600', async (t) => {
  const gw = await gateway(t);
  const token = generatedToken(gw);
  assert.match(token, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(statSync(tokenFile(gw)).mode & 0o777, 0o600);
  const res = await callAdmin(gw, 'GET', '/api/v1/users', `Bearer ${token}`);
  assert.equal(res.status, 200);
});

test('no token or a wrong one is 401 unauthorized, whatever its length or shape', async (t) => {
  const gw = await gateway(t);
  const token = generatedToken(gw);
  const last = token.at(-1) === 'A' ? 'B' : 'A';
  const cases: [string, string | undefined, number][] = [
    ['no header', undefined, 401],
    ['empty header', '', 401],
    ['scheme only', 'Bearer', 401],
    ['another scheme', `Basic ${token}`, 401],
    ['last character changed', `Bearer ${token.slice(0, -1)}${last}`, 401],
    ['one character short', `Bearer ${token.slice(0, -1)}`, 401],
    ['one character more', `Bearer ${token}x`, 401],
    ['far longer', `Bearer ${token.repeat(50)}`, 401],
    ['two tokens', `Bearer ${token} ${token}`, 401],
    ['the right token', `Bearer ${token}`, 200],
    ['the scheme in lower case', `bearer ${token}`, 200],
  ];
  for (const [name, authorization, status] of cases) {
    const res = await callAdmin(gw, 'GET', '/api/v1/users', authorization);
    assert.equal(res.status, status, name);
    if (status === 401) {
      assert.deepEqual(res.json(), { error: 'unauthorized' }, name);
      assert.equal(res.headers['www-authenticate'], 'Bearer', name);
    }
  }
});

test('every path under /api/v1 needs the token, unknown ones included', async (t) => {
  const gw = await gateway(t);
  const token = `Bearer ${generatedToken(gw)}`;
  const cases: [string, string, string | undefined, number, string][] = [
    ['GET', '/api/v1/nothing-here', undefined, 401, 'unauthorized'],
    ['GET', '/api/v1/nothing-here', token, 404, 'not_found'],
    ['POST', '/api/v1/users/alice/unlock', undefined, 401, 'unauthorized'],
    ['GET', '/api/v1/openapi.json', undefined, 401, 'unauthorized'],
  ];
  for (const [method, target, authorization, status, error] of cases) {
    const res = await callAdmin(gw, method, target, authorization);
    assert.equal(res.status, status, `${method} ${target}`);
    assert.equal(res.json().error, error, `${method} ${target}`);
  }
});

test('the admin API is not on the proxied port', async (t) => {
  const gw = await gateway(t);
  const authorization = `Bearer ${generatedToken(gw)}`;
  for (const host of ['portal.test', 'app.test']) {
    const res = await gw.send({ host, target: '/api/v1/users', headers: { authorization } });
    assert.notEqual(res.status, 200, host);
    assert.doesNotMatch(res.body, /"users"/, host);
  }
});

test('ten failed tokens a minute from one address, then 429 even for the right token until the minute ends', async (t) => {
  const gw = await gateway(t);
  const token = `Bearer ${generatedToken(gw)}`;
  for (let i = 0; i < 10; i++) assert.equal((await callAdmin(gw, 'GET', '/api/v1/users', 'Bearer wrong')).status, 401);
  for (const authorization of ['Bearer wrong', token, undefined]) {
    const res = await callAdmin(gw, 'GET', '/api/v1/users', authorization);
    assert.equal(res.status, 429);
    assert.deepEqual(res.json(), { error: 'rate_limited' });
    assert.equal(res.headers['retry-after'], '60');
  }
  gw.clock.advance(59_000);
  assert.equal((await callAdmin(gw, 'GET', '/api/v1/users', token)).status, 429);
  gw.clock.advance(1_000);
  assert.equal((await callAdmin(gw, 'GET', '/api/v1/users', token)).status, 200);
  assert.equal((await callAdmin(gw, 'GET', '/api/v1/users', 'Bearer wrong')).status, 401, 'counting starts again');
});

test('PORTCULLIS_ADMIN_TOKEN replaces the file and names the actions env-token; a short one refuses to start', async (t) => {
  const saved = process.env.PORTCULLIS_ADMIN_TOKEN;
  t.after(() => {
    if (saved === undefined) delete process.env.PORTCULLIS_ADMIN_TOKEN;
    else process.env.PORTCULLIS_ADMIN_TOKEN = saved;
  });
  for (const env of ['short', `${'x'.repeat(20)} ${'y'.repeat(20)}`])
    await assert.rejects(loadAdminToken({ env, dataDir: tmpdir() }), { code: 'PC_ERR_ADMIN_TOKEN' });

  const token = 'an-operator-chosen-token-of-enough-length';
  process.env.PORTCULLIS_ADMIN_TOKEN = token;
  const gw = await gateway(t);
  assert.equal(existsSync(tokenFile(gw)), false, 'no file is generated');
  assert.equal((await callAdmin(gw, 'GET', '/api/v1/users', `Bearer ${token}x`)).status, 401);
  assert.equal((await callAdmin(gw, 'POST', '/api/v1/users/alice/unlock', `Bearer ${token}`)).status, 200);
  const [row] = await gw.runtime.durable.queryAudit({ event: 'admin.unlock', user: 'alice' });
  assert.equal(row?.detail?.by, 'api:env-token');
});

test('first starts at once on one data folder (instances sharing a volume, workers) agree on one token', async () => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'pc-token-')), 'data');
  const tokens = await Promise.all(Array.from({ length: 8 }, () => loadAdminToken({ env: undefined, dataDir })));
  const onDisk = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
  for (const token of tokens) assert.ok(token.matches(onDisk), 'each start holds the token in the file');
  assert.equal(statSync(join(dataDir, 'admin.token')).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(dataDir), ['admin.token'], 'no temporary file left');
});
