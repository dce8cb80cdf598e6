import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { clientAddress } from '../context/client-ip.ts';
import { originOf, type ParsedHost, parseHost } from '../routing/host-table.ts';
import type { GatewayState } from '../state.ts';
import { judgedOf } from './hand-over.ts';
import type { RequestContext } from './request-context.ts';
import { refuse } from './respond.ts';

/**
 * First step of every request: which state judges it, which host and app it is for, and who
 * the client is (X-Forwarded-* believed only from trusted proxies). An unknown host is a 404
 * before anything else runs; the portal host is always served.
 */
const HOST_CACHE_LIMIT = 1024;

/** The context of a request, and why it is refused before anything else runs, if it is. */
export interface Identified {
  readonly pc: RequestContext;
  readonly refusal: 'bad_host' | 'unknown_host' | null;
}

export type Identify = (state: GatewayState, raw: IncomingMessage) => Identified;

/** A Host header as parsed, with the origin it gives under each scheme. */
interface KnownHost {
  readonly parsed: ParsedHost;
  readonly http: string;
  readonly https: string;
}

export function makeIdentifier(tls: boolean): Identify {
  // Host header -> parsed host and its origins; neither depends on the state, so they survive reloads
  const hostCache = new Map<string, KnownHost>();
  const proto = tls ? ('https' as const) : ('http' as const);
  return (state, raw) => {
    const headers = raw.headers;
    const addr = clientAddress(raw.socket.remoteAddress, headers, state.trustedProxies, {
      proto,
      host: headers.host ?? '',
    });
    let known: KnownHost | null | undefined = hostCache.get(addr.host);
    if (known === undefined) {
      const parsed = addr.host ? parseHost(addr.host) : null;
      known = parsed === null ? null : { parsed, http: originOf('http', parsed), https: originOf('https', parsed) };
      // remember only hosts this gateway serves, a bounded number of them (hostile hosts are not kept)
      if (
        known !== null &&
        hostCache.size < HOST_CACHE_LIMIT &&
        (state.hosts.lookupHostname(known.parsed.hostname) !== undefined || known.parsed.hostname === state.portalHost)
      ) {
        hostCache.set(addr.host, known);
      }
    }
    if (known === null) {
      return { pc: { state, host: '', app: null, ip: addr.ip, proto: addr.proto, origin: '' }, refusal: 'bad_host' };
    }
    const parsed = known.parsed;
    const app = state.hosts.lookupHostname(parsed.hostname) ?? null;
    const origin = known[addr.proto];
    const pc: RequestContext = { state, host: parsed.hostname, app, ip: addr.ip, proto: addr.proto, origin };
    // forward-auth is asked by a proxy under its own name; it judges the URL the proxy describes
    const unknown = app === null && parsed.hostname !== state.portalHost && !raw.url?.startsWith('/.portcullis/authz');
    return { pc, refusal: unknown ? 'unknown_host' : null };
  };
}

/** The identify step as Fastify's first onRequest hook. */
export function makeIdentify(getState: () => GatewayState, identifier: Identify) {
  // callback style: no promise per request on the hot path
  return function identify(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    // handed over by the proxied path, which identified it already
    const judged = judgedOf(request.raw);
    if (judged !== undefined) {
      request.pc = judged.pc;
      done();
      return;
    }
    const { pc, refusal } = identifier(getState(), request.raw);
    request.pc = pc;
    if (refusal === 'bad_host') refuse(request, reply, 400, 'bad_host', 'errors.badHost');
    else if (refusal === 'unknown_host') refuse(request, reply, 404, 'unknown_host', 'errors.unknownHost');
    else done();
  };
}
