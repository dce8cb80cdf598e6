/**
 * Opens the stores named in gateway.yaml.
 *
 * Ephemeral: 'memory' (one process) or 'redis://host:port/db' / 'rediss://...', or Redis through
 * Sentinel, 'redis+sentinel://host:26379,host:26380/mymaster' (shared; waits until Redis is ready,
 * so a wrong URL or a down Redis stops the gateway at start-up with StoreUnavailableError rather
 * than failing every request later). The URL forms: redis-url.ts.
 *
 * Durable: 'sqlite:path/to/file.db', a relative path being resolved against baseDir (the folder
 * of gateway.yaml), or 'postgres://user:password@host:5432/db?options' (postgres-settings.ts);
 * either is migrated at open.
 *
 * Error messages never echo a spec that may hold a password.
 */
import { isAbsolute, resolve } from 'node:path';
import type { Clock } from '../clock.ts';
import { PortcullisError } from '../errors.ts';
import type { DurableStore } from './durable.ts';
import type { EphemeralStore } from './ephemeral.ts';
import { EXPECTED_EPHEMERAL, isRedisSpec } from './ephemeral-spec.ts';
import { MemoryEphemeralStore } from './memory.ts';
import { isPostgresSpec } from './postgres-settings.ts';
import { SqliteDurableStore } from './sqlite.ts';

/** The scheme of a spec, for error messages (never the rest, which may hold credentials). */
function schemeOf(spec: string): string {
  const match = /^([a-z][a-z0-9+.-]*):/i.exec(spec);
  return match ? `${match[1]}:` : JSON.stringify(spec.length > 20 ? `${spec.slice(0, 20)}…` : spec);
}

export async function openEphemeral(spec: string, deps: { clock: Clock }): Promise<EphemeralStore> {
  if (spec === 'memory') return new MemoryEphemeralStore({ clock: deps.clock });
  if (isRedisSpec(spec)) {
    // loaded only when used: a gateway on the memory store does not carry the Redis client
    const { RedisEphemeralStore } = await import('./redis.ts');
    return RedisEphemeralStore.connect(spec);
  }
  throw new PortcullisError(
    'PC_ERR_CONFIG_INVALID',
    `unknown ephemeral store ${schemeOf(spec)}: ${EXPECTED_EPHEMERAL}`,
  );
}

export interface DurableOpenOptions {
  /** A pooled idle PostgreSQL connection failed (it is replaced); for the log. */
  onIdleError?: (err: Error) => void;
}

export async function openDurable(
  spec: string,
  baseDir: string,
  options: DurableOpenOptions = {},
): Promise<DurableStore> {
  if (/^sqlite:/i.test(spec)) {
    const path = spec.slice('sqlite:'.length);
    if (path === '') throw new PortcullisError('PC_ERR_CONFIG_INVALID', "durable store 'sqlite:' needs a file path");
    return SqliteDurableStore.open(path === ':memory:' || isAbsolute(path) ? path : resolve(baseDir, path));
  }
  if (isPostgresSpec(spec)) {
    // loaded only when used: a SQLite deployment never loads the PostgreSQL client
    const { PostgresDurableStore } = await import('./postgres.ts');
    return PostgresDurableStore.open(spec, { baseDir, onIdleError: options.onIdleError });
  }
  throw new PortcullisError(
    'PC_ERR_CONFIG_INVALID',
    `unknown durable store ${schemeOf(spec)}: expected 'sqlite:path/to/file.db' or 'postgres://user:password@host:5432/db'`,
  );
}
