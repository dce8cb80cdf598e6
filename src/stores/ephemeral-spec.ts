/**
 * Why `stores.ephemeral` cannot be opened as written, or null: `portcullis check` reports it
 * (located), so a configuration that check accepts is one that start can parse. Whether the
 * server answers is for start (and /readyz) to say. Never echoes the spec: it may hold a password.
 */
import { PortcullisError } from '../errors.ts';
import { parseRedisTarget } from './redis-url.ts';

export const EXPECTED_EPHEMERAL =
  "expected 'memory', redis://host:port/db, rediss://..., or redis+sentinel://host:port,host:port/master (rediss+sentinel:// for TLS)";

/** True for the four Redis URL schemes (redis, rediss, and each +sentinel). */
export function isRedisSpec(spec: string): boolean {
  return /^rediss?(\+sentinel)?:\/\//i.test(spec);
}

export function ephemeralSpecProblem(spec: string): string | null {
  if (spec === 'memory') return null;
  if (!isRedisSpec(spec)) return EXPECTED_EPHEMERAL;
  try {
    parseRedisTarget(spec);
    return null;
  } catch (err) {
    if (err instanceof PortcullisError) return err.message;
    throw err;
  }
}
