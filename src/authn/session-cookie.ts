import type { FastifyReply, FastifyRequest } from 'fastify';
import { clearCookie, serializeCookie } from '../session/cookies.ts';
import type { GatewayState } from '../state.ts';

/** Whether `host` is session.cookie_domain or a host under it. */
export function withinCookieDomain(state: GatewayState, host: string): boolean {
  const domain = state.session.cookieDomain;
  return domain !== undefined && (host === domain || host.endsWith(`.${domain}`));
}

/**
 * The Domain of the gateway's cookies set in answer to `reply`'s request: session.cookie_domain
 * when the request's host is under it, else none (host-only). A browser drops a cookie whose
 * Domain does not cover the host that sets it, so an app outside the domain keeps its own
 * host-only cookie (it gets the session through the single sign-on hand-off).
 */
export function cookieDomainOption(reply: FastifyReply, state: GatewayState): { domain?: string } {
  const domain = state.session.cookieDomain;
  return domain !== undefined && withinCookieDomain(state, reply.request.pc.host) ? { domain } : {};
}

/**
 * Where a session cookie set on `host` is sent, which is what its handle is bound to: the cookie
 * domain when `session.cookie_domain` covers the host (one cookie for all of them), else the host.
 */
export function cookieScope(state: GatewayState, host: string): string {
  return withinCookieDomain(state, host) ? `.${state.session.cookieDomain}` : host;
}

/** The cookie scope of the request's host. */
export function requestScope(request: FastifyRequest): string {
  return cookieScope(request.pc.state, request.pc.host);
}

/**
 * The session cookie: HttpOnly, SameSite=Lax, Secure when public_url is https, host-only unless
 * session.cookie_domain covers the host. No Max-Age: it ends with the browser; the server
 * enforces the idle and absolute timeouts.
 */
export function setSessionCookie(reply: FastifyReply, state: GatewayState, id: string): void {
  const s = state.session;
  setCookie(
    reply,
    s.cookieName,
    serializeCookie(s.cookieName, id, {
      path: '/',
      secure: s.secure,
      httpOnly: true,
      sameSite: 'Lax',
      ...cookieDomainOption(reply, state),
    }),
  );
}

/**
 * Adds a Set-Cookie header, replacing one set earlier in the same reply for the same name (a
 * sign-in may move its session to a new id before answering: only the last id is sent).
 */
export function setCookie(reply: FastifyReply, name: string, header: string): void {
  const existing = reply.getHeader('set-cookie');
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  const kept = list.filter((c) => !c.startsWith(`${name}=`));
  if (kept.length !== list.length) reply.removeHeader('set-cookie');
  for (const c of kept.length !== list.length ? kept : []) reply.header('set-cookie', c);
  reply.header('set-cookie', header);
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
      ...cookieDomainOption(reply, state),
    }),
  );
}
