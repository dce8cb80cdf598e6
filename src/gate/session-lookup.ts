import type { FastifyReply, FastifyRequest } from 'fastify';
import { cookieScope } from '../authn/session-cookie.ts';
import { sessionUser } from '../idp/provider-user.ts';
import type { Metrics } from '../observability/metrics.ts';
import { cookieValue } from '../session/cookies.ts';
import type { Session } from '../session/session.ts';
import type { SessionStore } from '../session/session-store.ts';
import type { DirectoryUser } from '../users/directory.ts';
import type { JudgedRequest } from './request-context.ts';
import { refuse } from './respond.ts';

export interface FoundSession {
  session: Session | null;
  sessionId: string | undefined;
  user: DirectoryUser | null;
}

/**
 * The one store lookup of the hot path. A session whose user is gone or disabled counts as
 * none. A store failure answers 503 and returns 'unavailable': the request never passes.
 */
export async function readSession(
  request: FastifyRequest,
  reply: FastifyReply,
  sessions: SessionStore,
  metrics: Metrics,
): Promise<FoundSession | 'unavailable'> {
  const found = await findSession(request, sessions, metrics);
  if (found === 'unavailable') refuseUnavailable(request, reply);
  return found;
}

/** The answer when the session store cannot be reached: 503, never a pass. */
export function refuseUnavailable(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return refuse(request, reply, 503, 'unavailable', 'errors.signInUnavailable');
}

/**
 * readSession without the answer: 'unavailable' (logged and counted) when the store cannot be
 * reached, and the caller refuses (refuseUnavailable).
 */
export async function findSession(
  request: JudgedRequest,
  sessions: SessionStore,
  metrics: Metrics,
): Promise<FoundSession | 'unavailable'> {
  const pc = request.pc;
  const sessionId = cookieValue(request.headers.cookie, pc.state.session.cookieName);
  let session: Session | null = null;
  if (sessionId !== undefined) {
    try {
      session = await sessions.load(sessionId, cookieScope(pc.state, pc.host));
    } catch (err) {
      request.log.error({ err: { message: (err as Error).message } }, 'session store unavailable');
      metrics.observeStoreError('ephemeral');
      metrics.observeRequest(pc.app?.name ?? '-', 'unavailable');
      return 'unavailable';
    }
  }
  const entry = session ? sessionUser(pc.state, session) : undefined;
  const user = entry && !entry.disabled ? entry : null;
  if (user === null) session = null;
  pc.sessionId = session ? sessionId : undefined;
  pc.session = session;
  pc.user = user;
  return { session, sessionId: pc.sessionId, user };
}
