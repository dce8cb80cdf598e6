/**
 * The audit trail read page by page and trimmed, on real SQLite files: newest first with a
 * cursor over many pages of equal times (no duplicate, no gap, even with events recorded
 * between pages), every filter (tenant, MSP staff, user, exact type, type prefix with `_` taken
 * literally, since), the request id kept, bad arguments refused, and the trim deleting exactly
 * the events older than the cut. Also migration 8 on a database that had only migration 7.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuditCursor, AuditPageQuery, AuditRecord, DurableStore } from '../../src/stores/durable.ts';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../src/stores/migrations.ts';
import { auditRecord } from '../helpers/audit-record.ts';
import { durableTargets } from '../helpers/durable-targets.ts';

const record = (over: Partial<AuditRecord>): AuditRecord => auditRecord(over);

/** Every page of `query`, each page's events' `detail.n`. */
async function allPages(store: DurableStore, query: Omit<AuditPageQuery, 'before'>): Promise<number[][]> {
  const pages: number[][] = [];
  let before: AuditCursor | undefined;
  for (;;) {
    const page = await store.queryAuditPage({ ...query, ...(before ? { before } : {}) });
    pages.push(page.events.map((e) => e.detail?.n as number));
    if (page.next === null) return pages;
    before = page.next;
  }
}

for (const target of durableTargets) {
  describe(`queryAuditPage (${target.name})`, () => {
    it('pages newest first over equal times: every event once, in order, the last page says so', async (t) => {
      if (!target.ready(t)) return;
      const store = await target.open(target.fresh());
      // 25 events: five times, five events each (recorded in order n = 0..24)
      for (let i = 0; i < 25; i++)
        await store.appendAudit(record({ time: 1_000 + Math.floor(i / 5), detail: { n: i } }));
      const pages = await allPages(store, { limit: 7 });
      assert.deepEqual(
        pages.map((p) => p.length),
        [7, 7, 7, 4],
      );
      const expected = Array.from({ length: 25 }, (_, i) => 24 - i);
      assert.deepEqual(pages.flat(), expected, 'newest first, equal times latest recorded first');

      const exact = await allPages(store, { limit: 5 });
      assert.deepEqual(
        exact.map((p) => p.length),
        [5, 5, 5, 5, 5],
        'a last page that is full still ends the trail (no empty page after it)',
      );
      await store.close();
    });

    it('a page after a cursor is the same whatever is recorded meanwhile', async (t) => {
      if (!target.ready(t)) return;
      const store = await target.open(target.fresh());
      for (let i = 0; i < 6; i++) await store.appendAudit(record({ time: 5_000, detail: { n: i } }));
      const first = await store.queryAuditPage({ limit: 3 });
      assert.deepEqual(
        first.events.map((e) => e.detail?.n),
        [5, 4, 3],
      );
      await store.appendAudit(record({ time: 5_000, detail: { n: 6 } }));
      await store.appendAudit(record({ time: 9_000, detail: { n: 7 } }));
      assert.ok(first.next);
      const second = await store.queryAuditPage({ limit: 3, before: first.next });
      assert.deepEqual(
        second.events.map((e) => e.detail?.n),
        [2, 1, 0],
      );
      assert.equal(second.next, null);
      await store.close();
    });

    it('filters by tenant (null: MSP staff), user, exact type, type prefix and since; keeps the request id', async (t) => {
      if (!target.ready(t)) return;
      const store = await target.open(target.fresh());
      const rows: Partial<AuditRecord>[] = [
        { time: 100, event: 'login.success', tenant: 'acme', user: 'carol', requestId: 'aaaaaaaaaa' },
        { time: 200, event: 'login.failure', outcome: 'failure', tenant: 'acme', user: 'carol' },
        { time: 300, event: 'access_code.issued', outcome: 'info', tenant: null, user: 'alice' },
        { time: 400, event: 'access_code.used', tenant: null, user: 'alice' },
        // `_` is a literal in the prefix, not LIKE's one-character wildcard
        { time: 500, event: 'accessXcode.used', tenant: 'globex', user: 'gina' },
        { time: 600, event: 'access.deny', outcome: 'deny', tenant: 'globex', user: null },
      ];
      for (const [i, r] of rows.entries()) await store.appendAudit(record({ ...r, detail: { n: i } }));
      const ns = async (q: Omit<AuditPageQuery, 'limit'>) =>
        (await store.queryAuditPage({ ...q, limit: 100 })).events.map((e) => e.detail?.n);

      assert.deepEqual(await ns({}), [5, 4, 3, 2, 1, 0]);
      assert.deepEqual(await ns({ tenant: 'acme' }), [1, 0]);
      assert.deepEqual(await ns({ tenant: null }), [3, 2], 'the MSP staff: no tenant');
      assert.deepEqual(await ns({ user: 'alice' }), [3, 2]);
      assert.deepEqual(await ns({ type: 'login.failure' }), [1]);
      assert.deepEqual(await ns({ type: 'login' }), [], 'a type is exact');
      assert.deepEqual(await ns({ typePrefix: 'access_code.' }), [3, 2]);
      assert.deepEqual(await ns({ typePrefix: 'access' }), [5, 4, 3, 2]);
      assert.deepEqual(await ns({ since: 400 }), [5, 4, 3], 'since is inclusive');
      assert.deepEqual(await ns({ tenant: 'globex', typePrefix: 'access.', since: 100 }), [5]);
      assert.deepEqual(await ns({ user: 'nobody' }), []);

      const [oldest] = (await store.queryAuditPage({ limit: 1, type: 'login.success' })).events;
      assert.equal(oldest?.requestId, 'aaaaaaaaaa');
      assert.equal((await store.queryAudit({ event: 'login.failure' }))[0]?.requestId, null);
      await store.close();
    });

    it('refuses a limit out of 1..1000, a bad cursor or since, and a request id that is not text', async (t) => {
      if (!target.ready(t)) return;
      const store = await target.open(target.fresh());
      await store.appendAudit(record({}));
      for (const limit of [0, -1, 1001, 1.5, Number.NaN])
        await assert.rejects(store.queryAuditPage({ limit }), TypeError, `limit ${limit}`);
      await assert.rejects(store.queryAuditPage({ limit: 1, before: { time: 1.5, id: 1 } }), TypeError);
      await assert.rejects(store.queryAuditPage({ limit: 1, before: { time: 1, id: 0 } }), TypeError);
      await assert.rejects(store.queryAuditPage({ limit: 1, since: Number.NaN }), TypeError);
      await assert.rejects(store.queryAuditPage({ limit: 1, typePrefix: '' }), TypeError);
      await assert.rejects(store.appendAudit(record({ requestId: 42 as unknown as string })), TypeError);
      assert.equal((await store.queryAudit({})).length, 1, 'nothing was written by the refused append');
      await store.close();
    });
  });
}

for (const target of durableTargets) {
  describe(`trimAudit (${target.name})`, () => {
    it('deletes exactly the events older than the cut, and says how many', async (t) => {
      if (!target.ready(t)) return;
      const store = await target.open(target.fresh());
      for (const time of [10, 20, 29, 30, 31, 40]) await store.appendAudit(record({ time }));
      assert.equal(await store.trimAudit(30), 3);
      assert.deepEqual(
        (await store.queryAudit({})).map((r) => r.time),
        [40, 31, 30],
        'an event exactly at the cut stays',
      );
      assert.equal(await store.trimAudit(30), 0, 'again: nothing more (several instances may trim)');
      await assert.rejects(store.trimAudit(Number.NaN), TypeError);
      await store.close();
    });
  });
}

for (const target of durableTargets) {
  describe(`migration 8 (audit request ids and paging) (${target.name})`, () => {
    it('adds the column to a database that had migration 7, keeping its events (request id null)', async (t) => {
      if (!target.ready(t)) return;
      const file = target.fresh();
      const v7 = await target.open(file, { migrations: MIGRATIONS.filter((m) => m.version <= 7) });
      await v7.appendAudit(record({ time: 7, requestId: 'ignored-before-8' }));
      assert.equal((await v7.queryAudit({}))[0]?.requestId, null, 'no column yet: null');
      await v7.close();
      const v8 = await target.open(file);
      assert.equal(await v8.schemaVersion(), LATEST_SCHEMA_VERSION);
      await v8.appendAudit(record({ time: 8, requestId: 'bbbbbbbbbb' }));
      assert.deepEqual(
        (await v8.queryAuditPage({ limit: 10 })).events.map((e) => [e.time, e.requestId]),
        [
          [8, 'bbbbbbbbbb'],
          [7, null],
        ],
      );
      await v8.close();
    });
  });
}
