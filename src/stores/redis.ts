/**
 * RedisEphemeralStore: the shared ephemeral store for several gateway instances, on one Redis
 * server or on the master a set of Sentinels names (URL forms: redis-url.ts).
 *
 * Fail fast, fail closed: the ioredis client has no offline queue, one retry per request and
 * short connect/command timeouts, so when Redis is down every call rejects within ~2 s with
 * StoreUnavailableError (the gateway answers 503), while the client keeps reconnecting in the
 * background with a capped backoff and recovers on its own when Redis comes back.
 *
 * With Sentinel, every reconnect asks the Sentinels (in turn, each bounded by the connect and
 * command timeouts) for the current master, and the ready check refuses a node that is not a
 * master. A failover is noticed three ways: the master's connection drops (it died), the
 * Sentinels announce `+switch-master` (the failover detector: the client reconnects at once), or a
 * write answers READONLY (the node was demoted under an open connection): that command fails,
 * as a 503, and the client reconnects to the master the Sentinels name now. READONLY triggers the
 * same reconnect for a plain redis:// URL (a DNS name that moves to the new primary).
 *
 * Commands: get = GET, getAndTouch = GETEX PX, getVia = a Lua script (GET, then GETEX PX), set = SET PX, setIfAbsent = SET NX PX,
 * take = GETDEL, delete = DEL, increment = a Lua script (INCR, then PEXPIRE only when the key is
 * new: a fixed window, atomic), ttl = PTTL. Requires Redis >= 6.2 (GETEX, GETDEL).
 *
 * Keys are namespaced with a prefix (default 'pc:'; the URL's `?prefix=` names another). The URL's passwords never appear in an
 * error: causes are rebuilt from the message only (ioredis attaches command arguments to its
 * errors) with the passwords redacted.
 */
import { Redis } from 'ioredis';
import { StoreUnavailableError } from '../errors.ts';
import type { EphemeralStore } from './ephemeral.ts';
import { checkTtl } from './ephemeral.ts';
import { parseRedisTarget } from './redis-url.ts';

export interface RedisEphemeralStoreOptions {
  /** Prepended to every key (default: the URL's `?prefix=`, else 'pc:'). */
  prefix?: string;
  /**
   * TCP connect timeout (to Redis and to each Sentinel) and, for connect(), how long to wait for
   * ready: this long, or with Sentinel this long once per Sentinel and once more (default 2000 ms).
   */
  connectTimeoutMs?: number;
  /** Per-command timeout, Sentinel queries included (default 2000 ms). */
  commandTimeoutMs?: number;
  /** Cap of the background reconnect backoff, and of the pause between rounds of Sentinels (default 2000 ms). */
  maxBackoffMs?: number;
  /** With Sentinel: listen for `+switch-master` and reconnect at once (default true). */
  failoverDetector?: boolean;
}

/** A write sent to a node that has become a replica: reconnect (to the master the Sentinels name). */
export function isReadOnlyError(err: Error): boolean {
  return /^READONLY\b/.test(err.message) || /\bREADONLY You can't write/.test(err.message);
}

/** INCR, and set the window's expiry only when this INCR created the key (or it has none). */
const INCREMENT_LUA = `
local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('PTTL', KEYS[1]) == -1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

/**
 * GET the pointer, then GETEX PX the key it names (under the same prefix): one round trip. The
 * target key is not declared in KEYS, so this needs a single Redis server (or Sentinel), not Cluster.
 */
const GET_VIA_LUA = `
local target = redis.call('GET', KEYS[1])
if not target then return false end
local value = redis.call('GETEX', ARGV[1] .. target, 'PX', ARGV[2])
if not value then return false end
return {target, value}`;

interface WithScripts {
  pcIncrement(key: string, ttlMs: number): Promise<number>;
  pcGetVia(pointerKey: string, prefix: string, ttlMs: number): Promise<[string, string] | null>;
}

export class RedisEphemeralStore implements EphemeralStore {
  readonly kind = 'redis' as const;
  readonly #redis: Redis & WithScripts;
  readonly #prefix: string;
  readonly #secrets: string[];
  readonly #readyTimeoutMs: number;
  #closed = false;

  /** Creates the client; it connects in the background. Prefer `connect()`, which waits for ready. */
  constructor(url: string, options: RedisEphemeralStoreOptions = {}) {
    const target = parseRedisTarget(url);
    this.#prefix = options.prefix ?? target.prefix;
    this.#secrets = target.secrets;
    const connectTimeout = options.connectTimeoutMs ?? 2000;
    const commandTimeout = options.commandTimeoutMs ?? 2000;
    // with Sentinel, each Sentinel may take the connect timeout before the next one is asked
    this.#readyTimeoutMs = connectTimeout * (target.sentinels > 0 ? target.sentinels + 1 : 1);
    const maxBackoff = options.maxBackoffMs ?? 2000;
    const backoff = (times: number) => Math.min(50 * 2 ** Math.min(times, 16), maxBackoff);
    this.#redis = new Redis({
      ...target.options,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout,
      commandTimeout,
      // How long close() waits for a half-open socket before destroying it (default 2 s).
      disconnectTimeout: 200,
      // Keep reconnecting forever in the background, with a capped exponential backoff.
      retryStrategy: backoff,
      // A demoted master answers writes with READONLY: fail that command, then reconnect.
      reconnectOnError: (err) => (isReadOnlyError(err) ? 1 : false),
      ...(target.sentinels > 0
        ? {
            // all Sentinels unreachable: ask them again after a capped pause, forever
            sentinelRetryStrategy: backoff,
            // a Sentinel that accepts the connection but never answers does not hold up the others
            sentinelCommandTimeout: commandTimeout,
            failoverDetector: options.failoverDetector ?? true,
            // the failover detector's connections to Sentinels that went away
            sentinelReconnectStrategy: (times: number) => Math.min(1000 * times, 10_000),
          }
        : {}),
      scripts: {
        pcIncrement: { lua: INCREMENT_LUA, numberOfKeys: 1 },
        pcGetVia: { lua: GET_VIA_LUA, numberOfKeys: 1 },
      },
    }) as Redis & WithScripts;
    // Connection errors are reported through the rejected commands; without a listener
    // ioredis would print every reconnect failure.
    this.#redis.on('error', () => {});
  }

  /** Creates the store and waits until Redis is ready; StoreUnavailableError if not within the timeout. */
  static async connect(url: string, options: RedisEphemeralStoreOptions = {}): Promise<RedisEphemeralStore> {
    const store = new RedisEphemeralStore(url, options);
    try {
      await store.#waitReady();
      return store;
    } catch (err) {
      await store.close();
      throw err;
    }
  }

  async get(key: string): Promise<string | null> {
    return this.#run(() => this.#redis.get(this.#key(key)));
  }

  async getAndTouch(key: string, ttlMs: number): Promise<string | null> {
    const ttl = checkTtl(ttlMs);
    return this.#run(() => this.#redis.getex(this.#key(key), 'PX', ttl));
  }

  async getVia(pointerKey: string, ttlMs: number): Promise<{ target: string; value: string } | null> {
    const ttl = checkTtl(ttlMs);
    const found = await this.#run(() => this.#redis.pcGetVia(this.#key(pointerKey), this.#prefix, ttl));
    return found === null ? null : { target: found[0], value: found[1] };
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    const ttl = checkTtl(ttlMs);
    await this.#run(() => this.#redis.set(this.#key(key), value, 'PX', ttl));
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    const ttl = checkTtl(ttlMs);
    const reply = await this.#run(() => this.#redis.set(this.#key(key), value, 'PX', ttl, 'NX'));
    return reply === 'OK';
  }

  async take(key: string): Promise<string | null> {
    return this.#run(() => this.#redis.getdel(this.#key(key)));
  }

  async delete(key: string): Promise<boolean> {
    return (await this.#run(() => this.#redis.del(this.#key(key)))) > 0;
  }

  async increment(key: string, ttlMs: number): Promise<number> {
    const ttl = checkTtl(ttlMs);
    return Number(await this.#run(() => this.#redis.pcIncrement(this.#key(key), ttl)));
  }

  /** PTTL: -2 (absent) is null; -1 (no expiry, never written by this store) is Infinity. */
  async addToSet(key: string, member: string, ttlMs: number): Promise<void> {
    const ttl = checkTtl(ttlMs);
    const k = this.#key(key);
    await this.#run(() => this.#redis.multi().sadd(k, member).pexpire(k, ttl).exec());
  }

  async members(key: string): Promise<string[]> {
    return this.#run(() => this.#redis.smembers(this.#key(key)));
  }

  async removeFromSet(key: string, member: string): Promise<boolean> {
    return (await this.#run(() => this.#redis.srem(this.#key(key), member))) > 0;
  }

  async ttl(key: string): Promise<number | null> {
    const ms = await this.#run(() => this.#redis.pttl(this.#key(key)));
    if (ms === -2) return null;
    if (ms === -1) return Number.POSITIVE_INFINITY;
    return ms;
  }

  async ping(): Promise<void> {
    await this.#run(() => this.#redis.ping());
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#redis.status === 'ready') {
      try {
        await this.#redis.quit();
      } catch {
        // fall through to a hard disconnect
      }
    }
    // also after QUIT: this is what closes the failover detector's connections to the Sentinels
    this.#redis.disconnect();
  }

  #key(key: string): string {
    return this.#prefix + key;
  }

  /** Runs one command; any error or timeout becomes StoreUnavailableError with a scrubbed cause. */
  async #run<T>(command: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new StoreUnavailableError('redis', new Error('store is closed'));
    try {
      return await command();
    } catch (err) {
      throw new StoreUnavailableError('redis', this.#scrub(err));
    }
  }

  /** A fresh Error carrying only name, message and code, with the passwords redacted. */
  #scrub(err: unknown): Error {
    const source = err instanceof Error ? err : new Error(String(err));
    let message = source.message;
    for (const secret of this.#secrets) message = message.split(secret).join('***');
    const clean = new Error(message);
    clean.name = source.name;
    const code = (source as { code?: unknown }).code;
    if (typeof code === 'string') (clean as Error & { code: string }).code = code;
    return clean;
  }

  #waitReady(): Promise<void> {
    const redis = this.#redis;
    if (redis.status === 'ready') return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      let lastError: unknown = new Error(`not ready within ${this.#readyTimeoutMs} ms`);
      const finish = (err?: unknown) => {
        clearTimeout(timer);
        redis.off('ready', onReady);
        redis.off('error', onError);
        if (err === undefined) resolve();
        else reject(new StoreUnavailableError('redis', this.#scrub(err)));
      };
      const onReady = () => finish();
      const onError = (err: unknown) => {
        lastError = err;
        // Authentication failures will not heal by retrying: report them at once.
        if (err instanceof Error && /WRONGPASS|NOAUTH|NOPERM|invalid password/i.test(err.message)) finish(err);
      };
      const timer = setTimeout(() => finish(lastError), this.#readyTimeoutMs);
      redis.on('ready', onReady);
      redis.on('error', onError);
    });
  }
}
