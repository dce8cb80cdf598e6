import type { FastifyReply, FastifyRequest } from 'fastify';
import { readSession } from '../gate/session-lookup.ts';
import { parseCookies } from '../session/cookies.ts';
import type { DirectoryUser } from '../users/directory.ts';
import type { PortalDeps } from './deps.ts';
import { clearSessionCookie, setSessionCookie } from './session-cookie.ts';

/**
 * Ends any session the request carried and starts a new one for `user` (a new id at every
 * sign-in: no fixation), setting the cookie. Store failures propagate (503 by the error handler).
 */
export async function startSession(
  deps: PortalDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  user: DirectoryUser,
): Promise<void> {
  const pc = request.pc;
  const previous = parseCookies(request.headers.cookie).get(pc.state.session.cookieName);
  if (previous !== undefined) await deps.sessions.destroy(previous);
  const { id } = await deps.sessions.create(user.name, 'pwd');
  setSessionCookie(reply, pc.state, id);
}

/**
 * Logout: the session ends in the store (on every instance and every host at once), the cookie
 * is cleared, and the event is audited. 'unavailable' when the store is down (503 already sent).
 */
export async function endSession(
  deps: PortalDeps,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<'done' | 'unavailable'> {
  const found = await readSession(request, reply, deps.sessions, deps.metrics);
  if (found === 'unavailable') return 'unavailable';
  if (found.sessionId !== undefined) {
    await deps.sessions.destroy(found.sessionId, found.user?.name);
    deps.audit.record({
      event: 'logout',
      outcome: 'info',
      tenant: found.user?.tenant ?? null,
      user: found.user?.name ?? null,
      ip: request.pc.ip,
      country: null,
      device: null,
      app: request.pc.app?.name ?? null,
      rule: null,
      detail: null,
    });
  }
  clearSessionCookie(reply, request.pc.state);
  return 'done';
}
