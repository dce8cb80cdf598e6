import type { IncomingMessage } from 'node:http';
import type { AuthzDecision } from './authz-decision.ts';
import type { Outcome } from './judge.ts';
import type { RequestContext } from './request-context.ts';

/** The upstream could not be reached (502) or did not answer in time (504), before any byte of an answer. */
export interface UpstreamFailure {
  readonly kind: 'upstream-failed';
  readonly status: 502 | 504;
}

/** The judge failed unexpectedly: Fastify's error handler answers (500, or 503 for a store). */
export interface JudgeError {
  readonly kind: 'error';
  readonly error: unknown;
}

/** A forward-auth question decided short of a pass: the forward-auth route answers it. */
export interface AuthzHandOver {
  readonly kind: 'authz';
  readonly decision: AuthzDecision;
}

/**
 * What the proxied path (proxy/proxied-path.ts) already knows about a request it hands over to
 * Fastify to answer: the request id it used (in the audit row and its log lines), the context it
 * identified, and the outcome of the judge or of the upstream. The gate answers from it and does
 * not judge again: the audit row is written once, and the page names the same reference.
 */
export interface Judged {
  readonly id: string | undefined;
  readonly pc: RequestContext;
  readonly outcome: Outcome | UpstreamFailure | JudgeError | AuthzHandOver;
}

const JUDGED = Symbol('portcullis.judged');

type Carrier = IncomingMessage & { [JUDGED]?: Judged };

export function handOver(raw: IncomingMessage, judged: Judged): void {
  (raw as Carrier)[JUDGED] = judged;
}

export function judgedOf(raw: IncomingMessage): Judged | undefined {
  return (raw as Carrier)[JUDGED];
}
