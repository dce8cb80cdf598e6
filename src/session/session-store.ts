import { hash } from 'node:crypto';
import type { Clock } from '../clock.ts';
import { type Random, token } from '../random.ts';
import type { EphemeralStore } from '../stores/ephemeral.ts';
import type { FactorName, Session } from './session.ts';

export interface SessionTimeouts {
  idleMs: number;
  maxLifetimeMs: number;
}

/** A session id is 256 random bits, base64url: 43 characters. Anything else is not looked up. */
const ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** The set of a user's session store keys: what `user sessions` and `user revoke-sessions` use. */
function indexKey(user: string): string {
  return `user-sess:${user}`;
}

/** `{ factor: now }` for each factor proven at once (a passkey proves webauthn and webauthn_uv). */
function proofs(factor: FactorName | readonly FactorName[], now: number): Partial<Record<FactorName, number>> {
  const out: Partial<Record<FactorName, number>> = {};
  for (const f of typeof factor === 'string' ? [factor] : factor) out[f] = now;
  return out;
}

/** id -> store key, for ids seen recently: hashing is the costliest step of a lookup. Bounded. */
const keyCache = new Map<string, string>();
const KEY_CACHE_LIMIT = 10_000;

function storeKey(id: string): string {
  let key = keyCache.get(id);
  if (key === undefined) {
    key = `sess:${hash('sha256', id, 'base64url')}`;
    if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear();
    keyCache.set(id, key);
  }
  return key;
}

/**
 * Sessions in the ephemeral store. `load` is the one lookup of the hot path: a single
 * get-and-touch that also slides the idle timeout. The absolute lifetime is checked on the
 * record with the injected clock. Store failures propagate (the gate answers 503).
 */
export class SessionStore {
  constructor(
    private readonly store: EphemeralStore,
    private readonly clock: Clock,
    private readonly random: Random,
    private timeouts: SessionTimeouts,
  ) {}

  /** Applied on config reload. */
  setTimeouts(timeouts: SessionTimeouts): void {
    this.timeouts = timeouts;
  }

  expiresAt(session: Session): number {
    return session.createdAt + this.timeouts.maxLifetimeMs;
  }

  async load(id: string | undefined): Promise<Session | null> {
    if (id === undefined || !ID_PATTERN.test(id)) return null;
    const key = storeKey(id);
    const raw = await this.store.getAndTouch(key, this.timeouts.idleMs);
    if (raw === null) return null;
    let session: Session;
    try {
      session = JSON.parse(raw) as Session;
    } catch {
      await this.store.delete(key);
      return null;
    }
    if (session.v !== 1 || this.clock.now() >= this.expiresAt(session)) {
      await this.store.delete(key);
      return null;
    }
    return session;
  }

  /**
   * A new session after a first factor: always a new id (no fixation). `signIn`: the device
   * and risk facts assessed for this sign-in.
   */
  async create(
    user: string,
    factor: FactorName | readonly FactorName[],
    signIn: Pick<Session, 'device' | 'trusted' | 'risk'> = {},
  ): Promise<{ id: string; session: Session }> {
    const now = this.clock.now();
    const session: Session = { v: 1, user, createdAt: now, authTime: now, factors: proofs(factor, now), ...signIn };
    return { id: await this.write(session), session };
  }

  /**
   * Changes the device facts of a session (its device became known or trusted) and moves it to
   * a new id, like raise(): what the session may reach changed.
   */
  async amend(
    oldId: string,
    session: Session,
    change: Pick<Session, 'device' | 'trusted'>,
  ): Promise<{ id: string; session: Session }> {
    const next: Session = { ...session, ...change };
    const id = await this.write(next);
    await this.store.delete(storeKey(oldId));
    await this.store.removeFromSet(indexKey(session.user), storeKey(oldId));
    return { id, session: next };
  }

  /** Ends the user's sessions signed in from one device (it was forgotten); how many ended. */
  async revokeDevice(user: string, device: string): Promise<number> {
    let ended = 0;
    for (const { key, session } of await this.live(user)) {
      if (session.device !== device) continue;
      if (await this.store.delete(key)) ended++;
      await this.store.removeFromSet(indexKey(user), key);
    }
    return ended;
  }

  /**
   * Records a newly proven factor and moves the session to a new id (the id changes at every
   * rise in level). The old id stops working at once. `change`: the device the factor was
   * proven on, when the session did not know it yet.
   */
  async raise(
    oldId: string,
    session: Session,
    factor: FactorName | readonly FactorName[],
    change: Pick<Session, 'device' | 'trusted'> = {},
  ): Promise<{ id: string; session: Session }> {
    const factors = { ...session.factors, ...proofs(factor, this.clock.now()) };
    return this.amend(oldId, { ...session, factors }, change);
  }

  /** Ends one session (logout). `user` keeps the per-user index tidy when it is known. */
  async destroy(id: string | undefined, user?: string): Promise<void> {
    if (id === undefined || !ID_PATTERN.test(id)) return;
    await this.store.delete(storeKey(id));
    if (user !== undefined) await this.store.removeFromSet(indexKey(user), storeKey(id));
  }

  /**
   * The live sessions of a user (for `portcullis user sessions`), each with a short handle (the
   * start of its store key: never the cookie value). Entries of sessions that ended are pruned.
   */
  async listForUser(user: string): Promise<{ handle: string; session: Session; expiresAt: number }[]> {
    const found = (await this.live(user)).map(({ key, session }) => ({
      handle: key.slice('sess:'.length, 'sess:'.length + 10),
      session,
      expiresAt: this.expiresAt(session),
    }));
    return found.sort((a, b) => a.session.createdAt - b.session.createdAt);
  }

  /** The user's live sessions with their store keys; index entries of ended ones are pruned. */
  private async live(user: string): Promise<{ key: string; session: Session }[]> {
    const found: { key: string; session: Session }[] = [];
    for (const key of await this.store.members(indexKey(user))) {
      const raw = await this.store.get(key);
      let session: Session | null = null;
      try {
        session = raw === null ? null : (JSON.parse(raw) as Session);
      } catch {
        session = null;
      }
      if (session === null || session.user !== user || this.clock.now() >= this.expiresAt(session)) {
        await this.store.removeFromSet(indexKey(user), key);
        continue;
      }
      found.push({ key, session });
    }
    return found;
  }

  /** Ends every session of a user, on every instance (they share the store); how many ended. */
  async revokeUser(user: string): Promise<number> {
    let ended = 0;
    for (const key of await this.store.members(indexKey(user))) if (await this.store.delete(key)) ended++;
    await this.store.delete(indexKey(user));
    return ended;
  }

  private async write(session: Session): Promise<string> {
    const id = token(this.random, 32);
    const ttl = Math.min(this.timeouts.idleMs, this.expiresAt(session) - this.clock.now());
    await this.store.set(storeKey(id), JSON.stringify(session), Math.max(ttl, 1));
    // the per-user index outlives every session it lists: it lives a full max lifetime
    await this.store.addToSet(indexKey(session.user), storeKey(id), this.timeouts.maxLifetimeMs);
    return id;
  }
}
