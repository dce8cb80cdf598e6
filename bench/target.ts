/**
 * One proxy under test, as a child process of bench/run.ts (a fresh process per target, so
 * neither inherits the other's JIT or heap state):
 *
 *   bare        Fastify + @fastify/http-proxy with default options in front of the upstream
 *   portcullis  startRuntime() with a temporary configuration: app `app.test` -> the upstream,
 *               a policy that asks group msp-admins for level password, identity headers and
 *               assertion on, sqlite + memory stores
 *
 * argv: <role> <upstream origin>. Sends `{ type: 'ready', port }` when listening; exits on 'close'.
 * For experiments, BENCH_UPSTREAM_CONNECTIONS / BENCH_UPSTREAM_PIPELINING are passed to Portcullis'
 * undici pool (unset: the shipped defaults, which is what the benchmark normally measures), and
 * BENCH_LISTEN_HOST changes where both proxies listen.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import httpProxy from '@fastify/http-proxy';
import Fastify from 'fastify';
import pino from 'pino';
import { stringify } from 'yaml';
import { APP_HOST, type ChildMessage, cpuMicros, PASSWORD, type ParentMessage } from './shared.ts';

/** Cheap argon2id parameters: sign-in is not what is measured. */
const CHEAP_ARGON2 = { memoryCost: 1024, timeCost: 1, parallelism: 1 };

const [role, upstream] = process.argv.slice(2);

/**
 * Portcullis is measured as it runs in production: the compiled dist/ (npm run bench builds it
 * first), not the TypeScript sources through a loader.
 */
const dist = new URL('../dist/', import.meta.url).href;
const { startRuntime } = (await import(`${dist}runtime.js`)) as typeof import('../src/runtime.ts');
const { hashPassword } = (await import(`${dist}users/password.js`)) as typeof import('../src/users/password.ts');
/**
 * Where both proxies listen; clients always connect to 127.0.0.1. BENCH_LISTEN_HOST=:: (dual stack)
 * makes every peer address IPv4-mapped (::ffff:127.0.0.1), as on a gateway listening on [::].
 */
const LISTEN_HOST = process.env.BENCH_LISTEN_HOST ?? '127.0.0.1';
const send = (m: ChildMessage) => process.send?.(m);

async function startBare(origin: string): Promise<{ port: number; close(): Promise<void> }> {
  const app = Fastify({ logger: false });
  await app.register(httpProxy, { upstream: origin });
  await app.listen({ host: LISTEN_HOST, port: 0 });
  return { port: (app.server.address() as { port: number }).port, close: () => app.close() };
}

async function startPortcullis(origin: string): Promise<{ port: number; cookieName: string; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-bench-'));
  mkdirSync(join(dir, 'config'));
  mkdirSync(join(dir, 'policies'));
  const gateway = {
    server: { listen: '127.0.0.1:0', public_url: 'http://portal.test', admin_listen: '127.0.0.1:0' },
    stores: { durable: 'sqlite:../data/bench.db', ephemeral: 'memory' },
    session: { idle_timeout: '30m', max_lifetime: '12h' },
    apps: [{ name: 'app', host: APP_HOST, upstream: origin, assertion: true }],
  };
  const users = {
    users: {
      alice: {
        name: 'Alice Admin',
        email: 'alice@msp.example',
        password: await hashPassword(PASSWORD, CHEAP_ARGON2),
        groups: ['msp-admins'],
      },
    },
  };
  const policy = {
    rules: [
      {
        name: 'admins-sign-in',
        hosts: [APP_HOST],
        groups: ['msp-admins'],
        action: 'authenticate',
        require: { level: 'password' },
      },
    ],
  };
  writeFileSync(join(dir, 'config/gateway.yaml'), stringify(gateway));
  writeFileSync(join(dir, 'config/users.yaml'), stringify(users));
  writeFileSync(join(dir, 'policies/00-bench.yaml'), stringify(policy));

  const env = process.env;
  const connections = env.BENCH_UPSTREAM_CONNECTIONS ? Number(env.BENCH_UPSTREAM_CONNECTIONS) : undefined;
  const pipelining = env.BENCH_UPSTREAM_PIPELINING ? Number(env.BENCH_UPSTREAM_PIPELINING) : undefined;
  const runtime = await startRuntime({
    configPath: join(dir, 'config/gateway.yaml'),
    logger: pino({ level: 'silent' }),
    watch: false,
    ...(connections !== undefined || pipelining !== undefined
      ? {
          upstream: {
            ...(connections !== undefined ? { connections } : {}),
            ...(pipelining !== undefined ? { pipelining } : {}),
          },
        }
      : {}),
  });
  await runtime.listen({ listen: LISTEN_HOST === '::' ? '[::]:0' : `${LISTEN_HOST}:0`, admin: '127.0.0.1:0' });
  return {
    port: (runtime.app.server.address() as { port: number }).port,
    cookieName: runtime.state().session.cookieName,
    async close() {
      await runtime.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function main(): Promise<void> {
  if (upstream === undefined || (role !== 'bare' && role !== 'portcullis'))
    throw new Error('usage: target.ts bare|portcullis <upstream origin>');
  const target: { port: number; cookieName?: string; close(): Promise<void> } =
    role === 'bare' ? await startBare(upstream) : await startPortcullis(upstream);
  send({
    type: 'ready',
    port: target.port,
    ...(target.cookieName !== undefined ? { cookieName: target.cookieName } : {}),
  });
  const stop = async () => {
    await target.close();
    process.exit(0);
  };
  process.on('message', (m: ParentMessage) => {
    if (m.type === 'close') void stop();
    else if (m.type === 'cpu') send({ type: 'cpu', cpuMicros: cpuMicros() });
  });
  process.on('disconnect', () => void stop());
}

main().catch((err: unknown) => {
  send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exit(1);
});
