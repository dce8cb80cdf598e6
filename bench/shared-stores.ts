/**
 * The shared stores the cluster part of the benchmark runs on: Redis (ephemeral) and PostgreSQL
 * (durable), as several workers need. Each gateway started gets locations of its own, a Redis key
 * prefix `bench-<random>:` and a PostgreSQL schema `bench_<random>`, removed afterwards; nothing
 * else on either server is touched.
 *
 * BENCH_REDIS_URL (default redis://127.0.0.1:6379/0) and BENCH_POSTGRES_URL (default
 * postgres://postgres@127.0.0.1:5432/test) name the servers, without `?prefix=` or `?schema=`.
 */
import { randomBytes } from 'node:crypto';
import { Socket } from 'node:net';
import { Redis } from 'ioredis';
import pg from 'pg';

export const REDIS_URL = process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379/0';
export const POSTGRES_URL = process.env.BENCH_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test';

const withParam = (url: string, name: string, value: string) =>
  `${url}${url.includes('?') ? '&' : '?'}${name}=${value}`;

/** A URL without its user and password, to print. */
export function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

const redisClient = () =>
  new Redis(REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
const pgClient = () => new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2_000 });

/** Null when host:port of `url` accepts a TCP connection within 2 s, else why not. */
function tcpProblem(url: string, defaultPort: number): Promise<string | null> {
  let host: string;
  let port: number;
  try {
    const u = new URL(url);
    host = u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
    port = Number(u.port || defaultPort);
  } catch {
    return Promise.resolve('not a URL');
  }
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (problem: string | null) => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(2_000, () => done(`no answer from ${host}:${port} within 2 s`));
    socket.once('error', (err) => done(err.message));
    socket.connect(port, host, () => done(null));
  });
}

/** Why the shared stores cannot be used (not reachable, refused), or null when both answer. */
export async function sharedStoresProblem(): Promise<string | null> {
  for (const [name, url, port] of [
    ['Redis', REDIS_URL, 6379],
    ['PostgreSQL', POSTGRES_URL, 5432],
  ] as const) {
    const problem = await tcpProblem(url, port);
    if (problem !== null) return `${name} at ${withoutCredentials(url)} is not reachable (${problem})`;
  }
  const redis = redisClient();
  redis.on('error', () => {}); // reported through connect()
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    return `Redis at ${withoutCredentials(REDIS_URL)} does not answer (${(err as Error).message})`;
  } finally {
    redis.disconnect();
  }
  const client = pgClient();
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
  } catch (err) {
    return `PostgreSQL at ${withoutCredentials(POSTGRES_URL)} does not answer (${(err as Error).message})`;
  } finally {
    await client.end().catch(() => {});
  }
  return null;
}

export interface StoreLocations {
  /** stores.ephemeral: the Redis URL with a prefix of its own */
  readonly ephemeral: string;
  /** stores.durable: the PostgreSQL URL with a schema of its own */
  readonly durable: string;
  /** Deletes the prefix's keys (SCAN + DEL, never FLUSHDB) and drops the schema. */
  remove(): Promise<void>;
}

export function freshLocations(): StoreLocations {
  const id = randomBytes(6).toString('hex');
  const prefix = `bench-${id}:`;
  const schema = `bench_${id}`;
  return {
    ephemeral: withParam(REDIS_URL, 'prefix', prefix),
    durable: withParam(POSTGRES_URL, 'schema', schema),
    async remove() {
      const redis = redisClient();
      try {
        await redis.connect();
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
          if (keys.length) await redis.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
      const client = pgClient();
      await client.connect();
      try {
        await client.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await client.end();
      }
    },
  };
}
