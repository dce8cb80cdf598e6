/**
 * One proxy under test, as a child process of bench/run.ts (a fresh process per target, so
 * neither inherits the other's JIT or heap state):
 *
 *   bare              Fastify + @fastify/http-proxy with default options in front of the upstream
 *   reference         node:http + an undici Pool, written by hand (bench/reference-proxy.ts)
 *   portcullis        startRuntime() in this process with the benchmark's configuration
 *                     (bench/config-folder.ts: app `app.test` -> the upstream, a policy that asks
 *                     group msp-admins for level password, identity headers and assertion on),
 *                     sqlite + memory
 *   portcullis-mfa    the same with the policy of 50 rules, the last asking for level mfa
 *   portcullis-authz  the same as portcullis, with loopback as a trusted proxy: asked by nginx
 *                     on /.portcullis/authz (forward-auth)
 *
 * argv: <role> <upstream origin>. Sends `{ type: 'ready', port }` when listening; exits on 'close'.
 * BENCH_LISTEN_HOST changes where both proxies listen.
 */
import httpProxy from '@fastify/http-proxy';
import Fastify from 'fastify';
import pino from 'pino';
import { passwordHash, writeBenchConfig } from './config-folder.ts';
import { startReferenceProxy } from './reference-proxy.ts';
import { type ChildMessage, cpuMicros, type ParentMessage } from './shared.ts';

const [role, upstream] = process.argv.slice(2);

/**
 * Portcullis is measured as it runs in production: the compiled dist/ (npm run bench builds it
 * first), not the TypeScript sources through a loader.
 */
const dist = new URL('../dist/', import.meta.url).href;
const { startRuntime } = (await import(`${dist}runtime.js`)) as typeof import('../src/runtime.ts');
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

const ROLES = ['bare', 'reference', 'portcullis', 'portcullis-mfa', 'portcullis-authz'] as const;
type Role = (typeof ROLES)[number];

async function startPortcullis(
  origin: string,
  role: 'portcullis' | 'portcullis-mfa' | 'portcullis-authz',
): Promise<{ port: number; cookieName: string; close(): Promise<void> }> {
  const config = writeBenchConfig({
    upstream: origin,
    server: {
      listen: '127.0.0.1:0',
      admin_listen: '127.0.0.1:0',
      ...(role === 'portcullis-authz' ? { trusted_proxies: ['127.0.0.1/32'] } : {}),
    },
    stores: { durable: 'sqlite:../data/bench.db', ephemeral: 'memory' },
    passwordHash: await passwordHash(),
    policy: role === 'portcullis-mfa' ? 'mfa-50' : 'password',
  });

  const runtime = await startRuntime({
    configPath: config.gatewayPath,
    logger: pino({ level: 'silent' }),
    watch: false,
  });
  await runtime.listen({ listen: LISTEN_HOST === '::' ? '[::]:0' : `${LISTEN_HOST}:0`, admin: '127.0.0.1:0' });
  return {
    port: (runtime.app.server.address() as { port: number }).port,
    cookieName: runtime.state().session.cookieName,
    async close() {
      await runtime.close();
      config.remove();
    },
  };
}

async function main(): Promise<void> {
  if (upstream === undefined || !ROLES.includes(role as Role))
    throw new Error(`usage: target.ts ${ROLES.join('|')} <upstream origin>`);
  const target: { port: number; cookieName?: string; close(): Promise<void> } =
    role === 'bare'
      ? await startBare(upstream)
      : role === 'reference'
        ? await startReferenceProxy(upstream, LISTEN_HOST)
        : await startPortcullis(upstream, role as Exclude<Role, 'bare' | 'reference'>);
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
