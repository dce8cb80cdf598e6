/**
 * Forward-auth as a target: Debian's nginx running the documented example
 * (deploy/nginx/portcullis-forward-auth.conf, through test/helpers/proxies.ts) in front of the
 * upstream, asking an auth service before every request with `auth_request`:
 *
 *   (g) the trivial auth service (bench/trivial-auth.ts: a cookie looked up in a Map, 204), the reference;
 *   (h) Portcullis (bench/target.ts portcullis-authz: the benchmark's configuration, loopback trusted).
 *
 * The same nginx configuration for both, so the ratio h/g is the cost of the service asked. The CPU
 * column is "all in": nginx (its master and its one worker, from /proc) plus the auth service.
 */
import { findProxy, startNginx } from '../test/helpers/proxies.ts';
import { type Child, startChild } from './child.ts';
import { pin } from './pin.ts';
import { childPids, processCpuMicros } from './proc-stat.ts';
import type { ServedTarget } from './served-target.ts';
import { APP_HOST } from './shared.ts';

/** nginx's binary, or null when it is not installed (the forward-auth targets are then skipped). */
export function nginxBinary(): string | null {
  return findProxy('nginx');
}

export async function startForwardAuthTarget(opts: {
  service: 'trivial' | 'portcullis';
  upstream: string;
  nginx: string;
  /** the CPUs of the serving processes (taskset -c), null when not pinning */
  cpus: string | null;
}): Promise<ServedTarget> {
  const child: Child =
    opts.service === 'trivial'
      ? await startChild('trivial-auth.ts', [], { cpus: opts.cpus })
      : await startChild('target.ts', ['portcullis-authz', opts.upstream], { cpus: opts.cpus });
  const cookieName = child.ready.cookieName;
  if (cookieName === undefined) {
    await child.close();
    throw new Error(`the ${opts.service} auth service did not report its cookie name`);
  }
  let nginx: Awaited<ReturnType<typeof startNginx>>;
  try {
    nginx = await startNginx(opts.nginx, {
      portcullis: `127.0.0.1:${child.ready.port}`,
      app: new URL(opts.upstream).host,
      host: APP_HOST,
    });
  } catch (err) {
    await child.close();
    throw err;
  }
  const nginxPids = [nginx.pid, ...childPids(nginx.pid)];
  const close = async () => {
    await nginx.stop();
    await child.close();
  };
  try {
    for (const pid of nginxPids) pin(pid, opts.cpus);
  } catch (err) {
    await close();
    throw err;
  }
  const service = opts.service === 'trivial' ? 'auth' : 'portcullis';
  return {
    port: nginx.port,
    cookieName,
    auth: { kind: 'forward-auth', portcullis: opts.service === 'portcullis' },
    verifyRepeat: 1,
    async cpu() {
      let nginxMicros = 0;
      for (const pid of nginxPids) {
        const micros = processCpuMicros(pid);
        if (micros === null) return null;
        nginxMicros += micros;
      }
      return { nginx: nginxMicros, [service]: await child.cpu() };
    },
    check() {},
    close,
  };
}
