import type { IncomingHttpHeaders } from 'node:http';
import httpProxy from '@fastify/http-proxy';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { canonicalPeer } from '../context/client-ip.ts';
import { refuse } from '../gate/respond.ts';
import { stripCookies } from './strip-headers.ts';

type Headers = Record<string, string | string[] | undefined>;

/**
 * Hop-by-hop headers that mean nothing past the gateway (RFC 9110 7.6.1) and that undici
 * refuses outright: forwarded as they came, `Expect: 100-continue` (curl sends it for any
 * body over 1 KiB), `Keep-Alive` or a stray `Upgrade` would turn a good request into a 502.
 * Node has already answered any 100-continue; real upgrades take the WebSocket path.
 */
const HOP_BY_HOP = ['upgrade', 'keep-alive', 'proxy-connection', 'expect'] as const;

/**
 * What the upstream sees: the client's headers minus anything that could pass for an
 * identity (any spelling), minus the gateway's own cookies, plus X-Forwarded-* written by the
 * gateway and the identity headers the gate computed. Used for HTTP and WebSocket alike.
 */
export function upstreamHeaders(request: FastifyRequest, incoming: Headers): Headers {
  const pc = request.pc;
  const app = pc.app;
  if (app === null) throw new TypeError('upstreamHeaders called for a request without an app');
  app.stripIdentityHeaders(incoming);
  for (const h of HOP_BY_HOP) delete incoming[h];
  const cookie = stripCookies(typeof incoming.cookie === 'string' ? incoming.cookie : undefined, pc.state.ownCookies);
  if (cookie === undefined) delete incoming.cookie;
  else incoming.cookie = cookie;

  const peer = request.raw.socket.remoteAddress ?? '';
  const prior = request.headers['x-forwarded-for'];
  // A prior X-Forwarded-For is kept only when the peer is a trusted proxy. Asked in that order:
  // without a prior header the answer is `peer` whatever the peer is, and contains() parses the
  // address on every call (the hot path usually has no prior header and no trusted proxies). The
  // peer is read as client-ip.ts reads it (zone id dropped), so the two always agree.
  incoming['x-forwarded-for'] =
    prior && pc.state.trustedProxies.contains(canonicalPeer(peer) ?? '')
      ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${peer}`
      : peer;
  incoming['x-forwarded-proto'] = pc.proto;
  incoming['x-forwarded-host'] = pc.origin.slice(pc.proto.length + 3);
  delete incoming.forwarded;
  if (pc.upstreamHeaders !== undefined) Object.assign(incoming, pc.upstreamHeaders);
  return incoming;
}

export interface UpstreamOptions {
  /** undici pool options towards the upstreams */
  readonly connections?: number;
  readonly pipelining?: number;
}

/**
 * Proxies every request the gate let through to its app's upstream, with @fastify/http-proxy
 * for HTTP and WebSocket. One registration serves every app: the upstream is chosen per
 * request from the state the request was judged by, so a reload takes effect at once.
 * The gate runs as this context's onRequest hook, before any byte reaches an upstream
 * (WebSocket upgrades included).
 */
export async function registerUpstreams(
  app: FastifyInstance,
  gate: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
  options: UpstreamOptions = {},
): Promise<void> {
  await app.register(async (scope) => {
    scope.addHook('onRequest', gate);
    await scope.register(httpProxy, {
      upstream: '',
      websocket: true,
      undici: {
        connections: options.connections ?? 256,
        pipelining: options.pipelining ?? 1,
        keepAliveTimeout: 60_000,
        keepAliveMaxTimeout: 600_000,
      },
      disableRequestLogging: true,
      replyOptions: {
        getUpstream: ((request: FastifyRequest) => request.pc.app?.upstream ?? 'http://127.0.0.1:1') as never,
        rewriteRequestHeaders: ((request: FastifyRequest, headers: IncomingHttpHeaders) =>
          upstreamHeaders(request, headers as Headers) as IncomingHttpHeaders) as never,
        onError: ((reply: FastifyReply, { error }: { error: Error }) => {
          reply.request.log.warn(
            {
              app: reply.request.pc.app?.name,
              err: { code: (error as NodeJS.ErrnoException).code, message: error.message },
            },
            'upstream error',
          );
          refuse(reply.request, reply, 502, 'bad_gateway', 'errors.badGateway');
        }) as never,
      },
      wsClientOptions: {
        // typed loosely upstream: the plugin supports rewriteRequestHeaders(headers, request) here
        ...({
          rewriteRequestHeaders: (_headers: Headers, request: FastifyRequest) => {
            // ws sets its own handshake headers; pass the client's others through the same filter
            const copy: Headers = { ...request.headers };
            for (const h of [
              'host',
              'connection',
              'upgrade',
              'sec-websocket-key',
              'sec-websocket-version',
              'sec-websocket-extensions',
              'sec-websocket-protocol',
              'content-length',
              'transfer-encoding',
            ])
              delete copy[h];
            return upstreamHeaders(request, copy);
          },
        } as object),
      },
    });
  });
}
