/**
 * Gateways as operators run them: `portcullis start` in a child process of its own (several of
 * them for several instances, or one primary with its workers), on a configuration folder the
 * test writes, on fixed loopback ports. Log lines (JSON) are collected; waitForLog polls them
 * with a deadline. Killed when the test process ends, whatever happened.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { hashPassword } from '../../src/users/password.ts';
import { PASSWORD, TEST_ARGON2 } from './gateway.ts';
import { type Answer, cookieFrom, send } from './http.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

export interface ConfigFolder {
  readonly dir: string;
  readonly gatewayPath: string;
  write(rel: string, content: string | object): void;
  remove(): void;
}

/** Writes config/gateway.yaml, config/users.yaml (passwords hashed) and policies/*. */
export async function writeConfigFolder(opts: {
  gateway: Record<string, unknown>;
  users: Record<string, { groups?: string[]; tenant?: string; password?: string }>;
  policies: Record<string, string | object>;
}): Promise<ConfigFolder> {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-proc-'));
  mkdirSync(join(dir, 'config'));
  mkdirSync(join(dir, 'policies'));
  const write = (rel: string, content: string | object) =>
    writeFileSync(join(dir, rel), typeof content === 'string' ? content : stringify(content));
  const users: Record<string, object> = {};
  for (const [name, u] of Object.entries(opts.users))
    users[name] = {
      password: await hashPassword(u.password ?? PASSWORD, TEST_ARGON2),
      groups: u.groups ?? [],
      ...(u.tenant ? { tenant: u.tenant } : {}),
    };
  write('config/gateway.yaml', opts.gateway);
  write('config/users.yaml', { users });
  for (const [name, content] of Object.entries(opts.policies)) write(`policies/${name}`, content);
  return {
    dir,
    gatewayPath: join(dir, 'config/gateway.yaml'),
    write,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface GatewayProcess {
  readonly child: ChildProcess;
  /** stdout and stderr lines so far */
  readonly lines: string[];
  readonly exited: Promise<number | null>;
  /** The first log line (parsed JSON) matching `test`, waiting up to `ms`. */
  waitForLog(test: (line: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export function startGatewayProcess(configPath: string, env: Record<string, string> = {}): GatewayProcess {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'src/main.ts'), 'start', '--config', configPath],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    },
  );
  running.add(child);
  const lines: string[] = [];
  let partial = '';
  const take = (chunk: Buffer) => {
    partial += chunk.toString();
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts.filter((l) => l !== ''));
  };
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  const parsed = (line: string): Record<string, unknown> | null => {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      return null;
    }
  };
  return {
    child,
    lines,
    exited,
    async waitForLog(test, ms = 30_000) {
      const deadline = Date.now() + ms;
      let seen = 0;
      for (;;) {
        for (; seen < lines.length; seen++) {
          const line = parsed(lines[seen] as string);
          if (line && test(line)) return line;
        }
        if (child.exitCode !== null || Date.now() > deadline)
          throw new Error(`no such log line (exit ${child.exitCode}):\n${lines.slice(-30).join('\n')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Polls `probe` until it returns a value (not undefined), up to `ms`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms${last ? ` (${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Signs `user` in through the JSON API at `port` (as `host`): the session cookie. */
export async function loginAt(port: number, host: string, cookieName: string, user: string, password = PASSWORD) {
  const answer: Answer = await send(port, {
    method: 'POST',
    host,
    target: '/.portcullis/api/login',
    headers: { 'content-type': 'application/json', origin: `http://${host}` },
    body: JSON.stringify({ username: user, password }),
  });
  return { answer, cookie: cookieFrom(answer, cookieName) };
}
