import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import type { Decision } from '../policy/types.ts';
import type { Session } from '../session/session.ts';
import type { AppRuntime, GatewayState } from '../state.ts';
import type { DirectoryUser } from '../users/directory.ts';

/**
 * What the gateway knows about one request, filled in along the request path:
 * host identification -> session -> decision -> upstream headers.
 */
export interface RequestContext {
  /** the state snapshot this request is judged by, even if a reload happens meanwhile */
  readonly state: GatewayState;
  /** lower-case host name, no port */
  readonly host: string;
  /** the app this host serves; null on the portal host when it is no app's host */
  readonly app: AppRuntime | null;
  /** canonical client IP (trusted-proxy rules applied) */
  readonly ip: string | null;
  readonly proto: 'http' | 'https';
  /** origin the client used, e.g. https://rmm.acme.example */
  readonly origin: string;
  sessionId?: string;
  session?: Session | null;
  user?: DirectoryUser | null;
  decision?: Decision;
  /** the gate let it through to the upstream (Fastify's proxy route) */
  passed?: boolean;
  /** headers added upstream (identity), computed once by the gate */
  upstreamHeaders?: Record<string, string>;
}

/**
 * A request as the judge sees it: its context, headers, id (the reference on refusal pages and in
 * the audit) and logger. A Fastify request is one; so is a request the proxied path takes on the
 * server's request event (proxy/proxied-path.ts), which never becomes a Fastify request if it passes.
 */
export interface JudgedRequest {
  readonly pc: RequestContext;
  readonly headers: IncomingHttpHeaders;
  readonly id: string;
  readonly log: FastifyBaseLogger;
}

declare module 'fastify' {
  interface FastifyRequest {
    pc: RequestContext;
  }
}
