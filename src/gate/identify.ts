import type { FastifyReply, FastifyRequest } from 'fastify';
import { clientAddress } from '../context/client-ip.ts';
import { parseHost } from '../routing/host-table.ts';
import type { GatewayState } from '../state.ts';
import { refuse } from './respond.ts';

/**
 * First step of every request: which state judges it, which host and app it is for, and who
 * the client is (X-Forwarded-* believed only from trusted proxies). An unknown host is a 404
 * before anything else runs; the portal host is always served.
 */
export function makeIdentify(getState: () => GatewayState, tls: boolean) {
  return async function identify(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const state = getState();
    const direct = { proto: tls ? ('https' as const) : ('http' as const), host: request.headers.host ?? '' };
    const addr = clientAddress(request.raw.socket.remoteAddress, request.headers, state.trustedProxies, direct);
    const parsed = addr.host ? parseHost(addr.host) : null;
    if (parsed === null) {
      request.pc = { state, host: '', app: null, ip: addr.ip, proto: addr.proto, origin: '' };
      return refuse(request, reply, 400, 'bad_host', 'The Host header is missing or malformed.');
    }
    const app = state.hosts.lookupHostname(parsed.hostname) ?? null;
    const defaultPort = addr.proto === 'https' ? 443 : 80;
    const origin = `${addr.proto}://${parsed.hostname}${parsed.port === null || parsed.port === defaultPort ? '' : `:${parsed.port}`}`;
    request.pc = { state, host: parsed.hostname, app, ip: addr.ip, proto: addr.proto, origin };
    // forward-auth is asked by a proxy under its own name; it judges the URL the proxy describes
    if (app === null && parsed.hostname !== state.portalHost && !request.url.startsWith('/.portcullis/authz')) {
      return refuse(request, reply, 404, 'unknown_host', 'This gateway does not serve that host.');
    }
    return undefined;
  };
}
