/**
 * The configuration folder of every Portcullis under test, written to a temporary directory:
 * app `app.test` -> the upstream with the assertion on, alice (group msp-admins) in users.yaml,
 * and a policy that asks msp-admins for level password. Only `server` and `stores` differ
 * between targets, so the figures compare the deployment, not the configuration.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { APP_HOST, PASSWORD } from './shared.ts';

/** Cheap argon2id parameters: sign-in is not what is measured. */
const CHEAP_ARGON2 = { memoryCost: 1024, timeCost: 1, parallelism: 1 };

export interface BenchConfig {
  readonly dir: string;
  readonly gatewayPath: string;
  remove(): void;
}

/** alice's password hash, made by the compiled dist/ (npm run bench builds it first). */
export async function passwordHash(): Promise<string> {
  const dist = new URL('../dist/', import.meta.url).href;
  const { hashPassword } = (await import(`${dist}users/password.js`)) as typeof import('../src/users/password.ts');
  return hashPassword(PASSWORD, CHEAP_ARGON2);
}

export function writeBenchConfig(opts: {
  upstream: string;
  server: Record<string, unknown>;
  stores: { durable: string; ephemeral: string };
  passwordHash: string;
}): BenchConfig {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-bench-'));
  mkdirSync(join(dir, 'config'));
  mkdirSync(join(dir, 'policies'));
  const gateway = {
    server: { public_url: 'http://portal.test', ...opts.server },
    stores: opts.stores,
    session: { idle_timeout: '30m', max_lifetime: '12h' },
    apps: [{ name: 'app', host: APP_HOST, upstream: opts.upstream, assertion: true }],
  };
  const users = {
    users: {
      alice: {
        name: 'Alice Admin',
        email: 'alice@msp.example',
        password: opts.passwordHash,
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
  return {
    dir,
    gatewayPath: join(dir, 'config/gateway.yaml'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
