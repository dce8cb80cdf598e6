/**
 * TOTP replay protection: a code is accepted once (sequentially, under 20 concurrent attempts,
 * and across two verifier instances sharing one store: memory, and real Redis at
 * 127.0.0.1:6379, skipped outside CI / failed in CI when absent, unique key prefix per run).
 * Also monotonicity: once a step was accepted, codes of earlier steps are refused.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { TotpResult } from '../../src/authn/factors/totp/totp.ts';
import { generateTotpCode, TotpVerifier, timeStep } from '../../src/authn/factors/totp/totp.ts';
import { ManualClock } from '../../src/clock.ts';
import { StoreUnavailableError } from '../../src/errors.ts';
import type { EphemeralStore } from '../../src/stores/ephemeral.ts';
import { MemoryEphemeralStore } from '../../src/stores/memory.ts';
import { RedisEphemeralStore } from '../../src/stores/redis.ts';
import { deleteRedisPrefix } from '../helpers/redis-keys.ts';
import { requireService } from '../helpers/services.ts';
import { memoryFixture, SECRET } from './helpers.ts';

const P = { digits: 6, period: 30, algorithm: 'sha1' } as const;
const codeAt = (counter: number) => generateTotpCode(SECRET, counter, P);
const outcome = (r: TotpResult) => (r.ok ? 'ok' : r.reason);

/** 20 concurrent attempts split over the verifiers: exactly one ok, the rest 'replayed'. */
async function race(verifiers: TotpVerifier[], code: string): Promise<void> {
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) => verifiers[i % verifiers.length]!.verify('alice', SECRET, code)),
  );
  assert.equal(results.filter((r) => r.ok).length, 1);
  assert.equal(results.filter((r) => !r.ok && r.reason === 'replayed').length, 19);
}

describe('replay: memory store', () => {
  it('the same code twice: the second is replayed', async () => {
    const f = memoryFixture();
    const t = timeStep(f.clock.now(), 30);
    const code = await codeAt(t);
    assert.deepEqual(await f.verifier.verify('alice', SECRET, code), { ok: true, counter: t });
    assert.deepEqual(await f.verifier.verify('alice', SECRET, code), { ok: false, reason: 'replayed' });
    // Another user with the same secret is not affected by alice's claim.
    assert.deepEqual(await f.verifier.verify('bob', SECRET, code), { ok: true, counter: t });
    await f.close();
  });

  it('stays refused for the whole acceptance window; the claim expires after it', async () => {
    const f = memoryFixture({ skew: 1 });
    const t = timeStep(f.clock.now(), 30);
    const code = await codeAt(t + 1); // accepted early (a fast device clock): valid until step t+2 ends
    assert.equal(outcome(await f.verifier.verify('alice', SECRET, code)), 'ok');
    assert.equal(await f.store.ttl(`totp-used:alice:${t + 1}`), (2 * 1 + 1) * 30_000 + 30_000);
    for (let step = 1; step <= 2; step++) {
      f.clock.advance(30_000);
      assert.equal(outcome(await f.verifier.verify('alice', SECRET, code)), 'replayed', `after ${step} steps`);
    }
    f.clock.advance(30_000);
    assert.equal(outcome(await f.verifier.verify('alice', SECRET, code)), 'invalid'); // out of the window
    await f.close();
  });

  it('20 concurrent verifications of one code: exactly one ok', async () => {
    const f = memoryFixture();
    await race([f.verifier], await codeAt(timeStep(f.clock.now(), 30)));
    await f.close();
  });

  it('two verifier instances sharing one memory store: exactly one ok', async () => {
    const f = memoryFixture();
    const other = new TotpVerifier({ store: f.store, clock: f.clock, digits: 6, period: 30, skew: 1 });
    await race([f.verifier, other], await codeAt(timeStep(f.clock.now(), 30)));
    await f.close();
  });

  it('a store failure rejects (never a pass)', async () => {
    const f = memoryFixture();
    const code = await codeAt(timeStep(f.clock.now(), 30));
    await f.close();
    await assert.rejects(f.verifier.verify('alice', SECRET, code), StoreUnavailableError);
  });
});

describe('monotonic: earlier steps refused after a later one', () => {
  it('after step t, a code of step t-1 is refused', async () => {
    const f = memoryFixture({ skew: 1 });
    const t = timeStep(f.clock.now(), 30);
    assert.equal(outcome(await f.verifier.verify('alice', SECRET, await codeAt(t))), 'ok');
    assert.equal(outcome(await f.verifier.verify('alice', SECRET, await codeAt(t - 1))), 'replayed');
    await f.close();
  });

  it('after step t+1, codes of steps t and t-1 are refused; t+2 later is accepted', async () => {
    const f = memoryFixture({ skew: 1 });
    const t = timeStep(f.clock.now(), 30);
    assert.equal(outcome(await f.verifier.verify('alice', SECRET, await codeAt(t + 1))), 'ok');
    assert.equal(outcome(await f.verifier.verify('alice', SECRET, await codeAt(t))), 'replayed');
    assert.equal(outcome(await f.verifier.verify('alice', SECRET, await codeAt(t - 1))), 'replayed');
    f.clock.advance(30_000);
    assert.equal(outcome(await f.verifier.verify('alice', SECRET, await codeAt(t))), 'replayed');
    assert.equal(outcome(await f.verifier.verify('alice', SECRET, await codeAt(t + 2))), 'ok');
    await f.close();
  });

  it('normal use: one code per step, step after step, is accepted', async () => {
    const f = memoryFixture({ skew: 1 });
    for (let i = 0; i < 4; i++) {
      const t = timeStep(f.clock.now(), 30);
      assert.deepEqual(await f.verifier.verify('alice', SECRET, await codeAt(t)), { ok: true, counter: t });
      f.clock.advance(30_000);
    }
    await f.close();
  });
});

describe('replay: two instances sharing real Redis', () => {
  const URL = 'redis://127.0.0.1:6379/0';

  it('20 concurrent attempts over two verifiers with their own connections: exactly one ok', async (t) => {
    if (!(await requireService('redis', t))) return;
    const prefix = `pc:test:totp:${randomUUID()}:`;
    const stores: EphemeralStore[] = [];
    try {
      stores.push(
        await RedisEphemeralStore.connect(URL, { prefix }),
        await RedisEphemeralStore.connect(URL, { prefix }),
      );
      const time = Date.UTC(2026, 0, 1, 12, 0, 10);
      const verifiers = stores.map(
        (store) => new TotpVerifier({ store, clock: new ManualClock(time), digits: 6, period: 30, skew: 1 }),
      );
      const step = timeStep(time, 30);
      await race(verifiers, await codeAt(step));
      // Monotonic across instances: instance B refuses the earlier step after A accepted a later one.
      assert.equal(outcome(await verifiers[0]!.verify('carol', SECRET, await codeAt(step + 1))), 'ok');
      assert.equal(outcome(await verifiers[1]!.verify('carol', SECRET, await codeAt(step))), 'replayed');
      assert.equal(outcome(await verifiers[1]!.verify('carol', SECRET, await codeAt(step + 1))), 'replayed');
      const ttl = await stores[1]!.ttl(`totp-used:alice:${step}`);
      assert.ok(ttl !== null && ttl > 100_000 && ttl <= 120_000, `ttl ${ttl}`);
    } finally {
      for (const s of stores) await s.close();
      await deleteRedisPrefix(prefix);
    }
  });
});

describe('the memory store is per-process', () => {
  it('two processes with separate memory stores would both accept (use redis for several instances)', async () => {
    const clock = new ManualClock();
    const a = new MemoryEphemeralStore({ clock });
    const b = new MemoryEphemeralStore({ clock });
    const va = new TotpVerifier({ store: a, clock, digits: 6, period: 30, skew: 1 });
    const vb = new TotpVerifier({ store: b, clock, digits: 6, period: 30, skew: 1 });
    const code = await codeAt(timeStep(clock.now(), 30));
    assert.equal(outcome(await va.verify('alice', SECRET, code)), 'ok');
    assert.equal(outcome(await vb.verify('alice', SECRET, code)), 'ok');
    await a.close();
    await b.close();
  });
});
