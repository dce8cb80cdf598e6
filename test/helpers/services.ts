/**
 * Test gate for external services (Redis, PostgreSQL) on their default loopback ports.
 *
 * requireService(name, t) resolves true when 127.0.0.1:<port> accepts a TCP connection. When it
 * does not: under CI (process.env.CI === 'true') the test FAILS, because CI must exercise the
 * real service; elsewhere the test is skipped with a visible notice. Usage:
 *
 *   it('...', async (t) => { if (!(await requireService('redis', t))) return; ... });
 *
 * For suites registered at load time, check `await redisAvailable()` first and register a single
 * gate test calling requireService when it is false (see test/stores/redis.test.ts).
 */
import { Socket } from 'node:net';
import type { TestContext } from 'node:test';

export type ServiceName = 'redis' | 'postgres';

export const SERVICE_PORTS: Record<ServiceName, number> = { redis: 6379, postgres: 5432 };

export const inCI = (): boolean => process.env.CI === 'true';

/** True when host:port accepts a TCP connection within timeoutMs. */
export function portOpen(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => done(true));
  });
}

export function redisAvailable(): Promise<boolean> {
  return portOpen(SERVICE_PORTS.redis);
}

export function postgresAvailable(): Promise<boolean> {
  return portOpen(SERVICE_PORTS.postgres);
}

/** Skips (outside CI) or throws (in CI) because `what` is missing. Returns false for `if (!...) return`. */
export function missing(what: string, t: TestContext): false {
  if (inCI()) throw new Error(`${what} — required in CI (CI=true)`);
  t.skip(`${what} — skipped outside CI`);
  return false;
}

/** True when the service is reachable; otherwise skips the test (or fails it in CI) and returns false. */
export async function requireService(name: ServiceName, t: TestContext): Promise<boolean> {
  const port = SERVICE_PORTS[name];
  if (await portOpen(port)) return true;
  return missing(`${name} not running on 127.0.0.1:${port}`, t);
}
