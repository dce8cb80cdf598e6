/**
 * Real reverse proxies in front of a test gateway's forward-auth: Debian's nginx and Caddy, run from
 * the example files under deploy/ (the files docs/forward-auth.md shows), with their placeholders filled
 * in for loopback. Each proxy runs in a temporary directory of its own, in the foreground, and is
 * stopped by its process id.
 *
 * requireProxy('nginx' | 'caddy', t) returns the binary's path. When it is missing: under CI (CI=true)
 * the test FAILS, because CI installs both (.ci/run); elsewhere it is skipped with a visible notice.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runningAsRoot } from './browser.ts';
import { freePort } from './ports.ts';
import { missing, portOpen } from './services.ts';

/** The example files the documentation shows and the tests run, relative to the repository. */
export const EXAMPLES = {
  nginx: 'deploy/nginx/portcullis-forward-auth.conf',
  caddy: 'deploy/caddy/Caddyfile',
  traefik: 'deploy/traefik/dynamic.yml',
} as const;

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function exampleText(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8');
}

/**
 * The example with its placeholders (upper-case words such as PORTCULLIS_ADDR) replaced. Every value
 * must be used, and no placeholder may be left: a renamed placeholder fails the test, not the proxy.
 */
export function fillIn(text: string, values: Record<string, string>): string {
  let out = text;
  for (const [name, value] of Object.entries(values)) {
    const pattern = new RegExp(`\\b${name}\\b`, 'g');
    if (!pattern.test(out)) throw new Error(`placeholder ${name} is not in the example`);
    out = out.replace(pattern, value);
  }
  // placeholders are only written in the configuration lines, never in comments
  const left = out
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .match(/\b(?:APP|PORTCULLIS)_[A-Z]+\b|\bLISTEN\b(?=;)/g);
  if (left !== null) throw new Error(`placeholders left in the example: ${left.join(', ')}`);
  return out;
}

const BINARIES = { nginx: ['nginx', '/usr/sbin/nginx'], caddy: ['caddy', '/usr/bin/caddy'] } as const;

/** The proxy's binary (on the PATH, or where Debian puts it), or null. */
export function findProxy(name: keyof typeof BINARIES): string | null {
  for (const candidate of BINARIES[name]) {
    try {
      const found = execFileSync('sh', ['-c', `command -v ${candidate}`], { encoding: 'utf8', stdio: 'pipe' }).trim();
      if (found) return found;
    } catch {
      // not there: try the next one
    }
  }
  return null;
}

/** The binary's path; otherwise skips the test (or fails it in CI) and returns null. */
export function requireProxy(name: keyof typeof BINARIES, t: TestContext): string | null {
  const found = findProxy(name);
  if (found !== null) return found;
  missing(`${name} not installed (apt-get install ${name === 'nginx' ? 'nginx-light' : 'caddy'})`, t);
  return null;
}

export interface RunningProxy {
  /** the loopback port the proxy serves the app on */
  readonly port: number;
  /** what the proxy wrote (its error log, or its output) */
  output(): string;
  stop(): Promise<void>;
}

/** A proxy run as a process of its own. */
export interface ProxyProcess extends RunningProxy {
  /** the process started (nginx: the master, whose children are its workers) */
  readonly pid: number;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const proc of running) proc.kill('SIGKILL');
});

/**
 * Starts `command` and waits, up to a bounded deadline, until the port accepts connections; fails at
 * once if the process exits first. `files()` gives what to show when it does not start.
 */
async function launch(
  command: string,
  args: string[],
  opts: { port: number; cwd: string; env?: NodeJS.ProcessEnv; log: () => string },
): Promise<{ proc: ChildProcess; output: () => string }> {
  const proc = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let printed = '';
  const keep = (chunk: Buffer) => {
    printed = (printed + chunk.toString()).slice(-20_000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  let exited = false;
  proc.once('exit', () => {
    exited = true;
    running.delete(proc);
  });
  proc.once('error', (err) => {
    exited = true;
    printed += String(err);
  });
  running.add(proc);
  const output = () => `${printed}${opts.log()}`;
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${command} exited before serving port ${opts.port}:\n${output()}`);
    if (await portOpen(opts.port, '127.0.0.1', 200)) return { proc, output };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  proc.kill('SIGKILL');
  throw new Error(`${command} did not serve port ${opts.port}:\n${output()}`);
}

async function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = once(proc, 'exit');
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** A free loopback port may be taken between probing and binding: a few attempts. */
async function onFreePort<T>(start: (port: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePort());
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/**
 * nginx (in the foreground, one worker) serving the example `server` block, included in a minimal
 * nginx.conf whose logs, pid and temporary files live in a temporary directory.
 */
export function startNginx(
  binary: string,
  values: { portcullis: string; app: string; host: string },
): Promise<ProxyProcess> {
  return startNginxSite(binary, (listen) =>
    fillIn(exampleText(EXAMPLES.nginx), {
      PORTCULLIS_ADDR: values.portcullis,
      APP_ADDR: values.app,
      APP_HOST: values.host,
      LISTEN: listen,
    }),
  );
}

/** nginx serving `site(listen)` (the `http` level: upstream and server blocks) on a free loopback port. */
export async function startNginxSite(binary: string, site: (listen: string) => string): Promise<ProxyProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-nginx-'));
  mkdirSync(join(dir, 'temp'));
  const errorLog = join(dir, 'error.log');
  return onFreePort(async (port) => {
    writeFileSync(join(dir, 'site.conf'), site(`127.0.0.1:${port}`));
    const temp = (name: string) => `${name}_temp_path ${join(dir, 'temp', name)};`;
    writeFileSync(
      join(dir, 'nginx.conf'),
      [
        // the master runs as root here (containers): the worker too, so that it can use the temporary directory
        runningAsRoot() ? 'user root;' : '',
        'worker_processes 1;',
        `error_log ${errorLog} info;`,
        'events { worker_connections 256; }',
        'http {',
        '  access_log off;',
        `  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp).join('\n  ')}`,
        `  include ${join(dir, 'site.conf')};`,
        '}',
        '',
      ].join('\n'),
    );
    const { proc, output } = await launch(
      binary,
      ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', errorLog, '-g', `daemon off; pid ${join(dir, 'nginx.pid')};`],
      { port, cwd: dir, log: () => readOr(errorLog) },
    );
    return {
      port,
      pid: proc.pid as number,
      output,
      async stop() {
        await stopProcess(proc);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  });
}

/**
 * Caddy serving the example Caddyfile. The test's own global options come first: no admin endpoint,
 * listeners on loopback only; Caddy's data and configuration folders are in a temporary directory.
 */
export async function startCaddy(
  binary: string,
  values: { portcullis: string; app: string; host: string },
): Promise<ProxyProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-caddy-'));
  return onFreePort(async (port) => {
    const site = fillIn(exampleText(EXAMPLES.caddy), {
      PORTCULLIS_ADDR: values.portcullis,
      APP_ADDR: values.app,
      APP_SITE: `http://${values.host}:${port}`,
    });
    const file = join(dir, 'Caddyfile');
    writeFileSync(file, `{\n\tadmin off\n\tdefault_bind 127.0.0.1\n}\n\n${site}`);
    const env = { ...process.env, HOME: dir, XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config') };
    const { proc, output } = await launch(binary, ['run', '--config', file, '--adapter', 'caddyfile'], {
      port,
      cwd: dir,
      env,
      log: () => '',
    });
    return {
      port,
      pid: proc.pid as number,
      output,
      async stop() {
        await stopProcess(proc);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  });
}
