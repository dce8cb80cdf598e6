/**
 * The configuration folder of every Portcullis under test, written to a temporary directory:
 * app `app.test` -> the upstream with the assertion on, alice (group msp-admins) in users.yaml,
 * and a policy that asks msp-admins for level password. Only `server` and `stores` differ
 * between targets, so the figures compare the deployment, not the configuration; except
 * `policy: 'mfa-50'`, where 49 rules on the same host that the benchmarked request does not match
 * (other paths, methods, groups, networks) come before one that asks msp-admins for level mfa,
 * so every request walks all 50.
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
  /** 'password' (default): one rule, level password; 'mfa-50': level mfa, 50th of 50 rules */
  policy?: 'password' | 'mfa-50';
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
    rules:
      opts.policy === 'mfa-50'
        ? [
            ...unmatchedRules(49),
            {
              name: 'admins-need-mfa',
              hosts: [APP_HOST],
              groups: ['msp-admins'],
              action: 'authenticate',
              require: { level: 'mfa' },
            },
          ]
        : [
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

/**
 * `count` rules on the benchmarked host that alice's GET of the benchmarked path (and of the echo
 * path) from loopback never matches: each fails on a different condition, so the evaluator tries
 * every kind of criterion before it reaches the rule that decides.
 */
function unmatchedRules(count: number): Record<string, unknown>[] {
  const rules: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const name = `unmatched-${i}`;
    const base = { name, hosts: [APP_HOST] };
    switch (i % 5) {
      case 0:
        rules.push({ ...base, paths: ['/health', `/status/${i}`], methods: ['GET', 'HEAD'], action: 'allow' });
        break;
      case 1:
        rules.push({ ...base, paths: ['/blocked/**', `/internal/${i}/**`], action: 'deny' });
        break;
      case 2:
        rules.push({
          ...base,
          paths: ['/admin/**'],
          groups: ['msp-admins'],
          action: 'authenticate',
          require: { level: 'mfa', max_age: '15m' },
        });
        break;
      case 3:
        rules.push({
          ...base,
          methods: ['POST', 'PUT', 'DELETE'],
          groups: [`helpdesk-${i}`],
          action: 'authenticate',
          require: { level: 'password' },
        });
        break;
      default:
        rules.push({
          ...base,
          when: { networks: ['10.0.0.0/8', '192.168.0.0/16'] },
          action: 'authenticate',
          require: { level: 'password' },
        });
    }
  }
  return rules;
}
