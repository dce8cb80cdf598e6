/**
 * The deployment files under deploy/ that are not forward-auth examples (those are in proxies.ts),
 * and the tools that check them: Docker Compose (`docker compose`, the plugin, or Debian's
 * `docker-compose`) and `systemd-analyze`.
 *
 * requireCompose(t) / requireSystemdAnalyze(t) return how to run the tool. When it is missing:
 * under CI (CI=true) the test FAILS, because CI installs both (.ci/run); elsewhere it is skipped
 * with a visible notice.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { missing } from './services.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Every such file, relative to the repository: each is read by a test under test/deploy/. */
export const DEPLOY_FILES = {
  compose: 'deploy/docker-compose.yml',
  envExample: 'deploy/.env.example',
  nginx: 'deploy/compose/nginx.conf',
  gateway: 'deploy/compose/config/gateway.yaml',
  policy: 'deploy/compose/policies/00-example.yaml',
  systemd: 'deploy/systemd/portcullis.service',
} as const;

export function deployText(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8');
}

/** A YAML file as data, with `<<` merge keys applied (Compose's anchors). */
export function deployYaml(path: string): Record<string, unknown> {
  return parse(deployText(path), { merge: true }) as Record<string, unknown>;
}

export interface Outcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to its end (bounded), never through a shell. */
export function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Outcome {
  const r = spawnSync(command, args, { encoding: 'utf8', env, timeout: 60_000 });
  return { code: r.error ? null : r.status, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ?? ''}` };
}

/** The Compose command and its leading arguments: the plugin first, else the standalone binary. */
export function findCompose(): string[] | null {
  for (const command of [['docker', 'compose'], ['docker-compose']]) {
    const [binary = '', ...rest] = command;
    if (run(binary, [...rest, 'version']).code === 0) return command;
  }
  return null;
}

export function requireCompose(t: TestContext): string[] | null {
  const found = findCompose();
  if (found !== null) return found;
  missing('neither `docker compose` nor `docker-compose` works (apt-get install docker-compose)', t);
  return null;
}

export function requireSystemdAnalyze(t: TestContext): string | null {
  if (run('systemd-analyze', ['--version']).code === 0) return 'systemd-analyze';
  missing('systemd-analyze not installed (apt-get install systemd)', t);
  return null;
}

/** A systemd unit file read as [section, key, value] lines, in order (repeated keys kept). */
export function unitEntries(text: string): Array<[section: string, key: string, value: string]> {
  const out: Array<[string, string, string]> = [];
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[([A-Za-z]+)\]$/.exec(line);
    if (header) {
      section = header[1] ?? '';
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`not a key=value line: ${line}`);
    out.push([section, line.slice(0, eq), line.slice(eq + 1)]);
  }
  return out;
}
