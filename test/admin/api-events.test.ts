/**
 * `GET /api/v1/events` on a real gateway (SQLite, memory store): the reference of a refusal
 * page is the request_id of its event here, of its durable row and of its log line; pages
 * newest first over equal times with the `next` cursor (no duplicate, no gap); every filter;
 * bad input refused with a named error and nothing changed; the token required.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { EventView } from '../../src/audit/event-view.ts';
import type { AuditRecord } from '../../src/stores/durable.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { callAdmin, generatedToken } from './helpers.ts';

interface Page {
  events: EventView[];
  next: string | null;
}

const HOUR = 3_600_000;
let gw: TestGateway;
const logs: string[] = [];

const api = (target: string, token: string | undefined = `Bearer ${generatedToken(gw)}`) =>
  callAdmin(gw, 'GET', `/api/v1/events${target}`, token);

async function page(target: string): Promise<Page> {
  const answer = await api(target);
  assert.equal(answer.status, 200, answer.body);
  return answer.json<Page>();
}

const row = (over: Partial<AuditRecord>): AuditRecord => ({
  time: gw.clock.now(),
  event: 'login.success',
  outcome: 'success',
  tenant: null,
  user: 'alice',
  ip: '198.51.100.4',
  country: null,
  device: null,
  app: 'app',
  rule: null,
  detail: null,
  requestId: null,
  ...over,
});

before(async () => {
  gw = await startTestGateway({ logs });
  const t0 = gw.clock.now();
  const durable = gw.runtime.durable;
  // an older history: two days ago (acme), then twelve events at one same time
  await durable.appendAudit(row({ time: t0 - 48 * HOUR, tenant: 'acme', user: 'carol', detail: { n: 'old' } }));
  await durable.appendAudit(
    row({ time: t0 - 47 * HOUR, event: 'access_code.issued', outcome: 'info', detail: { n: 'code' } }),
  );
  await durable.appendAudit(row({ time: t0 - 46 * HOUR, event: 'accessXcode.used', user: 'bob', detail: { n: 'x' } }));
  for (let i = 0; i < 12; i++)
    await durable.appendAudit(row({ time: t0 - HOUR, event: 'login.failure', outcome: 'failure', detail: { n: i } }));
});
after(() => gw.close());

describe('GET /api/v1/events', () => {
  test('a refusal page: its reference is the request_id of the event, the durable row and the log line', async () => {
    const answer = await gw.send({ host: 'app.test', target: '/blocked/x', headers: { accept: 'text/html' } });
    assert.equal(answer.status, 403);
    const reference = /<p class="reference">Reference: ([a-z0-9]{10})<\/p>/.exec(answer.body)?.[1];
    assert.ok(reference, 'the page shows a reference');
    await gw.runtime.audit.flush();

    const [event] = (await page('?type=access.deny&limit=1')).events;
    assert.equal(event?.request_id, reference);
    assert.equal(event?.rule, 'blocked-area');
    assert.equal(event?.outcome, 'deny');
    const [stored] = await gw.runtime.durable.queryAudit({ event: 'access.deny' });
    assert.equal(stored?.requestId, reference);
    assert.equal(stored?.detail?.request_id, undefined, 'in its column, not in the detail');
    const lines = logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(lines.some((l) => l.audit === true && l.msg === 'access.deny' && l.request_id === reference));
    assert.ok(lines.some((l) => l.msg === 'request refused' && l.reqId === reference));
  });

  test("an administrator's action through the API carries the admin request's id", async () => {
    const unlock = await callAdmin(gw, 'POST', '/api/v1/users/dave/unlock', `Bearer ${generatedToken(gw)}`);
    assert.equal(unlock.status, 200);
    const [event] = (await page('?type=admin.unlock')).events;
    assert.equal(event?.user, 'dave');
    assert.match(event?.request_id ?? '', /^[a-km-np-z2-9]{10}$/);
    assert.equal(event?.detail?.by, 'api:admin-token');
  });

  test('pages newest first over equal times: every event once, in order, then next is null', async () => {
    const seen: unknown[] = [];
    let next: string | null = null;
    let pages = 0;
    do {
      const p: Page = await page(`?type=login.failure&limit=5${next === null ? '' : `&before=${next}`}`);
      seen.push(...p.events.map((e) => e.detail?.n));
      next = p.next;
      pages++;
    } while (next !== null);
    assert.equal(pages, 3);
    assert.deepEqual(seen, [11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);

    const all = await page('?limit=1000');
    assert.equal(all.next, null);
    const times = all.events.map((e) => Date.parse(e.time));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
      'newest first',
    );
    assert.equal((await page('')).events.length, all.events.length, 'default limit 100');
  });

  test('filters: tenant (and _msp), user (canonical), exact type, type prefix, since (duration and ISO)', async () => {
    const ns = async (q: string) => (await page(q)).events.map((e) => e.detail?.n ?? e.type);
    assert.deepEqual(await ns('?tenant=acme'), ['old']);
    assert.ok((await ns('?tenant=_msp')).includes('code'));
    assert.ok(!(await ns('?tenant=_msp&limit=1000')).includes('old'));
    assert.deepEqual(await ns('?user=BOB'), ['x'], 'the user name is folded as at sign-in');
    assert.deepEqual(await ns('?user=carol'), ['old']);
    assert.deepEqual(await ns('?type=access_code.issued'), ['code']);
    assert.deepEqual(await ns('?type=access_code.*'), ['code'], 'a prefix, with _ taken literally');
    assert.deepEqual(await ns('?type=access_code'), [], 'without .* a type is exact');
    assert.equal((await ns('?since=2h&type=login.failure')).length, 12);
    assert.deepEqual(await ns('?since=47h&user=alice&type=access_code.*'), ['code'], 'since is inclusive');
    const iso = new Date(gw.clock.now() - 46 * HOUR).toISOString();
    assert.deepEqual(await ns(`?since=${encodeURIComponent(iso)}&user=bob`), ['x']);
    assert.deepEqual(await ns('?since=2000-01-01&tenant=acme'), ['old'], 'a day: 00:00 UTC');
    assert.deepEqual(await ns('?user=nobody'), []);
  });

  test('bad input: 400 with the filter named, nothing written', async () => {
    await gw.runtime.audit.flush();
    const count = (await gw.runtime.durable.queryAudit({ limit: 10_000 })).length;
    const cases: [string, string][] = [
      ['?limit=0', 'bad_limit'],
      ['?limit=1001', 'bad_limit'],
      ['?limit=ten', 'bad_limit'],
      ['?limit=1.5', 'bad_limit'],
      ['?since=yesterday', 'bad_since'],
      ['?since=0h', 'bad_since'],
      ['?since=2026-13-45', 'bad_since'],
      ['?since=2026-01-01T10:00:00', 'bad_since'],
      ['?before=not-a-cursor', 'bad_cursor'],
      ['?before=zz.0', 'bad_cursor'],
      ['?type=Login%20Failure', 'bad_type'],
      ['?type=login.', 'bad_type'],
      ['?type=*', 'bad_type'],
      ['?tenant=Acme!', 'bad_tenant'],
      ['?tenant=', 'bad_tenant'],
      ['?user=%20', 'bad_user'],
      ['?user=al%20ice', 'bad_user'],
      ['?foo=1', 'bad_query'],
      ['?limit=5&limit=6', 'bad_limit'],
    ];
    for (const [query, error] of cases) {
      const answer = await api(query);
      assert.equal(answer.status, 400, `${query}: ${answer.body}`);
      const body = answer.json<{ error: string; message: string }>();
      assert.equal(body.error, error, query);
      assert.equal(typeof body.message, 'string', query);
      assert.ok(!body.message.includes('yesterday') && !body.message.includes('Acme'), 'the value is not echoed');
    }
    await gw.runtime.audit.flush();
    assert.equal((await gw.runtime.durable.queryAudit({ limit: 10_000 })).length, count, 'nothing was recorded');
  });

  test('no token or a wrong one: 401, and no events', async () => {
    const none = await callAdmin(gw, 'GET', '/api/v1/events', undefined);
    assert.equal(none.status, 401);
    assert.equal(none.json().error, 'unauthorized');
    assert.ok(!none.body.includes('login.failure'));
    assert.equal((await api('', 'Bearer nope')).status, 401);
  });
});
