/**
 * Test helpers for the config tests: a throw-away configuration tree under os.tmpdir().
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const GATEWAY = `server:
  public_url: https://auth.example.com
apps:
  - name: rmm
    host: rmm.example.com
    upstream: http://10.0.0.1:8080
  - name: docs
    host: docs.example.com
    upstream: builtin:whoami
`;

export const USERS = `users:
  alice:
    email: alice@example.com
    groups: [admins]
`;

export const POLICY = `rules:
  - name: admins
    action: authenticate
    require: { level: mfa }
  - name: everyone-else
    action: deny
`;

export interface Tree {
  readonly root: string;
  /** absolute path of a file in the tree */
  path(rel: string): string;
  write(rel: string, text: string): string;
  remove(): void;
}

/** A tree with config/gateway.yaml, config/users.yaml and policies/; override any file via `files`. */
export function makeTree(files: Record<string, string | null> = {}): Tree {
  const root = mkdtempSync(path.join(os.tmpdir(), 'portcullis-config-'));
  const tree: Tree = {
    root,
    path: (rel) => path.join(root, rel),
    write(rel, text) {
      const file = path.join(root, rel);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, text);
      return file;
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
  const all: Record<string, string | null> = {
    'config/gateway.yaml': GATEWAY,
    'config/users.yaml': USERS,
    'policies/10-main.yaml': POLICY,
    ...files,
  };
  mkdirSync(path.join(root, 'config'), { recursive: true });
  for (const [rel, text] of Object.entries(all)) if (text !== null) tree.write(rel, text);
  return tree;
}

/** A Writable-like sink that keeps what was written. */
export function sink(): { write(text: string): boolean; text(): string } {
  let out = '';
  return {
    write(text: string) {
      out += text;
      return true;
    },
    text: () => out,
  };
}

/** Waits until `predicate()` holds, polling up to `timeoutMs` (for fs.watch events). */
export async function until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for condition');
    await new Promise((r) => setTimeout(r, 10));
  }
}
