/**
 * Gateways as operators run them: `portcullis start` in a child process of its own (several of
 * them for several instances, or one primary with its workers), on a configuration folder the
 * test writes, on fixed loopback ports. Log lines (JSON) are collected; waitForLog waits for one
 * with a deadline. Killed when the test process ends, whatever happened.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { type GatewayProcess, startGatewayProcess as startProcess } from '../../bench/gateway-process.ts';
import { hashPassword } from '../../src/users/password.ts';
import { PASSWORD, TEST_ARGON2 } from './gateway.ts';
import { type Answer, cookieFrom, send } from './http.ts';

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

export type { GatewayProcess } from '../../bench/gateway-process.ts';

/** `portcullis start --config F` from the sources, in a process of its own (see bench/gateway-process.ts). */
export function startGatewayProcess(configPath: string): GatewayProcess {
  return startProcess(configPath, { fromSource: true });
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
