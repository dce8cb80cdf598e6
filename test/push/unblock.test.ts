/**
 * Lifting a push block: the admin API (`POST users/{name}/push/unblock`) and `portcullis user
 * push-unblock` through the running gateway (memory store: its cooldown is lifted too), and
 * straight in the stores with a notice when no gateway answers. Audited `push.unblocked`.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runUserPushUnblock } from '../../src/cli/push-unblock.ts';
import { adminPort, callAdmin, generatedToken } from '../admin/helpers.ts';
import { Capture } from '../cli/fixtures.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { freePort } from '../helpers/ports.ts';

const CONTEXT = { app: 'app', host: 'app.test', ip: '203.0.113.7', country: null, browser: null, os: null };

async function reportedBy(gw: TestGateway, user: string): Promise<void> {
  await gw.runtime.durable.blockPush({
    user,
    blockedAt: gw.clock.now(),
    requestId: 'r-1',
    ip: CONTEXT.ip,
    country: null,
    app: 'app',
  });
}

async function cli(gw: TestGateway, env: NodeJS.ProcessEnv) {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runUserPushUnblock(['alice', '--config', join(gw.dir, 'config/gateway.yaml')], {
    stdin: process.stdin,
    stdout,
    stderr,
    env,
  });
  return { code, out: stdout.text, err: stderr.text };
}

describe('push unblock', () => {
  it('the admin API lifts the block, audited with the token name; unknown users 404', async (t) => {
    const gw = await startTestGateway();
    t.after(() => gw.close());
    await reportedBy(gw, 'alice');
    const alice = { name: 'alice', tenant: null };
    assert.equal((await gw.runtime.push.start(alice, CONTEXT)).ok, false);
    const token = `Bearer ${generatedToken(gw)}`;
    const res = await callAdmin(gw, 'POST', '/api/v1/users/alice/push/unblock', token);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { user: 'alice', unblocked: true });
    assert.equal((await gw.runtime.push.start(alice, CONTEXT)).ok, true);
    const [event] = await gw.runtime.durable.queryAudit({ event: 'push.unblocked', user: 'alice' });
    assert.equal(event?.detail?.by, 'api:admin-token');
    assert.equal(event?.detail?.unblocked, true);
    const again = await callAdmin(gw, 'POST', '/api/v1/users/alice/push/unblock', token);
    assert.deepEqual(again.json(), { user: 'alice', unblocked: false });
    assert.equal((await callAdmin(gw, 'POST', '/api/v1/users/nobody/push/unblock', token)).status, 404);
    assert.equal((await callAdmin(gw, 'POST', '/api/v1/users/alice/push/unblock', undefined)).status, 401);
  });

  it('portcullis user push-unblock through the gateway, and with a notice when none answers', async (t) => {
    const gw = await startTestGateway();
    t.after(() => gw.close());
    await reportedBy(gw, 'alice');
    const via = {
      PORTCULLIS_ADMIN_URL: `http://127.0.0.1:${adminPort(gw)}`,
      PORTCULLIS_ADMIN_TOKEN: generatedToken(gw),
    };
    const first = await cli(gw, via);
    assert.deepEqual(first, { code: 0, out: 'alice may receive pushes again\n', err: '' });
    assert.equal(await gw.runtime.durable.findPushBlock('alice'), null);

    await reportedBy(gw, 'alice');
    const direct = await cli(gw, { PORTCULLIS_ADMIN_URL: `http://127.0.0.1:${await freePort()}` });
    assert.equal(direct.code, 0, direct.err);
    assert.match(direct.err, /^notice: no gateway answers at .*; lifting the block in the stores directly\n$/);
    assert.equal(direct.out, 'alice may receive pushes again\n');
    assert.equal(await gw.runtime.durable.findPushBlock('alice'), null);
    const events = await gw.runtime.durable.queryAudit({ event: 'push.unblocked', user: 'alice' });
    assert.equal(events.length, 2);
    assert.match(String(events[0]?.detail?.by), /^cli:/);

    const none = await cli(gw, via);
    assert.equal(none.out, 'alice was not blocked from push\n');
    const wrong = await cli(gw, { ...via, PORTCULLIS_ADMIN_TOKEN: 'x'.repeat(40) });
    assert.equal(wrong.code, 1);
    assert.match(wrong.err, /refused: 401 unauthorized/);
  });
});
