/**
 * Push requests with number matching (contract section 8): the state of every request lives in
 * the ephemeral store, so the sign-in page, the approving phone and the push can each reach a
 * different instance (Redis), and every change that must happen once is one atomic store step.
 *
 * A request is `pending` until one answer ends it: `approved` (the right number), `denied` (a
 * denial, or a wrong number: suspicious), `reported` ("this wasn't me": denied, and push blocked
 * for the user in the durable store until an administrator lifts it), `expired` (no answer
 * within the timeout), `replaced` (the user started another: one pending request per user).
 * The answerable state is one key, `open`, that the ending step takes (store.take): of two
 * answers racing on two instances exactly one wins.
 *
 * Limits before a push starts: the user's block, a cooldown (after `failuresInARow` denials,
 * expiries or wrong numbers in a row), pushes started from the client's address, and the user's
 * pushes per 5 minutes and per hour. Nothing is ever sent again automatically.
 *
 * Keys (ephemeral store):
 *   push:req:<rid>      the request (JSON), for view and status
 *   push:open:<rid>     present while an answer can end the request
 *   push:state:<rid>    how it ended
 *   push:grant:<rid>:<user>  an approval not yet turned into a session (taken once)
 *   push:pending:<user> the user's pending request id
 *   push:seen:<digest>  an answer token already used (replay)
 *   push:n5m:<user>, push:n1h:<user>, push:addr:<ip>   counters (fixed windows)
 *   push:fails:<user>   failures in a row; push:cooldown:<user>
 */
import { ipKeyPart } from '../../authn/lockout-keys.ts';
import type { Clock } from '../../clock.ts';
import { type Random, token } from '../../random.ts';
import type { DurableStore } from '../../stores/durable.ts';
import type { EphemeralStore } from '../../stores/ephemeral.ts';
import { ANSWER_CLOCK_SKEW_S, ANSWER_MAX_AGE_S, type DeviceAnswer } from './answer-token.ts';
import { FIVE_MINUTES_MS, ONE_HOUR_MS, type PushLimits } from './push-limits.ts';

/** What the approving device shows about the sign-in that asks. */
export interface PushContext {
  readonly app: string;
  readonly host: string;
  readonly ip: string | null;
  readonly country: string | null;
  readonly browser: string | null;
  readonly os: string | null;
}

export interface PushRequest extends PushContext {
  readonly rid: string;
  readonly user: string;
  readonly tenant: string | null;
  /** the number the sign-in page shows */
  readonly number: number;
  /** the numbers the device offers, the right one among them, in random order */
  readonly choices: readonly number[];
  readonly createdAt: number;
  readonly expiresAt: number;
  /** only these devices may answer (a session that must enrol proves the phone it just paired) */
  readonly devices?: readonly string[];
}

export type PushState = 'pending' | 'approved' | 'denied' | 'expired' | 'reported' | 'replaced';

export type StartRefusal = 'blocked' | 'cooldown' | 'address_limited' | 'rate_limited';

export type StartResult =
  | { readonly ok: true; readonly request: PushRequest }
  | { readonly ok: false; readonly reason: StartRefusal; readonly retryAfterMs: number | null };

export type AnswerResult =
  | { readonly ok: false; readonly reason: 'unknown_request' | 'replayed' | 'not_pending' | 'expired' }
  | { readonly ok: true; readonly action: 'view'; readonly request: PushRequest }
  | {
      readonly ok: true;
      readonly action: 'approve' | 'deny' | 'report';
      readonly state: 'approved' | 'denied' | 'reported';
      readonly request: PushRequest;
      /** an approval with another number than the sign-in page showed: suspicious */
      readonly wrongChoice: boolean;
      /** this answer started a cooldown */
      readonly cooldown: boolean;
    };

export interface PushRequestsDeps {
  readonly store: EphemeralStore;
  readonly durable: Pick<DurableStore, 'blockPush' | 'findPushBlock' | 'unblockPush'>;
  readonly clock: Clock;
  readonly random: Random;
  readonly limits: () => PushLimits;
}

/** How long the state of an ended request stays readable (the sign-in page polls it). */
export const STATE_KEEP_MS = 10 * 60_000;
/** An answer token is remembered as long as it could be valid. */
const SEEN_MS = (ANSWER_MAX_AGE_S + ANSWER_CLOCK_SKEW_S + 5) * 1000;

const K = {
  req: (rid: string) => `push:req:${rid}`,
  open: (rid: string) => `push:open:${rid}`,
  state: (rid: string) => `push:state:${rid}`,
  grant: (rid: string, user: string) => `push:grant:${rid}:${user}`,
  pending: (user: string) => `push:pending:${user}`,
  seen: (digest: string) => `push:seen:${digest}`,
  n5m: (user: string) => `push:n5m:${user}`,
  n1h: (user: string) => `push:n1h:${user}`,
  addr: (ip: string) => `push:addr:${ipKeyPart(ip)}`,
  fails: (user: string) => `push:fails:${user}`,
  cooldown: (user: string) => `push:cooldown:${user}`,
};

/** A two-digit number, uniform over 10..99 (rejection sampling on random bytes). */
function twoDigits(random: Random): number {
  for (;;) {
    for (const b of random.bytes(8)) if (b < 180) return 10 + (b % 90);
  }
}

/** The right number and two others, all different, in random order. */
function numbers(random: Random): { number: number; choices: number[] } {
  const choices: number[] = [];
  while (choices.length < 3) {
    const n = twoDigits(random);
    if (!choices.includes(n)) choices.push(n);
  }
  const number = choices[0] as number;
  // Fisher-Yates with the same uniform draws
  for (let i = choices.length - 1; i > 0; i--) {
    const j = (twoDigits(random) - 10) % (i + 1);
    [choices[i], choices[j]] = [choices[j] as number, choices[i] as number];
  }
  return { number, choices };
}

export class PushRequests {
  readonly #d: PushRequestsDeps;

  constructor(deps: PushRequestsDeps) {
    this.#d = deps;
  }

  /**
   * A new request for `user`, unless a limit says no. The user's pending request, if any, can no
   * longer be answered (`replaced`). The caller sends it to the user's devices.
   */
  async start(
    user: { name: string; tenant: string | null },
    context: PushContext,
    devices?: readonly string[],
  ): Promise<StartResult> {
    const { store, clock } = this.#d;
    const limits = this.#d.limits();
    if ((await this.#d.durable.findPushBlock(user.name)) !== null)
      return { ok: false, reason: 'blocked', retryAfterMs: null };
    const cooling = await store.ttl(K.cooldown(user.name));
    if (cooling !== null) return { ok: false, reason: 'cooldown', retryAfterMs: cooling };
    if (context.ip !== null) {
      const fromAddress = await store.increment(K.addr(context.ip), FIVE_MINUTES_MS);
      if (fromAddress > limits.perAddressPerFiveMinutes)
        return { ok: false, reason: 'address_limited', retryAfterMs: await store.ttl(K.addr(context.ip)) };
    }
    // the hour counts only what the 5-minute window let through (a refused attempt uses up no more)
    const inFive = await store.increment(K.n5m(user.name), FIVE_MINUTES_MS);
    if (inFive > limits.perFiveMinutes)
      return { ok: false, reason: 'rate_limited', retryAfterMs: await store.ttl(K.n5m(user.name)) };
    const inHour = await store.increment(K.n1h(user.name), ONE_HOUR_MS);
    if (inHour > limits.perHour)
      return { ok: false, reason: 'rate_limited', retryAfterMs: await store.ttl(K.n1h(user.name)) };

    const previous = await store.get(K.pending(user.name));
    if (previous !== null && (await store.take(K.open(previous))) !== null)
      await store.set(K.state(previous), 'replaced', STATE_KEEP_MS);

    const now = clock.now();
    const { number, choices } = numbers(this.#d.random);
    const request: PushRequest = {
      rid: token(this.#d.random, 18),
      user: user.name,
      tenant: user.tenant,
      number,
      choices,
      ...context,
      createdAt: now,
      expiresAt: now + limits.timeoutMs,
      ...(devices === undefined ? {} : { devices }),
    };
    const keep = limits.timeoutMs + STATE_KEEP_MS;
    await store.set(K.req(request.rid), JSON.stringify(request), keep);
    await store.set(K.open(request.rid), user.name, keep);
    await store.set(K.pending(user.name), request.rid, limits.timeoutMs);
    return { ok: true, request };
  }

  /** The request, when it exists and is the user's (else null: no one learns of others' requests). */
  async get(rid: string, user: string): Promise<PushRequest | null> {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(rid)) return null;
    const raw = await this.#d.store.get(K.req(rid));
    if (raw === null) return null;
    const request = JSON.parse(raw) as PushRequest;
    return request.user === user ? request : null;
  }

  /**
   * An answer from a device of `user`, already verified (answer-token.ts). Replayed tokens and
   * answers to ended or expired requests change nothing; so does one from a device the request
   * was not sent to, when it names its devices.
   */
  async answer(user: string, answer: DeviceAnswer, device?: string): Promise<AnswerResult> {
    const { store, clock } = this.#d;
    const request = await this.get(answer.rid, user);
    if (request === null) return { ok: false, reason: 'unknown_request' };
    if (request.devices !== undefined && (device === undefined || !request.devices.includes(device)))
      return { ok: false, reason: 'unknown_request' };
    if (!(await store.setIfAbsent(K.seen(answer.digest), '1', SEEN_MS))) return { ok: false, reason: 'replayed' };
    if (clock.now() >= request.expiresAt) {
      await this.#expire(request);
      return { ok: false, reason: 'expired' };
    }
    if (answer.action === 'view') {
      return (await store.get(K.open(request.rid))) === null
        ? { ok: false, reason: 'not_pending' }
        : { ok: true, action: 'view', request };
    }
    if ((await store.take(K.open(request.rid))) === null) return { ok: false, reason: 'not_pending' };

    const wrongChoice = answer.action === 'approve' && answer.choice !== request.number;
    const state =
      answer.action === 'report' ? 'reported' : answer.action === 'approve' && !wrongChoice ? 'approved' : 'denied';
    await store.set(K.state(request.rid), state, STATE_KEEP_MS);
    await this.#clearPending(request);
    let cooldown = false;
    if (state === 'approved') {
      await store.set(K.grant(request.rid, user), '1', STATE_KEEP_MS);
      await store.delete(K.fails(user));
    } else if (state === 'reported') {
      await this.#d.durable.blockPush({
        user,
        blockedAt: clock.now(),
        requestId: request.rid,
        ip: request.ip,
        country: request.country,
        app: request.app,
      });
    } else {
      cooldown = await this.#failed(user);
    }
    return { ok: true, action: answer.action, state, request, wrongChoice, cooldown };
  }

  /** How the request stands, for the sign-in page that waits on it; null when it is not the user's. */
  async state(rid: string, user: string): Promise<PushState | null> {
    const request = await this.get(rid, user);
    if (request === null) return null;
    const ended = await this.#d.store.get(K.state(rid));
    if (ended !== null) return ended as PushState;
    if (this.#d.clock.now() >= request.expiresAt) {
      await this.#expire(request);
      return ((await this.#d.store.get(K.state(rid))) as PushState | null) ?? 'expired';
    }
    return 'pending';
  }

  /** An approval, turned into a session once: true for the one caller that takes it. */
  async takeApproval(rid: string, user: string): Promise<boolean> {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(rid)) return false;
    return (await this.#d.store.take(K.grant(rid, user))) !== null;
  }

  /** Ends a request no device could be reached for (nothing counted against the user). */
  async cancel(request: PushRequest): Promise<void> {
    if ((await this.#d.store.take(K.open(request.rid))) !== null) {
      await this.#d.store.set(K.state(request.rid), 'denied', STATE_KEEP_MS);
      await this.#clearPending(request);
    }
  }

  /** An administrator lifts the user's block and cooldown; whether there was a block. */
  async unblock(user: string): Promise<boolean> {
    const lifted = await this.#d.durable.unblockPush(user);
    await this.#d.store.delete(K.cooldown(user));
    await this.#d.store.delete(K.fails(user));
    return lifted;
  }

  /** The remaining cooldown of the user in ms, or null. */
  async cooldownFor(user: string): Promise<number | null> {
    return this.#d.store.ttl(K.cooldown(user));
  }

  /** An expired request counts once as a failure (whoever notices it first). */
  async #expire(request: PushRequest): Promise<void> {
    if ((await this.#d.store.take(K.open(request.rid))) === null) return;
    await this.#d.store.set(K.state(request.rid), 'expired', STATE_KEEP_MS);
    await this.#clearPending(request);
    await this.#failed(request.user);
  }

  async #clearPending(request: PushRequest): Promise<void> {
    if ((await this.#d.store.get(K.pending(request.user))) === request.rid)
      await this.#d.store.delete(K.pending(request.user));
  }

  /** A denial, expiry or wrong number; true when it starts a cooldown. */
  async #failed(user: string): Promise<boolean> {
    const limits = this.#d.limits();
    const inARow = await this.#d.store.increment(K.fails(user), ONE_HOUR_MS);
    if (inARow < limits.failuresInARow) return false;
    await this.#d.store.set(K.cooldown(user), '1', limits.cooldownMs);
    await this.#d.store.delete(K.fails(user));
    return true;
  }
}
