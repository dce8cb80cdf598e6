import type { TLSSocket } from 'node:tls';
import { buildConnector, Pool } from 'undici';
import type { AppRuntime } from '../state.ts';
import type { UpstreamSettings } from './upstream-settings.ts';

/**
 * A connector that admits only a pinned certificate. A pinned certificate is the trust itself: it
 * need not chain to a CA or carry the upstream's name, so chain and name checks are off, and the
 * fingerprint of the certificate the upstream shows is compared once the handshake is done; any
 * other certificate closes the connection before a byte of the request is sent (502). TLS sessions
 * are not resumed, so every connection shows its certificate.
 */
function pinnedConnector(options: buildConnector.BuildOptions, pins: readonly string[]): buildConnector.connector {
  const connect = buildConnector({ ...options, rejectUnauthorized: false, maxCachedSessions: 0 });
  return (opts, callback) =>
    connect(opts, (error, socket) => {
      if (error !== null) return callback(error, null);
      const fingerprint = (socket as TLSSocket).getPeerCertificate?.().fingerprint256;
      if (fingerprint !== undefined && pins.includes(fingerprint)) return callback(null, socket);
      socket.destroy();
      callback(
        Object.assign(new Error('the upstream certificate is not one of the pinned certificates'), {
          code: 'ERR_PORTCULLIS_PIN',
        }),
        null,
      );
    });
}

function makePool(origin: string, s: UpstreamSettings): Pool {
  const tls = s.tls;
  const connect = {
    timeout: s.connectTimeoutMs,
    ...(tls.ca !== null ? { ca: tls.ca } : {}),
    ...(tls.serverName !== null ? { servername: tls.serverName } : {}),
  };
  return new Pool(origin, {
    connections: s.connections,
    // keep_alive 0: a connection per request (undici's pipelining 0 closes each after its answer)
    ...(s.keepAliveMs > 0
      ? { pipelining: 1, keepAliveTimeout: s.keepAliveMs, keepAliveMaxTimeout: s.keepAliveMs }
      : { pipelining: 0 }),
    headersTimeout: s.headersTimeoutMs,
    bodyTimeout: s.bodyTimeoutMs,
    connect: tls.pins.length > 0 ? pinnedConnector(connect, tls.pins) : connect,
  });
}

/**
 * The connection pools towards the upstreams, one per upstream origin and settings, shared by the
 * apps that name the same ones and kept across reloads (connections stay warm). A pool no app of
 * the current or the previous configuration uses is closed gracefully (its requests finish).
 */
export class UpstreamPools {
  readonly #byKey = new Map<string, Pool>();
  readonly #byApp = new WeakMap<AppRuntime, Pool>();
  #apps: readonly AppRuntime[] = [];
  #previous: readonly AppRuntime[] = [];

  /** The pool of `app`, one of `apps` (the configuration the request was judged by). */
  poolFor(app: AppRuntime, apps: readonly AppRuntime[]): Pool {
    const known = this.#byApp.get(app);
    if (known !== undefined) return known;
    if (apps !== this.#apps) this.#swap(apps);
    const key = keyOf(app);
    let pool = this.#byKey.get(key);
    if (pool === undefined) {
      pool = makePool(app.upstream, app.upstreamSettings);
      this.#byKey.set(key, pool);
    }
    this.#byApp.set(app, pool);
    return pool;
  }

  #swap(apps: readonly AppRuntime[]): void {
    this.#previous = this.#apps;
    this.#apps = apps;
    const used = new Set([...apps, ...this.#previous].map(keyOf));
    for (const [key, pool] of this.#byKey) {
      if (used.has(key)) continue;
      this.#byKey.delete(key);
      pool.close().catch(() => {});
    }
  }

  async close(): Promise<void> {
    const pools = [...this.#byKey.values()];
    this.#byKey.clear();
    await Promise.all(pools.map((p) => p.destroy().catch(() => {})));
  }
}

function keyOf(app: AppRuntime): string {
  return `${app.upstream} ${JSON.stringify(app.upstreamSettings)}`;
}
