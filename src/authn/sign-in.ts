import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseCookies } from '../session/cookies.ts';
import type { DirectoryUser } from '../users/directory.ts';
import type { PortalDeps } from './deps.ts';
import { setSessionCookie } from './session-cookie.ts';

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
