import type { FastifyReply } from 'fastify';
import { clearCookie, serializeCookie } from '../session/cookies.ts';
import type { GatewayState } from '../state.ts';

/**
 * The session cookie: HttpOnly, SameSite=Lax, Secure when public_url is https, host-only unless
 * session.cookie_domain is set. No Max-Age: it ends with the browser; the server enforces the
 * idle and absolute timeouts.
 */
export function setSessionCookie(reply: FastifyReply, state: GatewayState, id: string): void {
  const s = state.session;
  reply.header(
    'set-cookie',
    serializeCookie(s.cookieName, id, {
      path: '/',
      secure: s.secure,
      httpOnly: true,
      sameSite: 'Lax',
      ...(s.cookieDomain ? { domain: s.cookieDomain } : {}),
    }),
  );
}

export function clearSessionCookie(reply: FastifyReply, state: GatewayState): void {
  const s = state.session;
  reply.header(
    'set-cookie',
    clearCookie(s.cookieName, {
      path: '/',
      secure: s.secure,
      httpOnly: true,
      sameSite: 'Lax',
      ...(s.cookieDomain ? { domain: s.cookieDomain } : {}),
    }),
  );
}
