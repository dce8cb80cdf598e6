import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { clientAddress } from '../context/client-ip.ts';
import { type ParsedHost, parseHost } from '../routing/host-table.ts';
import type { GatewayState } from '../state.ts';
import { refuse } from './respond.ts';

/**
 * First step of every request: which state judges it, which host and app it is for, and who
 * the client is (X-Forwarded-* believed only from trusted proxies). An unknown host is a 404
 * before anything else runs; the portal host is always served.
 */
const HOST_CACHE_LIMIT = 1024;

export function makeIdentify(getState: () => GatewayState, tls: boolean) {
  // Host header -> parsed host; the parse does not depend on the state, so it survives reloads
  const hostCache = new Map<string, ParsedHost>();
  // callback style: no promise per request on the hot path
  return function identify(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const state = getState();
    const direct = { proto: tls ? ('https' as const) : ('http' as const), host: request.headers.host ?? '' };
    const addr = clientAddress(request.raw.socket.remoteAddress, request.headers, state.trustedProxies, direct);
    let parsed: ParsedHost | null | undefined = hostCache.get(addr.host);
    if (parsed === undefined) {
      parsed = addr.host ? parseHost(addr.host) : null;
      // remember only hosts this gateway serves, a bounded number of them (hostile hosts are not kept)
      if (
        parsed !== null &&
        hostCache.size < HOST_CACHE_LIMIT &&
        (state.hosts.lookupHostname(parsed.hostname) !== undefined || parsed.hostname === state.portalHost)
      ) {
        hostCache.set(addr.host, parsed);
      }
    }
    if (parsed === null) {
      request.pc = { state, host: '', app: null, ip: addr.ip, proto: addr.proto, origin: '' };
      refuse(request, reply, 400, 'bad_host', 'errors.badHost');
      return;
    }
    const app = state.hosts.lookupHostname(parsed.hostname) ?? null;
    const defaultPort = addr.proto === 'https' ? 443 : 80;
    const origin = `${addr.proto}://${parsed.hostname}${parsed.port === null || parsed.port === defaultPort ? '' : `:${parsed.port}`}`;
    request.pc = { state, host: parsed.hostname, app, ip: addr.ip, proto: addr.proto, origin };
    // forward-auth is asked by a proxy under its own name; it judges the URL the proxy describes
    if (app === null && parsed.hostname !== state.portalHost && !request.url.startsWith('/.portcullis/authz')) {
      refuse(request, reply, 404, 'unknown_host', 'errors.unknownHost');
      return;
    }
    done();
  };
}
