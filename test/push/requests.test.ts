/**
 * Push requests and their limits, on the memory store (an injected clock drives expiry, windows
 * and cooldowns) and on the real Redis (two PushRequests sharing it, as two instances do:
 * skipped with a notice when Redis is not running, FAILED under CI=true). Device answers are
 * real ES256 JWS made with WebCrypto keys, verified by answer-token.ts; every refusal is shown
 * to change nothing.
 */
import assert from 'node:assert/strict';
import { randomBytes, webcrypto } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { CompactSign, exportJWK, type JWK } from 'jose';
import { ManualClock } from '../../src/clock.ts';
import { verifyAnswer } from '../../src/push/requests/answer-token.ts';
import { DEFAULT_PUSH_LIMITS } from '../../src/push/requests/push-limits.ts';
import { type PushContext, PushRequests } from '../../src/push/requests/push-requests.ts';
import { systemRandom } from '../../src/random.ts';
import type { EphemeralStore } from '../../src/stores/ephemeral.ts';
import { MemoryEphemeralStore } from '../../src/stores/memory.ts';
import { RedisEphemeralStore } from '../../src/stores/redis.ts';
import { SqliteDurableStore } from '../../src/stores/sqlite.ts';
import { requireService } from '../helpers/services.ts';

const CONTEXT: PushContext = {
  app: 'Acme RMM',
  host: 'rmm.acme.example',
  ip: '203.0.113.7',
  country: 'NL',
  browser: 'Firefox',
  os: 'Windows',
};
const LIMITS = { ...DEFAULT_PUSH_LIMITS, timeoutMs: 60_000 };

interface Device {
  id: string;
  publicKey: JWK;
  sign(payload: Record<string, unknown>): Promise<string>;
}

/** A device key as the approving web app makes it: P-256, private key not extractable. */
async function device(id = randomBytes(8).toString('hex')): Promise<Device> {
  const pair = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  return {
    id,
    publicKey: await exportJWK(pair.publicKey),
    sign: (payload) =>
      new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
        .setProtectedHeader({ alg: 'ES256', kid: id })
        .sign(pair.privateKey),
  };
}

async function durableStore(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-push-'));
  const durable = await SqliteDurableStore.open(join(dir, 'store.db'));
  t.after(async () => {
    await durable.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return durable;
}

async function setUp(t: TestContext, store?: EphemeralStore) {
  const clock = new ManualClock(Date.UTC(2026, 11, 7, 9, 0, 0));
  const ephemeral = store ?? new MemoryEphemeralStore({ clock });
  if (store === undefined) t.after(() => ephemeral.close());
  const durable = await durableStore(t);
  const requests = new PushRequests({
    store: ephemeral,
    durable,
    clock,
    random: systemRandom,
    limits: () => LIMITS,
  });
  const phone = await device();
  /** The phone's answer, verified as the route will: the verified answer or the refusal. */
  const answer = async (rid: string, payload: Record<string, unknown>, by = phone) => {
    const token = await by.sign({ rid, iat: Math.floor(clock.now() / 1000), ...payload });
    const verified = await verifyAnswer(token, phone, rid, clock.now());
    return verified.ok ? requests.answer('alice', verified.answer) : verified;
  };
  return { clock, ephemeral, durable, requests, phone, answer };
}

const alice = { name: 'alice', tenant: 'acme' };

describe('push requests (memory store)', () => {
  it('number matching: the right number approves once; the approval becomes a session once', async (t) => {
    const { requests, answer } = await setUp(t);
    const started = await requests.start(alice, CONTEXT);
    assert.ok(started.ok);
    const { request } = started;
    assert.ok(request.number >= 10 && request.number <= 99);
    assert.equal(request.choices.length, 3);
    assert.equal(new Set(request.choices).size, 3);
    assert.ok(request.choices.includes(request.number));

    const view = await answer(request.rid, { action: 'view' });
    assert.ok(view.ok && view.action === 'view');
    assert.deepEqual(view.request.choices, request.choices);
    assert.equal(await requests.state(request.rid, 'alice'), 'pending');

    const approved = await answer(request.rid, { action: 'approve', choice: request.number });
    assert.ok(approved.ok && approved.action === 'approve');
    assert.equal(approved.state, 'approved');
    assert.equal(approved.wrongChoice, false);
    assert.equal(await requests.state(request.rid, 'alice'), 'approved');
    assert.equal(await requests.takeApproval(request.rid, 'bob'), false, "not another user's");
    assert.equal(await requests.takeApproval(request.rid, 'alice'), true);
    assert.equal(await requests.takeApproval(request.rid, 'alice'), false, 'once');

    const again = await answer(request.rid, { action: 'deny' });
    assert.deepEqual(again, { ok: false, reason: 'not_pending' }, 'an ended request takes no other answer');
  });

  it('a wrong number is a denial, and suspicious', async (t) => {
    const { requests, answer } = await setUp(t);
    const started = await requests.start(alice, CONTEXT);
    assert.ok(started.ok);
    const wrong = started.request.choices.find((c) => c !== started.request.number) as number;
    const result = await answer(started.request.rid, { action: 'approve', choice: wrong });
    assert.ok(result.ok && result.action === 'approve');
    assert.equal(result.state, 'denied');
    assert.equal(result.wrongChoice, true);
    assert.equal(await requests.takeApproval(started.request.rid, 'alice'), false);
  });

  it('refused answers change nothing: another device, another request, stale, replayed, bad choice', async (t) => {
    const { clock, requests, phone, answer } = await setUp(t);
    const started = await requests.start(alice, CONTEXT);
    assert.ok(started.ok);
    const { rid, number } = started.request;
    const other = await device(phone.id); // same kid, another key
    const stranger = await device();
    const now = () => Math.floor(clock.now() / 1000);

    assert.deepEqual(await answer(rid, { action: 'approve', choice: number }, other), {
      ok: false,
      reason: 'bad_signature',
    });
    assert.deepEqual(await answer(rid, { action: 'approve', choice: number }, stranger), {
      ok: false,
      reason: 'wrong_device',
    });
    assert.deepEqual(
      await verifyAnswer(await phone.sign({ rid: 'other', action: 'deny', iat: now() }), phone, rid, clock.now()),
      {
        ok: false,
        reason: 'wrong_request',
      },
    );
    const old = await phone.sign({ rid, action: 'approve', choice: number, iat: now() - 61 });
    assert.deepEqual(await verifyAnswer(old, phone, rid, clock.now()), { ok: false, reason: 'stale' });
    const ahead = await phone.sign({ rid, action: 'approve', choice: number, iat: now() + 30 });
    assert.deepEqual(await verifyAnswer(ahead, phone, rid, clock.now()), { ok: false, reason: 'stale' });
    assert.deepEqual(await answer(rid, { action: 'approve', choice: 7 }), { ok: false, reason: 'bad_choice' });
    assert.deepEqual(await answer(rid, { action: 'approve' }), { ok: false, reason: 'bad_choice' });
    assert.deepEqual(await answer(rid, { action: 'allow', choice: number }), { ok: false, reason: 'bad_action' });
    for (const garbage of [undefined, '', 'a.b', 'x'.repeat(5000), `${'e30'}.${'e30'}.${'AA'}`])
      assert.equal((await verifyAnswer(garbage, phone, rid, clock.now())).ok, false);
    assert.equal(await requests.state(rid, 'alice'), 'pending', 'nothing changed');

    // the same valid token twice: the second is a replay and changes nothing
    const deny = await phone.sign({ rid, action: 'view', iat: now() });
    const first = await verifyAnswer(deny, phone, rid, clock.now());
    assert.ok(first.ok);
    assert.equal((await requests.answer('alice', first.answer)).ok, true);
    assert.deepEqual(await requests.answer('alice', first.answer), { ok: false, reason: 'replayed' });
    // a device of another user learns nothing of the request
    assert.deepEqual(await requests.answer('bob', { ...first.answer, digest: 'x' }), {
      ok: false,
      reason: 'unknown_request',
    });
    assert.equal(await requests.state(rid, 'alice'), 'pending');
    assert.equal(await requests.state(rid, 'bob'), null);
  });

  it('expires after the timeout: no approval then; counted once', async (t) => {
    const { clock, requests, answer } = await setUp(t);
    const started = await requests.start(alice, CONTEXT);
    assert.ok(started.ok);
    clock.advance(60_000);
    assert.deepEqual(await answer(started.request.rid, { action: 'approve', choice: started.request.number }), {
      ok: false,
      reason: 'expired',
    });
    assert.equal(await requests.state(started.request.rid, 'alice'), 'expired');
    assert.equal(await requests.takeApproval(started.request.rid, 'alice'), false);
  });

  it('one pending request per user: a new one replaces the old, which can no longer be approved', async (t) => {
    const { requests, answer } = await setUp(t);
    const first = await requests.start(alice, CONTEXT);
    const second = await requests.start(alice, CONTEXT);
    assert.ok(first.ok && second.ok);
    assert.equal(await requests.state(first.request.rid, 'alice'), 'replaced');
    assert.deepEqual(await answer(first.request.rid, { action: 'approve', choice: first.request.number }), {
      ok: false,
      reason: 'not_pending',
    });
    assert.equal(await requests.state(second.request.rid, 'alice'), 'pending');
  });

  it('3 per 5 minutes and 10 per hour per user; the windows end', async (t) => {
    const { clock, requests } = await setUp(t);
    for (let i = 0; i < 3; i++) assert.equal((await requests.start(alice, CONTEXT)).ok, true);
    const fourth = await requests.start(alice, CONTEXT);
    assert.deepEqual(fourth, { ok: false, reason: 'rate_limited', retryAfterMs: 5 * 60_000 });
    assert.equal((await requests.start({ name: 'bob', tenant: null }, CONTEXT)).ok, true, 'per user');
    let started = 3;
    for (let window = 0; window < 4; window++) {
      clock.advance(5 * 60_000);
      for (let i = 0; i < 3; i++) if ((await requests.start(alice, CONTEXT)).ok) started++;
    }
    assert.equal(started, 10, 'at most 10 in the hour');
    const refused = await requests.start(alice, CONTEXT);
    assert.equal(refused.ok, false);
    assert.equal(!refused.ok && refused.reason, 'rate_limited');
  });

  it('one address may start 10 pushes per 5 minutes, whatever the users', async (t) => {
    const { requests } = await setUp(t);
    for (let i = 0; i < 10; i++)
      assert.equal((await requests.start({ name: `user${i}`, tenant: null }, CONTEXT)).ok, true);
    const next = await requests.start({ name: 'user10', tenant: null }, CONTEXT);
    assert.equal(!next.ok && next.reason, 'address_limited');
    assert.equal((await requests.start({ name: 'user10', tenant: null }, { ...CONTEXT, ip: '198.51.100.1' })).ok, true);
  });

  it('3 denials, expiries or wrong numbers in a row: no push for 15 minutes; an approval resets the count', async (t) => {
    const { clock, requests, answer } = await setUp(t);
    const fail = async (how: 'deny' | 'wrong' | 'expire') => {
      clock.advance(5 * 60_000); // out of the rate window
      const s = await requests.start(alice, CONTEXT);
      assert.ok(s.ok, JSON.stringify(s));
      if (how === 'expire') {
        clock.advance(60_000);
        return requests.state(s.request.rid, 'alice');
      }
      const choice = s.request.choices.find((c) => c !== s.request.number);
      return answer(s.request.rid, how === 'deny' ? { action: 'deny' } : { action: 'approve', choice });
    };
    await fail('deny');
    await fail('wrong');
    const s = await requests.start(alice, CONTEXT);
    assert.ok(s.ok);
    await answer(s.request.rid, { action: 'approve', choice: s.request.number });
    await fail('deny');
    await fail('expire');
    const third = await fail('wrong');
    assert.ok(
      third !== null && typeof third === 'object' && third.ok && 'cooldown' in third && third.cooldown === true,
    );
    clock.advance(60_000);
    const cooled = await requests.start(alice, CONTEXT);
    assert.equal(!cooled.ok && cooled.reason, 'cooldown');
    assert.equal(!cooled.ok && cooled.retryAfterMs, 14 * 60_000);
    clock.advance(14 * 60_000);
    assert.equal((await requests.start(alice, CONTEXT)).ok, true);
  });

  it('"this wasn\'t me": denied, push blocked for the user until an administrator unblocks', async (t) => {
    const { clock, durable, requests, answer } = await setUp(t);
    const s = await requests.start(alice, CONTEXT);
    assert.ok(s.ok);
    const reported = await answer(s.request.rid, { action: 'report' });
    assert.ok(reported.ok && reported.action === 'report');
    assert.equal(reported.state, 'reported');
    assert.equal(await requests.takeApproval(s.request.rid, 'alice'), false);
    assert.deepEqual(await durable.findPushBlock('alice'), {
      user: 'alice',
      blockedAt: clock.now(),
      requestId: s.request.rid,
      ip: CONTEXT.ip,
      country: CONTEXT.country,
      app: CONTEXT.app,
    });
    clock.advance(24 * 3600_000);
    assert.deepEqual(await requests.start(alice, CONTEXT), { ok: false, reason: 'blocked', retryAfterMs: null });
    assert.equal(await requests.unblock('alice'), true);
    assert.equal((await requests.start(alice, CONTEXT)).ok, true);
    assert.equal(await requests.unblock('alice'), false);
  });
});

describe('push requests on Redis, two instances', () => {
  it('of two approvals racing on two instances exactly one wins; state and limits are shared', async (t) => {
    if (!(await requireService('redis', t))) return;
    const prefix = `pc-test-push-${randomBytes(4).toString('hex')}:`;
    const a = await RedisEphemeralStore.connect('redis://127.0.0.1:6379/0', { prefix });
    const b = await RedisEphemeralStore.connect('redis://127.0.0.1:6379/0', { prefix });
    t.after(async () => {
      await a.close();
      await b.close();
    });
    const one = await setUp(t, a);
    const clock = one.clock;
    const two = new PushRequests({
      store: b,
      durable: one.durable,
      clock,
      random: systemRandom,
      limits: () => LIMITS,
    });
    const user = { name: `u-${randomBytes(3).toString('hex')}`, tenant: null };
    const s = await one.requests.start(user, CONTEXT);
    assert.ok(s.ok);
    const sign = async () => {
      const token = await one.phone.sign({
        rid: s.request.rid,
        action: 'approve',
        choice: s.request.number,
        iat: Math.floor(clock.now() / 1000) - Math.floor(Math.random() * 10),
      });
      const v = await verifyAnswer(token, one.phone, s.request.rid, clock.now());
      assert.ok(v.ok);
      return v.answer;
    };
    const [x, y] = [await sign(), await sign()];
    const results = await Promise.all([one.requests.answer(user.name, x), two.answer(user.name, y)]);
    const won = results.filter((r) => r.ok && 'state' in r && r.state === 'approved');
    assert.equal(won.length, 1, JSON.stringify(results));
    assert.equal(await two.state(s.request.rid, user.name), 'approved');
    const takes = await Promise.all([
      one.requests.takeApproval(s.request.rid, user.name),
      two.takeApproval(s.request.rid, user.name),
    ]);
    assert.deepEqual(takes.sort(), [false, true]);
    // the rate window is shared: 2 more on the other instance, then refused
    assert.equal((await two.start(user, CONTEXT)).ok, true);
    assert.equal((await one.requests.start(user, CONTEXT)).ok, true);
    const fourth = await two.start(user, CONTEXT);
    assert.equal(!fourth.ok && fourth.reason, 'rate_limited');
  });
});
