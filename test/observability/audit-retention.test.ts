/**
 * The audit trail's retention on a real gateway (SQLite): a minute after start, then daily
 * (driven through the injected clock), the events older than `audit.retention` are deleted,
 * exactly those, and one `audit.trimmed` event says how many; a trim that deletes nothing
 * records nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AuditRecord } from '../../src/stores/durable.ts';
import { auditRecord } from '../helpers/audit-record.ts';
import { startTestGateway } from '../helpers/gateway.ts';

const DAY = 86_400_000;

const row = (time: number, n: number): AuditRecord => auditRecord({ time, detail: { n } });

test('the daily trim deletes exactly the events older than audit.retention and records audit.trimmed', async (t) => {
  const gw = await startTestGateway({ gateway: { audit: { retention: '30d' } } });
  t.after(() => gw.close());
  const durable = gw.runtime.durable;
  const trimAt = gw.clock.now() + 60_000;
  const cut = trimAt - 30 * DAY;
  for (const [n, time] of [cut - DAY, cut - 1, cut, cut + 1, trimAt - DAY].entries())
    await durable.appendAudit(row(time, n));

  await gw.timers.advance(59_000);
  assert.equal((await durable.queryAudit({})).length, 5, 'not yet: a minute after start');
  await gw.timers.advance(1_000);
  await gw.runtime.audit.flush();
  const left = await durable.queryAudit({ event: 'login.success' });
  assert.deepEqual(
    left.map((r) => r.detail?.n),
    [4, 3, 2],
    'the event exactly 30 days old stays',
  );
  const trimmed = await durable.queryAudit({ event: 'audit.trimmed' });
  assert.equal(trimmed.length, 1);
  assert.equal(trimmed[0]?.outcome, 'info');
  assert.equal(trimmed[0]?.requestId, null);
  assert.deepEqual(trimmed[0]?.detail, { deleted: 2, before: new Date(cut).toISOString(), retention_days: 30 });

  // a day later: the event at the cut and the one after it are now too old; nothing else
  await gw.timers.advance(DAY);
  await gw.runtime.audit.flush();
  assert.deepEqual(
    (await durable.queryAudit({ event: 'login.success' })).map((r) => r.detail?.n),
    [4],
  );
  assert.equal((await durable.queryAudit({ event: 'audit.trimmed' }))[0]?.detail?.deleted, 2);

  // and a day after that, nothing to delete: no event
  await gw.timers.advance(DAY);
  await gw.runtime.audit.flush();
  assert.equal((await durable.queryAudit({ event: 'audit.trimmed' })).length, 2);
});
