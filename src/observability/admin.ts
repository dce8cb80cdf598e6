/**
 * The admin server: a separate Fastify app, listening on its own (usually internal) address,
 * never on the proxied port.
 *
 *   GET /healthz  200 {"status":"ok"} while the process runs (liveness); GET /livez the same
 *   GET /readyz   200 {"ready":true,"checks":{...}} or 503 {"ready":false,"checks":{...}}
 *   GET /metrics  Prometheus text exposition of the gateway's registry
 *   /api/v1/...   the admin API, when given (admin/api-routes.ts), with its OpenAPI document
 *
 * The readiness function is itself bounded (readyTimeoutMs): one that hangs or rejects answers
 * 503. Unknown routes answer 404 JSON; a request that fails its schema 400 `bad_request`; errors
 * answer a generic 500 JSON without details.
 * Requests are not logged (scrapes and probes would flood the log).
 */
import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { pino } from 'pino';
import type { AdminApiDeps } from '../admin/api-common.ts';
import { registerAdminApi } from '../admin/api-routes.ts';
import { systemRandom } from '../random.ts';
import type { Metrics } from './metrics.ts';
import { type CheckStatus, checkWithin, type Readiness, type ReadinessCheck } from './readiness.ts';
import { requestIds } from './request-id.ts';

export interface AdminDeps {
  metrics: Pick<Metrics, 'registry'>;
  readiness: ReadinessCheck;
  logger: pino.Logger;
  /** Upper bound on the whole readiness function (default 2 s). */
  readyTimeoutMs?: number;
  /** the admin API under /api/v1 (left out: only the probes and metrics) */
  api?: AdminApiDeps;
}

const readySchema = {
  type: 'object',
  required: ['ready', 'checks'],
  properties: {
    ready: { type: 'boolean' },
    checks: { type: 'object', additionalProperties: { type: 'string', enum: ['ok', 'down'] } },
  },
} as const;

export function buildAdminServer(deps: AdminDeps): FastifyInstance {
  const loggerInstance: FastifyBaseLogger = deps.logger.child({ component: 'admin' });
  const app = Fastify({
    loggerInstance,
    // the same short random ids as the gateway's: an admin action's audit row carries its request's
    requestIdHeader: false,
    genReqId: requestIds(deps.api?.random ?? systemRandom),
    logController: new LogController({ disableRequestLogging: true }),
    // a user name may be up to 128 characters before folding (the route schema bounds it)
    routerOptions: { maxParamLength: 1024 },
    // a body or query with a key its schema does not know is refused (400), never silently trimmed
    ajv: { customOptions: { removeAdditional: false } },
  });
  const readyTimeoutMs = deps.readyTimeoutMs ?? 2000;

  // liveness: the process alone, whatever the stores say (/livez is the name the contract uses)
  for (const url of ['/healthz', '/livez']) {
    app.get(
      url,
      {
        schema: {
          response: {
            200: { type: 'object', required: ['status'], properties: { status: { type: 'string' } } },
          },
        },
      },
      async () => ({ status: 'ok' }),
    );
  }

  app.get('/readyz', { schema: { response: { 200: readySchema, 503: readySchema } } }, async (_req, reply) => {
    let answer: Readiness | undefined;
    const status: CheckStatus = await checkWithin(async () => {
      answer = await deps.readiness();
    }, readyTimeoutMs);
    const result: Readiness = status === 'ok' && answer ? answer : { ready: false, checks: {} };
    return reply.code(result.ready === true ? 200 : 503).send(result);
  });

  app.get('/metrics', { schema: { response: { 200: { type: 'string' } } } }, async (_req, reply) => {
    const body = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(body);
  });

  if (deps.api) {
    app.register(swagger, {
      openapi: {
        info: { title: 'Portcullis admin API', version: '1' },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
        security: [{ bearer: [] }],
      },
    });
    registerAdminApi(app, deps.api);
  }

  app.setNotFoundHandler({}, (_req, reply) => {
    reply.code(404).send({ error: 'not found' });
  });

  app.setErrorHandler((err, req, reply) => {
    const status = (err as { statusCode?: unknown }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      reply.code(status).send({ error: 'bad_request' });
      return;
    }
    req.log.error({ err }, 'admin request failed');
    reply.code(500).send({ error: 'internal error' });
  });

  return app;
}
