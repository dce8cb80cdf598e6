import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import type { AuditLog } from './audit/audit.ts';
import type { PortalDeps } from './authn/deps.ts';
import { portal } from './authn/portal.ts';
import type { Clock } from './clock.ts';
import { StoreUnavailableError } from './errors.ts';
import { makeGate } from './gate/gate.ts';
import { judgedOf } from './gate/hand-over.ts';
import { makeIdentifier, makeIdentify } from './gate/identify.ts';
import { lazyChildLogger } from './observability/lazy-logger.ts';
import './gate/request-context.ts';
import type pino from 'pino';
import { refuse } from './gate/respond.ts';
import type { Metrics } from './observability/metrics.ts';
import { requestIds } from './observability/request-id.ts';
import type { AssertionSigner } from './proxy/assertion.ts';
import { makeProxiedPath } from './proxy/proxied-path.ts';
import { registerUpstreams } from './proxy/upstream.ts';
import { UpstreamPools } from './proxy/upstream-pools.ts';
import type { SessionStore } from './session/session-store.ts';

export interface GatewayDeps extends PortalDeps {
  readonly logger: pino.Logger;
  readonly clock: Clock;
  readonly sessions: SessionStore;
  readonly audit: AuditLog;
  readonly metrics: Metrics;
  readonly signer: () => AssertionSigner;
  readonly tls?: { cert: Buffer; key: Buffer };
}

/**
 * Builds the gateway: its server hands every request to the proxied path first
 * (proxy/proxied-path.ts: identify -> judge -> upstream, for requests that pass), and the rest to
 * the Fastify app. Registration follows the request path and holds no logic: identify (host, app,
 * client) -> portal routes under /.portcullis/ -> gate (session, policy) -> upstream proxy.
 */
export async function buildGateway(deps: GatewayDeps): Promise<FastifyInstance> {
  const identifier = makeIdentifier(deps.tls !== undefined);
  const judgeDeps = {
    sessions: deps.sessions,
    clock: deps.clock,
    audit: deps.audit,
    metrics: deps.metrics,
    signer: deps.signer,
  };
  const nextId = requestIds(deps.random);
  const pools = new UpstreamPools();
  let closing = false;
  const proxied = makeProxiedPath({
    current: deps.current,
    identify: identifier,
    judge: judgeDeps,
    logger: deps.logger,
    requestId: nextId,
    pools,
    closing: () => closing,
  });
  const app = Fastify({
    // the server is Fastify's as Fastify would make it, with the proxied path in front
    serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void, options: FastifyServerOptions) => {
      proxied.setFastify(handler);
      const server = deps.tls
        ? createHttpsServer({ cert: deps.tls.cert, key: deps.tls.key }, proxied.take)
        : createHttpServer(proxied.take);
      server.keepAliveTimeout = options.keepAliveTimeout as number;
      server.requestTimeout = options.requestTimeout as number;
      server.setTimeout(options.connectionTimeout as number);
      return server;
    },
    loggerInstance: deps.logger,
    logController: new LogController({ disableRequestLogging: true }),
    // a request's child logger is made only if the request logs (most never do)
    childLoggerFactory: lazyChildLogger,
    trustProxy: false,
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
    // a short random id per request, never the client's: shown on refusals, logged, in the audit rows
    requestIdHeader: false,
    // (a request the proxied path hands over keeps the id it has in the audit and the log)
    genReqId: (raw) => judgedOf(raw)?.id ?? nextId(),
    // a path Fastify cannot even decode gets the gateway's own 400, like every refused path
    frameworkErrors: (error, request, reply) => {
      const bad = (error as { code?: string }).code === 'FST_ERR_BAD_URL';
      // before identify ran: the MSP's brand
      request.pc ??= { state: deps.current(), host: '', app: null, ip: null, proto: 'http', origin: '' };
      refuse(request as never, reply as never, 400, bad ? 'bad_path' : 'bad_request', 'errors.badRequest');
    },
    // unknown keys are an error, never silently dropped
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
    // (the server is made above; this tells Fastify its addresses are https)
    ...(deps.tls ? { https: { cert: deps.tls.cert, key: deps.tls.key } } : {}),
  }) as unknown as FastifyInstance;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onClose', async () => {
    await pools.close();
  });

  app.decorateRequest('pc', null as never);
  app.addHook('onRequest', makeIdentify(deps.current, identifier));

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof StoreUnavailableError) {
      request.log.error({ err: { code: error.code, message: error.message } }, 'store unavailable');
      deps.metrics.observeStoreError('any');
      return refuse(request, reply, 503, 'unavailable', 'errors.unavailable');
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      const code = (error as { validation?: unknown }).validation
        ? 'bad_request'
        : ((error as { code?: string }).code ?? 'bad_request');
      return reply
        .code(status)
        .header('cache-control', 'no-store')
        .send({
          error: code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'unsupported_media_type' : 'bad_request',
          message: (error as Error).message,
          request_id: request.id,
        });
    }
    request.log.error({ err: error }, 'request failed');
    return reply
      .code(500)
      .header('cache-control', 'no-store')
      .send({ error: 'internal', message: 'Something went wrong.', request_id: request.id });
  });

  await app.register(portal(deps), { prefix: '/.portcullis' });
  await registerUpstreams(app, makeGate(judgeDeps));

  app.addHook('onResponse', (request, reply, done) => {
    const pc = request.pc;
    // a request the gate let through to the upstream (challenges and refusals are not upstream times)
    if (pc?.app && pc.passed && reply.statusCode < 500) {
      deps.metrics.observeUpstream(pc.app.name, reply.elapsedTime / 1000);
    }
    done();
  });
  return app;
}
