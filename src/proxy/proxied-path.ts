import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { FastifyBaseLogger } from 'fastify';
import { decideAuthz, type LoginAnswer, passHeaders } from '../gate/authz-decision.ts';
import { handOver, type Judged } from '../gate/hand-over.ts';
import type { Identify } from '../gate/identify.ts';
import { type JudgeDeps, judge, type Outcome, type Target } from '../gate/judge.ts';
import { normalizePath } from '../gate/normalize-path.ts';
import type { JudgedRequest, RequestContext } from '../gate/request-context.ts';
import { LazyRequestLogger } from '../observability/lazy-logger.ts';
import type { AppRuntime, GatewayState } from '../state.ts';
import { Forwarding, type ForwardingEnd } from './forwarding.ts';
import { endToEndRequestHeaders, upstreamHeaders } from './request-headers.ts';
import type { UpstreamPools } from './upstream-pools.ts';

export interface ProxiedPathDeps {
  readonly current: () => GatewayState;
  readonly identify: Identify;
  readonly judge: JudgeDeps;
  readonly logger: FastifyBaseLogger;
  readonly requestId: () => string;
  readonly pools: UpstreamPools;
  /** the gateway is shutting down: Fastify answers (503) */
  readonly closing: () => boolean;
}

/** The methods the proxy route of Fastify serves; any other goes to Fastify, which knows what to answer. */
const METHODS = new Set(['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT', 'OPTIONS']);
/** Anything that could be the portal's (its prefix, in any case or encoding) is Fastify's. */
const PORTAL = /portcullis/i;
/**
 * Forward-auth's questions as nginx, Caddy and Traefik ask them, taken here too: a pass is answered
 * without Fastify. Any other spelling of the address (another query, say) is Fastify's, which reads
 * it in full.
 */
const AUTHZ = new Map<string, LoginAnswer>([
  ['/.portcullis/authz', 'status'],
  ['/.portcullis/authz?login=status', 'status'],
  ['/.portcullis/authz?login=redirect', 'redirect'],
]);

type FastifyHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** A request on the proxied path, as the judge sees it: the id and the logger are made only if used. */
class ProxiedRequest implements JudgedRequest {
  #id: string | undefined;
  #log: FastifyBaseLogger | undefined;

  constructor(
    /** the identified context; forward-auth's is the described request's once it is known */
    public pc: RequestContext,
    readonly raw: IncomingMessage,
    readonly res: ServerResponse,
    readonly deps: ProxiedPathDeps,
  ) {}

  get headers(): IncomingMessage['headers'] {
    return this.raw.headers;
  }

  get id(): string {
    this.#id ??= this.deps.requestId();
    return this.#id;
  }

  /** the id if one was made (an audit row or a log line names it), for Fastify to go on with */
  get madeId(): string | undefined {
    return this.#id;
  }

  get log(): FastifyBaseLogger {
    this.#log ??= new LazyRequestLogger(this.deps.logger, { reqId: this.id }) as unknown as FastifyBaseLogger;
    return this.#log;
  }
}

/**
 * The proxied path: the server's request listener, in front of Fastify. A request for an app
 * (not the portal, not a WebSocket upgrade) is identified, normalised and judged here exactly as
 * the gate does it (gate/identify.ts, normalize-path.ts, judge.ts), and if it passes it goes
 * straight to its upstream through the app's undici pool (forwarding.ts) with the same header plan
 * (request-headers.ts): no router, no Fastify request and reply, no reply-from. Everything else is
 * Fastify's, and so is every answer the gateway writes itself: a request that does not pass is
 * handed over with its outcome (gate/hand-over.ts), and Fastify answers it with the same pages,
 * log lines and metrics, without judging it again. So the path that was judged is the path that
 * is forwarded, and the refusals are the ones Fastify always gave.
 */
export function makeProxiedPath(deps: ProxiedPathDeps) {
  const end: ForwardingEnd = {
    failed(f, status, error) {
      const view = f.opaque as ProxiedRequest;
      view.log.warn(
        { app: f.app.name, err: { code: (error as NodeJS.ErrnoException).code, message: error.message } },
        'upstream error',
      );
      respondWithFastify(view, { kind: 'upstream-failed', status });
    },
    responded(f) {
      if (f.status < 500) deps.judge.metrics.observeUpstream(f.app.name, (performance.now() - f.start) / 1000);
    },
  };

  let fastify: FastifyHandler = () => {
    throw new Error('the proxied path was not given the Fastify handler');
  };

  function respondWithFastify(view: ProxiedRequest, outcome: Judged['outcome']): void {
    handOver(view.raw, { id: view.madeId, pc: view.pc, outcome });
    fastify(view.raw, view.res);
  }

  function take(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '';
    const login = AUTHZ.get(url);
    if (login !== undefined && req.method === 'GET' && req.headers.upgrade === undefined && !deps.closing()) {
      authorize(req, res, login);
      return;
    }
    if (
      url.charCodeAt(0) !== 0x2f ||
      !METHODS.has(req.method ?? '') ||
      req.headers.upgrade !== undefined ||
      PORTAL.test(url) ||
      deps.closing()
    ) {
      fastify(req, res);
      return;
    }
    const { pc, refusal } = deps.identify(deps.current(), req);
    const app = pc.app;
    const normal = refusal === null && app !== null ? normalizePath(url) : null;
    if (app === null || normal === null || !normal.ok || PORTAL.test(normal.path)) {
      fastify(req, res);
      return;
    }
    req.url = normal.forward + normal.query;
    const start = performance.now();
    const view = new ProxiedRequest(pc, req, res, deps);
    void judgeAndForward(view, app, start, {
      path: normal.path,
      forward: normal.forward,
      query: normal.query,
      method: req.method as string,
    });
  }

  /** A forward-auth question: a pass is answered here, anything else by the forward-auth route. */
  function authorize(req: IncomingMessage, res: ServerResponse, login: LoginAnswer): void {
    const { pc, refusal } = deps.identify(deps.current(), req);
    if (refusal !== null) {
      fastify(req, res);
      return;
    }
    void answerAuthz(new ProxiedRequest(pc, req, res, deps), login);
  }

  async function answerAuthz(view: ProxiedRequest, login: LoginAnswer): Promise<void> {
    let decision: Awaited<ReturnType<typeof decideAuthz>>;
    try {
      decision = await decideAuthz(deps.judge, view, login);
    } catch (error) {
      respondWithFastify(view, { kind: 'error', error });
      return;
    }
    if (decision.kind !== 'judged' || decision.outcome.kind !== 'pass') {
      respondWithFastify(view, { kind: 'authz', decision });
      return;
    }
    const { app, outcome } = decision;
    deps.judge.metrics.observeRequest(app.name, outcome.identity === undefined ? 'allow' : 'authenticated');
    const headers = passHeaders(app, outcome.identity);
    headers['content-length'] = '0';
    view.res.writeHead(200, headers);
    view.res.end();
  }

  /** Judges, then forwards or hands over (an async function, not closures per request). */
  async function judgeAndForward(view: ProxiedRequest, app: AppRuntime, start: number, target: Target): Promise<void> {
    let outcome: Outcome;
    try {
      outcome = await judge(deps.judge, view, app, target);
    } catch (error) {
      respondWithFastify(view, { kind: 'error', error });
      return;
    }
    if (outcome.kind === 'pass') forward(view, app, start, outcome.identity);
    else respondWithFastify(view, outcome);
  }

  /** The request passed: to its upstream, with the identity the judge computed. */
  function forward(
    view: ProxiedRequest,
    app: AppRuntime,
    start: number,
    identity: Readonly<Record<string, string>> | undefined,
  ): void {
    const { pc, raw: req, res } = view;
    try {
      pc.upstreamHeaders = identity;
      deps.judge.metrics.observeRequest(app.name, identity === undefined ? 'allow' : 'authenticated');
      const headers = upstreamHeaders(req, pc, endToEndRequestHeaders(req.headers));
      const length = req.headers['content-length'];
      const body = req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
      deps.pools
        .poolFor(app, pc.state.apps)
        .dispatch(
          { path: req.url as string, method: req.method as 'GET', headers, body: body ? req : null },
          new Forwarding(req, res, app, start, end, view),
        );
    } catch (error) {
      // a request undici refuses to send (a header it will not pass on, say): the upstream saw nothing
      view.log.warn({ app: app.name, err: { message: (error as Error).message } }, 'upstream request not sent');
      respondWithFastify(view, { kind: 'upstream-failed', status: 502 });
    }
  }

  return {
    take,
    /** Fastify's own request handler, known once the server exists */
    setFastify(handler: FastifyHandler): void {
      fastify = handler;
    },
  };
}
