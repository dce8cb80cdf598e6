/**
 * RedisEphemeralStore: the shared ephemeral store for several gateway instances.
 *
 * Fail fast, fail closed: the ioredis client has no offline queue, one retry per request and
 * short connect/command timeouts, so when Redis is down every call rejects within ~2 s with
 * StoreUnavailableError (the gateway answers 503), while the client keeps reconnecting in the
 * background with a capped backoff and recovers on its own when Redis comes back.
 *
 * Commands: get = GET, getAndTouch = GETEX PX, getVia = a Lua script (GET, then GETEX PX), set = SET PX, setIfAbsent = SET NX PX,
 * take = GETDEL, delete = DEL, increment = a Lua script (INCR, then PEXPIRE only when the key is
 * new: a fixed window, atomic), ttl = PTTL. Requires Redis >= 6.2 (GETEX, GETDEL).
 *
 * Keys are namespaced with a prefix (default 'pc:'; the URL's `?prefix=` names another). The URL password never appears in an
 * error: causes are rebuilt from the message only (ioredis attaches command arguments to its
 * errors) with the password redacted.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { PortcullisError, StoreUnavailableError } from '../errors.ts';
import type { EphemeralStore } from './ephemeral.ts';
import { checkTtl } from './ephemeral.ts';

export interface RedisEphemeralStoreOptions {
  /** Prepended to every key (default 'pc:'). */
  prefix?: string;
  /** TCP connect timeout and, for connect(), how long to wait for ready (default 2000 ms). */
  connectTimeoutMs?: number;
  /** Per-command timeout (default 2000 ms). */
  commandTimeoutMs?: number;
  /** Cap of the background reconnect backoff (default 2000 ms). */
  maxBackoffMs?: number;
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

/** Parses a redis:// or rediss:// URL into ioredis options; errors never echo the password. */
export function parseRedisUrl(url: string): RedisOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new PortcullisError('PC_ERR_CONFIG_INVALID', 'invalid redis URL (not shown: it may hold a password)');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new PortcullisError('PC_ERR_CONFIG_INVALID', 'redis URL must start with redis:// or rediss://');
  }
  const dbText = u.pathname.replace(/^\//, '') || '0';
  if (!/^[0-9]+$/.test(dbText)) {
    throw new PortcullisError('PC_ERR_CONFIG_INVALID', `invalid redis database number: ${JSON.stringify(dbText)}`);
  }
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  const options: RedisOptions = { host, port: u.port ? Number(u.port) : 6379, db: Number(dbText) };
  if (u.username) options.username = decodeURIComponent(u.username);
  if (u.password) options.password = decodeURIComponent(u.password);
  if (u.protocol === 'rediss:') options.tls = { servername: host };
  return options;
}

const PREFIX = /^[A-Za-z0-9:_.-]{1,64}$/;

/**
 * The key prefix named by the URL's `prefix` parameter (`redis://host/0?prefix=staging:`), so that
 * several deployments can share one Redis; 'pc:' by default.
 */
export function redisPrefixOf(url: string): string {
  let prefix: string | null = null;
  try {
    prefix = new URL(url).searchParams.get('prefix');
  } catch {
    // parseRedisUrl reports a bad URL
  }
  if (prefix === null) return 'pc:';
  if (!PREFIX.test(prefix))
    throw new PortcullisError('PC_ERR_CONFIG_INVALID', 'redis URL prefix must be 1-64 of A-Z a-z 0-9 : _ . -');
  return prefix;
}

/** The URL with its password replaced by '***' (safe to log). */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.includes('@') ? `${url.split(':')[0]}://***` : url;
  }
}

export class RedisEphemeralStore implements EphemeralStore {
  readonly kind = 'redis' as const;
  readonly #redis: Redis & WithScripts;
  readonly #prefix: string;
  readonly #secrets: string[];
  readonly #connectTimeoutMs: number;
  #closed = false;

  /** Creates the client; it connects in the background. Prefer `connect()`, which waits for ready. */
  constructor(url: string, options: RedisEphemeralStoreOptions = {}) {
    const parsed = parseRedisUrl(url);
    this.#prefix = options.prefix ?? redisPrefixOf(url);
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 2000;
    const password = parsed.password;
    this.#secrets = password ? [password, encodeURIComponent(password)] : [];
    const maxBackoff = options.maxBackoffMs ?? 2000;
    this.#redis = new Redis({
      ...parsed,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: this.#connectTimeoutMs,
      commandTimeout: options.commandTimeoutMs ?? 2000,
      // How long close() waits for a half-open socket before destroying it (default 2 s).
      disconnectTimeout: 200,
      // Keep reconnecting forever in the background, with a capped exponential backoff.
      retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 16), maxBackoff),
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
        return;
      } catch {
        // fall through to a hard disconnect
      }
    }
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

  /** A fresh Error carrying only name, message and code, with the password redacted. */
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
      let lastError: unknown = new Error(`not ready within ${this.#connectTimeoutMs} ms`);
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
      const timer = setTimeout(() => finish(lastError), this.#connectTimeoutMs);
      redis.on('ready', onReady);
      redis.on('error', onError);
    });
  }
}
