import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { stringify } from 'yaml';
import { generateTotpCode } from '../../src/authn/factors/totp/totp.ts';
import { ManualClock } from '../../src/clock.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { parseHost } from '../../src/routing/host-table.ts';
import { type Runtime, startRuntime } from '../../src/runtime.ts';
import { ManualTimers } from '../../src/timers.ts';
import { hashPassword } from '../../src/users/password.ts';
import { type Answer, cookieFrom, send } from './http.ts';
import { startUpstream } from './upstream.ts';

/** Cheap argon2id parameters so tests stay fast; the format is the real one. */
export const TEST_ARGON2 = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
export const PASSWORD = 'correct horse battery staple';

export interface TestUser {
  /** null: none (the account cannot sign in until it sets one, e.g. through an invite) */
  password?: string | null;
  groups?: string[];
  tenant?: string;
  email?: string;
  name?: string;
  disabled?: boolean;
}

export interface TestGatewayOptions {
  /** merged over the default gateway.yaml (top-level keys replaced, `server` merged) */
  gateway?: Record<string, unknown>;
  /** extra apps (the upstream origin is available as `UPSTREAM`) */
  apps?: Record<string, unknown>[];
  users?: Record<string, TestUser>;
  /** policy file name -> content (YAML text or object) */
  policies?: Record<string, string | object>;
  clock?: ManualClock;
  /** collects the gateway's log lines (JSON, level info and above) */
  logs?: string[];
}

/** The default personas, as the tests name them. */
export const PERSONAS: Record<string, TestUser> = {
  alice: { groups: ['msp-admins'], email: 'alice@msp.example', name: 'Alice Admin' },
  bob: { groups: ['techs'], email: 'bob@msp.example', name: 'Bob Tech' },
  carol: { groups: ['staff'], tenant: 'acme', email: 'carol@acme.example', name: 'Carol Client' },
  dave: { groups: ['msp-admins'], disabled: true },
};

export const DEFAULT_POLICY = {
  rules: [
    { name: 'public-health', hosts: ['app.test', 'acme.test'], paths: ['/health'], methods: ['GET'], action: 'allow' },
    { name: 'blocked-area', hosts: ['app.test'], paths: ['/blocked/**'], action: 'deny' },
    {
      name: 'admin-needs-mfa',
      hosts: ['app.test'],
      paths: ['/admin/**'],
      action: 'authenticate',
      require: { level: 'mfa' },
    },
    {
      name: 'staff-sign-in',
      hosts: ['app.test', '*.wild.test'],
      groups: ['msp-admins', 'techs'],
      action: 'authenticate',
      require: { level: 'password' },
    },
  ],
};

export const ACME_POLICY = {
  tenant: 'acme',
  rules: [{ name: 'acme-users', hosts: ['acme.test'], action: 'authenticate', require: { level: 'password' } }],
};

export interface TestGateway {
  runtime: Runtime;
  port: number;
  dir: string;
  clock: ManualClock;
  /** the gateway's background work (audit trim, account gauges) runs only when a test ticks these */
  timers: ManualTimers;
  upstream: Awaited<ReturnType<typeof startUpstream>>;
  cookieName: string;
  /** sends to the gateway */
  send(opts: Parameters<typeof send>[1]): Promise<Answer>;
  /** signs in through the JSON API on `host`; returns the `name=value` cookie */
  login(user: string, host?: string, password?: string): Promise<string>;
  /**
   * The cookie a browser holding the portal's `cookie` gets on `host` through the single sign-on
   * hand-off (the portal's page, then the host's /.portcullis/sso), as each host holds a handle of
   * its own on the session; the portal's cookie itself for the portal.
   */
  cookieFor(cookie: string, host: string): Promise<string>;
  close(): Promise<void>;
}

export async function startTestGateway(opts: TestGatewayOptions = {}): Promise<TestGateway> {
  const upstream = await startUpstream();
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-test-'));
  mkdirSync(join(dir, 'config'));
  mkdirSync(join(dir, 'policies'));
  const clock = opts.clock ?? new ManualClock();
  const timers = new ManualTimers(clock);
  const apps = [
    { name: 'app', host: 'app.test', upstream: upstream.origin, websocket: true },
    { name: 'acme', tenant: 'acme', host: 'acme.test', upstream: upstream.origin },
    { name: 'wild', host: '*.wild.test', upstream: upstream.origin },
    ...(opts.apps ?? []).map((a) => JSON.parse(JSON.stringify(a).replaceAll('UPSTREAM', upstream.origin))),
  ];
  const gateway = {
    stores: { durable: 'sqlite:../data/test.db', ephemeral: 'memory' },
    session: { idle_timeout: '30m', max_lifetime: '12h' },
    apps,
    ...(opts.gateway ?? {}),
    // `server` is merged: tests name only what they change
    server: {
      listen: '127.0.0.1:0',
      public_url: 'http://portal.test',
      admin_listen: '127.0.0.1:0',
      ...((opts.gateway?.server as object | undefined) ?? {}),
    },
  };
  writeFileSync(join(dir, 'config/gateway.yaml'), stringify(gateway));
  const users: Record<string, Record<string, unknown>> = {};
  for (const [name, u] of Object.entries(opts.users ?? PERSONAS)) {
    users[name] = {
      ...(u.name ? { name: u.name } : {}),
      ...(u.email ? { email: u.email } : {}),
      ...(u.password === null ? {} : { password: await hashPassword(u.password ?? PASSWORD, TEST_ARGON2) }),
      groups: u.groups ?? [],
      ...(u.tenant ? { tenant: u.tenant } : {}),
      ...(u.disabled ? { disabled: true } : {}),
    };
  }
  writeFileSync(join(dir, 'config/users.yaml'), stringify({ users }));
  const policies = opts.policies ?? { '00-msp.yaml': DEFAULT_POLICY, 'acme.yaml': ACME_POLICY };
  for (const [name, content] of Object.entries(policies)) {
    writeFileSync(join(dir, 'policies', name), typeof content === 'string' ? content : stringify(content));
  }
  const runtime = await startRuntime({
    configPath: join(dir, 'config/gateway.yaml'),
    clock,
    timers,
    // push services in the tests answer at once or never: no wait before a retry
    pushSend: { timeoutMs: 20_000, sleep: async () => {} },
    logger: opts.logs
      ? createLogger({ level: 'info', destination: { write: (line: string) => opts.logs?.push(line) } })
      : pino({ level: process.env.PORTCULLIS_TEST_LOG ?? 'silent' }),
    watch: false,
  });
  await runtime.listen();
  const port = (runtime.app.server.address() as { port: number }).port;
  const cookieName = runtime.state().session.cookieName;
  const tg: TestGateway = {
    runtime,
    port,
    dir,
    clock,
    timers,
    upstream,
    cookieName,
    send: (o) => send(port, o),
    async login(user, host = 'portal.test', password = PASSWORD) {
      const answer = await send(port, {
        method: 'POST',
        host,
        target: '/.portcullis/api/login',
        headers: { 'content-type': 'application/json', origin: `http://${host}` },
        body: JSON.stringify({ username: user, password }),
      });
      const cookie = cookieFrom(answer, cookieName);
      if (answer.status !== 200 || cookie === undefined)
        throw new Error(`login of ${user} failed: ${answer.status} ${answer.body}`);
      return cookie;
    },
    async cookieFor(cookie, host) {
      const name = parseHost(host)?.hostname;
      if (name === undefined) throw new Error(`not a host: ${host}`);
      if (name === runtime.state().portalHost) return cookie;
      const rd = `http://${name}/`;
      const page = await send(port, {
        host: runtime.state().publicUrl.host,
        target: `/.portcullis/login?rd=${encodeURIComponent(rd)}`,
        headers: { cookie, accept: 'text/html' },
      });
      const code = /name="code" value="([A-Za-z0-9_-]{43})"/.exec(page.body)?.[1];
      if (code === undefined) throw new Error(`no hand-off to ${name}: ${page.status} ${page.body.slice(0, 200)}`);
      const answer = await send(port, {
        method: 'POST',
        host: name,
        target: '/.portcullis/sso',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: runtime.state().publicUrl.origin },
        body: new URLSearchParams({ code, rd }).toString(),
      });
      const handed = cookieFrom(answer, cookieName);
      if (handed === undefined) throw new Error(`hand-off to ${name} failed: ${answer.status} ${answer.body}`);
      return handed;
    },
    async close() {
      await runtime.close();
      await upstream.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return tg;
}

const TOTP = { digits: 6 as const, period: 30, algorithm: 'sha1' as const };

/** The code an authenticator shows for `secret` in the next time step (the clock moves on by one step). */
export async function nextTotpCode(gw: TestGateway, secret: string): Promise<string> {
  gw.clock.advance(TOTP.period * 1000);
  return generateTotpCode(secret, Math.floor(gw.clock.now() / 1000 / TOTP.period), TOTP);
}

/** Enrols an authenticator app for `user` through the JSON API on `host`: its secret and recovery codes. */
export async function enrolTotp(
  gw: TestGateway,
  user: string,
  host = 'portal.test',
): Promise<{ secret: string; recoveryCodes: string[] }> {
  const cookie = await gw.login(user, host);
  const post = (path: string, body: object) =>
    gw.send({
      method: 'POST',
      host,
      target: `/.portcullis/api/${path}`,
      headers: { 'content-type': 'application/json', origin: `http://${host}`, cookie },
      body: JSON.stringify(body),
    });
  const started = await post('enroll/totp/start', {});
  assert.equal(started.status, 200, started.body);
  const secret = started.json<{ secret: string }>().secret;
  const finished = await post('enroll/totp/finish', { code: await nextTotpCode(gw, secret) });
  assert.equal(finished.status, 200, finished.body);
  return { secret, recoveryCodes: finished.json<{ recovery_codes: string[] }>().recovery_codes };
}

/**
 * What the browser does with a hand-off page (`answer`): POSTs its one-time code to the target
 * host's /.portcullis/sso, from the origin `from` (the portal's). The answer of that host.
 */
export function exchangeHandoff(gw: TestGateway, answer: Answer, from = 'http://portal.test'): Promise<Answer> {
  const action = /<form method="post" action="([^"]+)"/.exec(answer.body)?.[1] ?? '';
  const field = (name: string) =>
    new RegExp(`name="${name}" value="([^"]*)"`).exec(answer.body)?.[1]?.replaceAll('&amp;', '&') ?? '';
  return gw.send({
    method: 'POST',
    host: new URL(action).host,
    target: new URL(action).pathname,
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: from },
    body: new URLSearchParams({ code: field('code'), rd: field('rd') }).toString(),
  });
}
