import { hash } from 'node:crypto';
import type { Clock } from '../clock.ts';
import { type Random, token } from '../random.ts';
import type { EphemeralStore } from '../stores/ephemeral.ts';
import type { FactorName, Session } from './session.ts';

export interface SessionTimeouts {
  idleMs: number;
  maxLifetimeMs: number;
}

/** A handle (the cookie value) is 256 random bits, base64url: 43 characters. Anything else is not looked up. */
const HANDLE_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * Keys in the ephemeral store:
 *
 *   sess:<sid>          the session record (JSON); its time to live is the idle timeout, slid on use
 *   sh:<hash>           a handle: hash = SHA-256(scope, handle); the value is the record's key
 *   sess-h:<sid>        the set of the session's handles ("<scope> <handle key>")
 *   user-sess:<user>    the set of a user's record keys (`user sessions`, `revoke-sessions`)
 *
 * The record id (sid) is random and never leaves the server; the cookie on each host holds a
 * handle of its own, and the store keeps only its hash mixed with the host (the scope), so a
 * cookie copied to another host looks up a key that does not exist, and a dump of the store
 * yields no usable cookie.
 */
const recordKey = (sid: string) => `sess:${sid}`;
const handlesKey = (sid: string) => `sess-h:${sid}`;
const indexKey = (user: string) => `user-sess:${user}`;

/** (scope, handle) -> store key, for handles seen recently: hashing is the costliest step of a lookup. Bounded. */
const keyCache = new Map<string, string>();
const KEY_CACHE_LIMIT = 10_000;

function handleKey(handle: string, scope: string): string {
  const cacheKey = `${scope} ${handle}`;
  let key = keyCache.get(cacheKey);
  if (key === undefined) {
    key = `sh:${hash('sha256', cacheKey, 'base64url')}`;
    if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear();
    keyCache.set(cacheKey, key);
  }
  return key;
}

/** `{ factor: now }` for each factor proven at once (a passkey proves webauthn and webauthn_uv). */
function proofs(factor: FactorName | readonly FactorName[], now: number): Partial<Record<FactorName, number>> {
  const out: Partial<Record<FactorName, number>> = {};
  for (const f of typeof factor === 'string' ? [factor] : factor) out[f] = now;
  return out;
}

/** Session records as read, by their text: a record read again unchanged is not parsed again. */
const parsed = new Map<string, Session>();
const PARSED_LIMIT = 10_000;

/**
 * A record's text as a session, or null. The hot path reads the same record on every request of a
 * session until it changes, so the parse is kept by the text (sessions are immutable: every change
 * writes a new record, so a new text); the objects are frozen, since requests share them.
 */
function parse(raw: string | null): Session | null {
  if (raw === null) return null;
  const known = parsed.get(raw);
  if (known !== undefined) return known;
  let session: Session;
  try {
    session = JSON.parse(raw) as Session;
  } catch {
    return null;
  }
  if (session?.v !== 1 || typeof session.sid !== 'string') return null;
  Object.freeze(session.factors);
  if (session.idp !== undefined) Object.freeze(Object.freeze(session.idp).g);
  Object.freeze(session);
  if (parsed.size >= PARSED_LIMIT) parsed.clear();
  parsed.set(raw, session);
  return session;
}

/** A session and the handle (cookie value) that now reaches it on one host. */
export interface Handled {
  readonly id: string;
  readonly session: Session;
}

/**
 * Sessions in the ephemeral store: one record per sign-in, reached from each host through a
 * handle of that host's own (a scope: the host, or the cookie domain when one cookie covers
 * several hosts). `load` is the one lookup of the hot path: a single round trip that follows the
 * handle to the record and slides the idle timeout. Everything that changes the session (a step
 * up, a trusted device, logout, revocation) changes the one record, so it applies on every host
 * at once; the handle of the host where the level rose is replaced (the id changes at every rise).
 * The absolute lifetime is checked with the injected clock. Store failures propagate (503).
 */
export class SessionStore {
  constructor(
    private readonly store: EphemeralStore,
    private readonly clock: Clock,
    private readonly random: Random,
    private timeouts: SessionTimeouts,
    /** the time at or before which a user's sessions are over (an administrator ended them), if any */
    private readonly endedBefore: (user: string) => number | undefined = () => undefined,
  ) {}

  /** Whether the session is over: past its lifetime, or ended by an administrator. */
  private over(session: Session): boolean {
    const cut = this.endedBefore(session.user);
    return this.clock.now() >= this.expiresAt(session) || (cut !== undefined && session.createdAt <= cut);
  }

  /** Applied on config reload. */
  setTimeouts(timeouts: SessionTimeouts): void {
    this.timeouts = timeouts;
  }

  expiresAt(session: Session): number {
    return session.createdAt + this.timeouts.maxLifetimeMs;
  }

  /** The session a host's cookie reaches, or null (unknown, ended, expired, or a handle of another scope). */
  async load(handle: string | undefined, scope: string): Promise<Session | null> {
    if (handle === undefined || !HANDLE_PATTERN.test(handle)) return null;
    const found = await this.store.getVia(handleKey(handle, scope), this.timeouts.idleMs);
    if (found === null) return null;
    const session = parse(found.value);
    if (session === null || recordKey(session.sid) !== found.target || this.over(session)) {
      await this.store.delete(found.target);
      return null;
    }
    return session;
  }

  /**
   * A new session after a first factor: always a new record and handle (no fixation). `signIn`:
   * the device and risk facts assessed for this sign-in.
   */
  async create(
    user: string,
    factor: FactorName | readonly FactorName[],
    scope: string,
    signIn: Pick<Session, 'device' | 'trusted' | 'risk' | 'enrol' | 'idp'> = {},
    /** when the factors were proven, if before now: an identity provider's auth_time */
    provenAt?: number,
  ): Promise<Handled> {
    const now = this.clock.now();
    const at = provenAt === undefined ? now : Math.min(provenAt, now);
    const session: Session = {
      v: 1,
      sid: token(this.random, 32),
      user,
      createdAt: now,
      authTime: at,
      factors: proofs(factor, at),
      ...signIn,
    };
    await this.write(session);
    await this.store.addToSet(indexKey(user), recordKey(session.sid), this.timeouts.maxLifetimeMs);
    return { id: await this.issue(session, scope), session };
  }

  /**
   * A handle on an existing session for another scope (the single sign-on hand-off): null when
   * the session ended meanwhile.
   */
  async attach(sid: string, scope: string): Promise<Handled | null> {
    const session = parse(await this.store.get(recordKey(sid)));
    if (session === null || session.sid !== sid || this.over(session)) return null;
    return { id: await this.issue(session, scope), session };
  }

  /**
   * Changes the device facts of a session (its device became known or trusted); like raise(),
   * the handle of this scope is replaced: what the session may reach changed.
   */
  async amend(
    oldHandle: string,
    session: Session,
    change: Pick<Session, 'device' | 'trusted' | 'enrol'>,
    scope: string,
  ): Promise<Handled> {
    const next: Session = { ...session, ...change };
    await this.write(next);
    const id = await this.issue(next, scope);
    await this.dropHandle(next.sid, oldHandle, scope);
    return { id, session: next };
  }

  /**
   * Records a newly proven factor. Every host sees the new level at once (one record); the
   * handle of this scope is replaced and the old one stops working. `change`: the device the
   * factor was proven on, when the session did not know it yet. A session that had to enrol
   * (`enrol`) has done so: a second factor can be proven only once one is enrolled.
   */
  async raise(
    oldHandle: string,
    session: Session,
    factor: FactorName | readonly FactorName[],
    scope: string,
    change: Pick<Session, 'device' | 'trusted'> = {},
  ): Promise<Handled> {
    const factors = { ...session.factors, ...proofs(factor, this.clock.now()) };
    const { enrol: _done, ...rest } = session;
    return this.amend(oldHandle, { ...rest, factors }, change, scope);
  }

  /** Ends one session on every host (logout). */
  async destroy(session: Session): Promise<void> {
    await this.end(recordKey(session.sid));
    await this.store.removeFromSet(indexKey(session.user), recordKey(session.sid));
  }

  /** Ends the user's sessions signed in from one device (it was forgotten); how many ended. */
  async revokeDevice(user: string, device: string): Promise<number> {
    let ended = 0;
    for (const { key, session } of await this.live(user)) {
      if (session.device !== device) continue;
      if (await this.end(key)) ended++;
      await this.store.removeFromSet(indexKey(user), key);
    }
    return ended;
  }

  /**
   * Ends every session of a user but one (`keepSid`: the session of the browser asking), on every
   * instance and host; how many ended. For a changed password and "this wasn't me".
   */
  async revokeOthers(user: string, keepSid: string): Promise<number> {
    let ended = 0;
    for (const key of await this.store.members(indexKey(user))) {
      if (key === recordKey(keepSid)) continue;
      if (await this.end(key)) ended++;
      await this.store.removeFromSet(indexKey(user), key);
    }
    return ended;
  }

  /**
   * Moves a session to a new handle in `scope` and drops every other handle on it, on every
   * host: a copy of any cookie of it stops working (the session itself goes on; other hosts
   * get a handle again through the single sign-on hand-off).
   */
  async rehandle(session: Session, scope: string): Promise<Handled> {
    for (const member of await this.store.members(handlesKey(session.sid)))
      await this.store.delete(member.slice(member.indexOf(' ') + 1));
    await this.store.delete(handlesKey(session.sid));
    return { id: await this.issue(session, scope), session };
  }

  /** Ends every session of a user, on every instance and host (they share the store); how many ended. */
  async revokeUser(user: string): Promise<number> {
    let ended = 0;
    for (const key of await this.store.members(indexKey(user))) if (await this.end(key)) ended++;
    await this.store.delete(indexKey(user));
    return ended;
  }

  /**
   * The live sessions of a user (for `portcullis user sessions`), each with a short id (the start
   * of its record id: never a cookie value) and the hosts holding a handle on it. Entries of
   * sessions that ended are pruned.
   */
  async listForUser(
    user: string,
  ): Promise<{ shortId: string; session: Session; expiresAt: number; scopes: string[] }[]> {
    const found = [];
    for (const { session } of await this.live(user)) {
      const handles = await this.store.members(handlesKey(session.sid));
      const scopes = [...new Set(handles.map((h) => h.slice(0, h.indexOf(' '))))].sort();
      found.push({ shortId: session.sid.slice(0, 10), session, expiresAt: this.expiresAt(session), scopes });
    }
    return found.sort((a, b) => a.session.createdAt - b.session.createdAt);
  }

  /** The user's live sessions with their record keys; index entries of ended ones are pruned. */
  private async live(user: string): Promise<{ key: string; session: Session }[]> {
    const found: { key: string; session: Session }[] = [];
    for (const key of await this.store.members(indexKey(user))) {
      const session = parse(await this.store.get(key));
      if (session === null || session.user !== user || this.over(session)) {
        await this.store.removeFromSet(indexKey(user), key);
        continue;
      }
      found.push({ key, session });
    }
    return found;
  }

  /** Deletes a record and its handles; true when the record existed. */
  private async end(key: string): Promise<boolean> {
    const sid = key.slice('sess:'.length);
    const existed = await this.store.delete(key);
    for (const member of await this.store.members(handlesKey(sid)))
      await this.store.delete(member.slice(member.indexOf(' ') + 1));
    await this.store.delete(handlesKey(sid));
    return existed;
  }

  /** A new handle for the session in `scope`; it lives as long as the session may. */
  private async issue(session: Session, scope: string): Promise<string> {
    const handle = token(this.random, 32);
    const key = handleKey(handle, scope);
    const ttl = Math.max(this.expiresAt(session) - this.clock.now(), 1);
    await this.store.set(key, recordKey(session.sid), ttl);
    await this.store.addToSet(handlesKey(session.sid), `${scope} ${key}`, this.timeouts.maxLifetimeMs);
    return handle;
  }

  private async dropHandle(sid: string, handle: string, scope: string): Promise<void> {
    if (!HANDLE_PATTERN.test(handle)) return;
    const key = handleKey(handle, scope);
    await this.store.delete(key);
    await this.store.removeFromSet(handlesKey(sid), `${scope} ${key}`);
  }

  private async write(session: Session): Promise<void> {
    const ttl = Math.min(this.timeouts.idleMs, this.expiresAt(session) - this.clock.now());
    await this.store.set(recordKey(session.sid), JSON.stringify(session), Math.max(ttl, 1));
  }
}
