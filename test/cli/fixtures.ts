/**
 * A throw-away configuration folder for the CLI tests (explain, check): an MSP app, two
 * tenants' apps and a wildcard app, users with groups (no passwords), and policy files.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { runCheck } from '../../src/cli/check.ts';
import type { CliIo } from '../../src/cli/io.ts';
import { semanticCheck } from '../../src/cli/semantic-check.ts';

export const GATEWAY = `server:
  public_url: http://portal.msp.example
apps:
  - name: psa
    host: psa.msp.example
    upstream: http://127.0.0.1:9
  - name: nas
    host: "*.nas.msp.example"
    upstream: http://127.0.0.1:9
  - name: acme-rmm
    tenant: acme
    host: rmm.acme.example
    upstream: http://127.0.0.1:9
  - name: globex-portal
    tenant: globex
    host: portal.globex.example
    upstream: http://127.0.0.1:9
`;

export const USERS = `users:
  alice:
    email: alice@msp.example
    groups: [msp-admins]
  bob:
    groups: [techs]
  carol:
    groups: [staff]
    tenant: acme
`;

export const SHARED_POLICY = `networks:
  hq: [198.51.100.0/24]
rules:
  - name: psa-health
    hosts: [psa.msp.example]
    paths: [/health]
    methods: [GET]
    action: allow
  - name: psa-admin-from-hq
    hosts: [psa.msp.example]
    paths: [/admin/**]
    groups: [msp-admins]
    when: { networks: [hq] }
    action: authenticate
    require: { level: phishing_resistant, max_age: 15m, methods: [webauthn] }
  - name: psa-admin-elsewhere
    hosts: [psa.msp.example]
    paths: [/admin/**]
    action: deny
  - name: staff
    hosts: [psa.msp.example, "*.nas.msp.example"]
    groups: [msp-admins, techs]
    action: authenticate
    require: { level: mfa }
`;

export const ACME_POLICY = `tenant: acme
rules:
  - name: rmm-health
    hosts: [rmm.acme.example]
    paths: [/api/health]
    action: allow
  - name: everyone
    action: authenticate
    require: { level: mfa }
`;

export const GLOBEX_POLICY = `tenant: globex
rules:
  - name: everyone
    action: authenticate
    require: { level: password }
`;

export interface ConfigDir {
  readonly root: string;
  /** absolute path of config/gateway.yaml */
  readonly gateway: string;
  path(rel: string): string;
  remove(): void;
}

/** Writes config/gateway.yaml, config/users.yaml and policies/*; `null` leaves a file out. */
export function makeConfig(files: Record<string, string | null> = {}): ConfigDir {
  const root = mkdtempSync(join(tmpdir(), 'portcullis-cli-'));
  const all: Record<string, string | null> = {
    'config/gateway.yaml': GATEWAY,
    'config/users.yaml': USERS,
    'policies/00-shared.yaml': SHARED_POLICY,
    'policies/acme.yaml': ACME_POLICY,
    'policies/globex.yaml': GLOBEX_POLICY,
    ...files,
  };
  mkdirSync(join(root, 'config'));
  mkdirSync(join(root, 'policies'));
  for (const [rel, text] of Object.entries(all)) if (text !== null) writeFileSync(join(root, rel), text);
  return {
    root,
    gateway: join(root, 'config/gateway.yaml'),
    path: (rel) => join(root, rel),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** A writable stream that keeps what was written. */
export class Capture extends Writable {
  #text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.#text += chunk.toString();
    done();
  }
  get text(): string {
    return this.#text;
  }
}

export function captureIo(): CliIo & { stdout: Capture; stderr: Capture } {
  return { stdin: Readable.from([]), stdout: new Capture(), stderr: new Capture() };
}

/** Runs `portcullis check` (with the policy compiler's checks) on a temporary config folder. */
export async function checkConfig(files: Record<string, string | null> = {}) {
  const dir = makeConfig(files);
  try {
    const io = captureIo();
    const code = await runCheck(['--config', dir.gateway], io, semanticCheck, {});
    return { code, out: io.stdout.text, err: io.stderr.text, dir };
  } finally {
    dir.remove();
  }
}
