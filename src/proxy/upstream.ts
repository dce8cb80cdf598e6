import type { IncomingHttpHeaders } from 'node:http';
import httpProxy from '@fastify/http-proxy';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { refuse } from '../gate/respond.ts';
import { endToEndRequestHeaders, type Headers, upstreamHeaders } from './request-headers.ts';
import { endToEndResponseHeaders } from './response-headers.ts';
import { WS_UPSTREAM_APP, wsUpstreamConnection } from './ws-upstream-connection.ts';

/**
 * Fastify's proxy route, with @fastify/http-proxy: WebSocket upgrades, and the requests the
 * proxied path (proxied-path.ts) does not take. One registration serves every app: the upstream is
 * chosen per request from the state the request was judged by, so a reload takes effect at once.
 * The gate runs as this context's onRequest hook, before any byte reaches an upstream.
 */
export async function registerUpstreams(
  app: FastifyInstance,
  gate: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
): Promise<void> {
  await app.register(async (scope) => {
    scope.addHook('onRequest', gate);
    await scope.register(httpProxy, {
      upstream: '',
      websocket: true,
      undici: {
        connections: 256,
        pipelining: 1,
        keepAliveTimeout: 60_000,
        keepAliveMaxTimeout: 600_000,
      },
      disableRequestLogging: true,
      replyOptions: {
        getUpstream: ((request: FastifyRequest) => request.pc.app?.upstream ?? 'http://127.0.0.1:1') as never,
        rewriteHeaders: ((headers: Record<string, unknown>) => endToEndResponseHeaders(headers)) as never,
        rewriteRequestHeaders: ((request: FastifyRequest, headers: IncomingHttpHeaders) =>
          upstreamHeaders(request.raw, request.pc, endToEndRequestHeaders(headers)) as IncomingHttpHeaders) as never,
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
        // a wss:// upstream with its app's TLS options (CA, server name, pins)
        createConnection: wsUpstreamConnection as never,
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
            const headers = upstreamHeaders(request.raw, request.pc, copy);
            return Object.assign(headers, { [WS_UPSTREAM_APP]: request.pc.app });
          },
        } as object),
      },
    });
  });
}
