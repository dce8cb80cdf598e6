/** AuditLog: rows reach the durable store off the request path; failures never block nor leak. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type AuditInput, AuditLog, isSecretKey, scrubDetail } from '../../src/audit/audit.ts';
import { ManualClock } from '../../src/clock.ts';
import { StoreUnavailableError } from '../../src/errors.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { SqliteDurableStore } from '../../src/stores/sqlite.ts';
import { captureStream, FakeDurable } from './helpers.ts';

function entry(event: string, detail: Record<string, unknown> | null = null): AuditInput {
  return {
    event,
    outcome: 'success',
    tenant: 'acme',
    user: 'alice',
    ip: '203.0.113.9',
    country: 'FR',
    device: 'dev-1',
    app: 'wiki',
    rule: 'r1',
    detail,
    requestId: 'k7qm2xdh4a',
  };
}

test('rows reach a real sqlite store and each record writes one pino line', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-audit-'));
  const durable = await SqliteDurableStore.open(join(dir, 'audit.db'));
  t.after(async () => {
    await durable.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const out = captureStream();
  const clock = new ManualClock();
  const audit = new AuditLog({ durable, logger: createLogger({ destination: out }), clock });

  audit.record(entry('login.success', { method: 'totp', password: 'hunter2', nested: { token: 'tok-abc', n: 1 } }));
  clock.advance(1000);
  audit.record({ ...entry('access.deny'), outcome: 'deny', user: null });
  audit.record({ ...entry('access.challenge'), outcome: 'challenge', time: 42 });
  await audit.flush();

  assert.equal(audit.written, 3);
  assert.equal(audit.failures, 0);
  const rows = await durable.queryAudit({});
  assert.deepEqual(
    rows.map((r) => [r.event, r.time]),
    [
      ['access.deny', clock.now()],
      ['login.success', clock.now() - 1000],
      ['access.challenge', 42],
    ],
  );
  const login = rows.find((r) => r.event === 'login.success');
  assert.deepEqual(login?.detail, { method: 'totp', nested: { n: 1 } });
  assert.equal(login?.tenant, 'acme');
  assert.equal(rows.find((r) => r.event === 'access.deny')?.user, null);

  const lines = out.parsed();
  assert.equal(lines.length, 3);
  assert.deepEqual(
    { ...lines[0], time: undefined, pid: undefined, hostname: undefined },
    {
      level: 30,
      time: undefined,
      pid: undefined,
      hostname: undefined,
      audit: true,
      event: 'login.success',
      outcome: 'success',
      tenant: 'acme',
      user: 'alice',
      ip: '203.0.113.9',
      country: 'FR',
      device: 'dev-1',
      app: 'wiki',
      rule: 'r1',
      detail: { method: 'totp', nested: { n: 1 } },
      request_id: 'k7qm2xdh4a',
      msg: 'login.success',
    },
  );
  assert.ok(!out.text().includes('hunter2') && !out.text().includes('tok-abc'));
});

test('record() never touches the store synchronously', async () => {
  const durable = new FakeDurable();
  const audit = new AuditLog({
    durable,
    logger: createLogger({ destination: captureStream() }),
    clock: new ManualClock(),
  });
  for (let i = 0; i < 120; i++) audit.record(entry(`e${i}`));
  assert.equal(durable.calls, 0);
  assert.equal(audit.pending, 120);
  await audit.flush();
  assert.equal(audit.pending, 0);
  assert.deepEqual(
    durable.appended.map((r) => r.event),
    Array.from({ length: 120 }, (_, i) => `e${i}`),
  );
});

test('a failing durable store: not blocking, failures counted, retried once, errors logged without detail', async () => {
  const durable = new FakeDurable(async () => {
    throw new StoreUnavailableError('sqlite', new Error('disk I/O error'));
  });
  const out = captureStream();
  const errors: unknown[] = [];
  const audit = new AuditLog({
    durable,
    logger: createLogger({ destination: out }),
    clock: new ManualClock(),
    retryDelayMs: 5,
    onWriteError: (err) => errors.push(err),
  });

  const started = performance.now();
  audit.record(entry('login.failure', { reason: 'wrong-otp-zebra', secret: 'sekrit-42' }));
  audit.record(entry('login.failure', { reason: 'wrong-otp-zebra' }));
  assert.ok(performance.now() - started < 50, 'record() returned at once');
  await audit.flush();

  assert.equal(durable.calls, 4, 'each row tried twice');
  assert.equal(audit.failures, 4);
  assert.equal(audit.lost, 2);
  assert.equal(audit.written, 0);
  assert.equal(errors.length, 4);
  const errorLines = out.parsed().filter((l) => l['level'] === 50);
  assert.equal(errorLines.length, 4);
  for (const l of errorLines) {
    assert.equal(l['msg'], 'audit write failed');
    assert.equal(l['event'], 'login.failure');
    assert.equal(l['detail'], undefined);
    assert.ok(!JSON.stringify(l).includes('wrong-otp-zebra'));
  }
  assert.deepEqual(
    errorLines.map((l) => l['willRetry']),
    [true, true, false, false],
  );
  assert.ok(!out.text().includes('sekrit-42'));
});

test('a row whose first write fails is written on the retry', async () => {
  const durable = new FakeDurable(async (_r, call) => {
    if (call === 1) throw new Error('transient');
  });
  const audit = new AuditLog({
    durable,
    logger: createLogger({ destination: captureStream() }),
    clock: new ManualClock(),
    retryDelayMs: 1,
  });
  audit.record(entry('a'));
  await audit.flush();
  assert.equal(audit.failures, 1);
  assert.equal(audit.lost, 0);
  assert.equal(audit.written, 1);
  assert.deepEqual(
    durable.appended.map((r) => r.event),
    ['a'],
  );
});

test('the queue is bounded: overflow drops the oldest and counts it', async () => {
  const durable = new FakeDurable();
  const audit = new AuditLog({
    durable,
    logger: createLogger({ destination: captureStream() }),
    clock: new ManualClock(),
    maxQueue: 3,
  });
  for (const e of ['a', 'b', 'c', 'd', 'e']) audit.record(entry(e));
  assert.equal(audit.dropped, 2);
  await audit.flush();
  assert.deepEqual(
    durable.appended.map((r) => r.event),
    ['c', 'd', 'e'],
  );
});

test('a hanging store does not block record(), and rows queue up behind it', async () => {
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const durable = new FakeDurable(() => gate);
  const audit = new AuditLog({
    durable,
    logger: createLogger({ destination: captureStream() }),
    clock: new ManualClock(),
  });
  audit.record(entry('first'));
  await new Promise((r) => setImmediate(r));
  for (let i = 0; i < 10; i++) audit.record(entry(`more${i}`));
  assert.equal(durable.calls, 1);
  release();
  await audit.flush();
  assert.equal(audit.written, 11);
});

test('scrubbing removes secret-named keys, in any case style, without touching the input', () => {
  for (const k of ['password', 'Passwd', 'refresh_token', 'apiKey', 'recovery_code', 'x-portcullis-assertion', 'OTP']) {
    assert.ok(isSecretKey(k), k);
  }
  for (const k of ['reason', 'method', 'keyboard', 'monkey', 'user', 'rule']) assert.ok(!isSecretKey(k), k);
  const input = { reason: 'x', code: '123456', inner: { sessionCookie: 'c', ok: [{ token: 't', n: 1 }] } };
  assert.deepEqual(scrubDetail(input), { reason: 'x', inner: { ok: [{ n: 1 }] } });
  assert.equal(input.code, '123456');
  assert.equal(scrubDetail(null), null);
});
