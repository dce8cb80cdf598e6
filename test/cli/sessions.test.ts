import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { runUserSessions } from '../../src/cli/sessions.ts';
import { ManualClock } from '../../src/clock.ts';
import { startTestGateway } from '../helpers/gateway.ts';
import { requireService } from '../helpers/services.ts';
import { Capture } from './fixtures.ts';

test('user sessions / revoke-sessions: listed from the shared Redis, ended on every instance, audited', async (t) => {
  if (!(await requireService('redis', t))) return;
  const name = `erin-${randomBytes(4).toString('hex')}`;
  // the command reads the store with the system clock, so the gateways start from now
  const options = {
    clock: new ManualClock(Date.now()),
    users: { [name]: { groups: ['msp-admins'] } },
    gateway: { stores: { durable: 'sqlite:../data/test.db', ephemeral: 'redis://127.0.0.1:6379/0' } },
  };
  const a = await startTestGateway(options);
  t.after(() => a.close());
  const b = await startTestGateway(options);
  t.after(() => b.close());
  const first = await a.login(name, 'app.test');
  const second = await b.login(name, 'app.test');
  const config = join(a.dir, 'config/gateway.yaml');

  const out = new Capture();
  const io = { stdin: process.stdin, stdout: out, stderr: new Capture() };
  assert.equal(await runUserSessions([name, '--config', config], io, 'list'), 0);
  const lines = out.text.trim().split('\n');
  assert.equal(lines.length, 2, out.text);
  assert.ok(lines.every((l) => /amr pwd/.test(l)));
  assert.ok(!out.text.includes(first.split('=')[1] ?? '-'), 'the cookie value is never printed');

  const revoked = new Capture();
  assert.equal(await runUserSessions([name, '--config', config], { ...io, stdout: revoked }, 'revoke'), 0);
  assert.match(revoked.text, /ended 2 session\(s\)/);
  assert.equal(
    (await b.send({ host: 'app.test', target: '/x', headers: { cookie: first } })).status,
    401,
    'ended on the other instance too',
  );
  assert.equal((await a.send({ host: 'app.test', target: '/x', headers: { cookie: second } })).status, 401);
  const audit = await (await import('../../src/stores/open.ts')).openDurable(
    'sqlite:../data/test.db',
    join(a.dir, 'config'),
  );
  t.after(() => audit.close());
  assert.equal((await audit.queryAudit({ event: 'admin.revoke_sessions', user: name }))[0]?.detail?.sessions, 2);
});

test('with the memory store, listing refuses and says why; revoking marks the sessions ended', async (t) => {
  // the command runs on the system clock, as the gateway does outside tests
  const gw = await startTestGateway({ clock: new ManualClock(Date.now()) });
  t.after(() => gw.close());
  const alice = await gw.login('alice');
  const err = new Capture();
  const code = await runUserSessions(
    ['alice', '--config', join(gw.dir, 'config/gateway.yaml')],
    { stdin: process.stdin, stdout: new Capture(), stderr: err },
    'list',
  );
  assert.equal(code, 1);
  assert.match(err.text, /memory of the running gateway/);

  const out = new Capture();
  const revoked = await runUserSessions(
    ['alice', '--config', join(gw.dir, 'config/gateway.yaml')],
    { stdin: process.stdin, stdout: out, stderr: err },
    'revoke',
  );
  assert.equal(revoked, 0, err.text);
  assert.match(out.text, /the sessions of alice end in the running gateway within 2 seconds/);
  await gw.runtime.sessionEnds.refresh();
  const session = await gw.send({
    host: 'portal.test',
    target: '/.portcullis/api/session',
    headers: { cookie: alice },
  });
  assert.equal(session.status, 401);
});
