import type { FastifyReply } from 'fastify';
import { setCookie } from '../authn/session-cookie.ts';
import { clearCookie, serializeCookie } from '../session/cookies.ts';
import type { GatewayState } from '../state.ts';
import { LOGIN_STATE_TTL_MS } from './login-state.ts';

/**
 * The browser's half of a provider sign-in: the `state` it was sent off with, on the portal host
 * only, for as long as the sign-in may take. The callback signs in only the browser that holds it.
 */
export function loginCookieName(state: GatewayState): string {
  return state.session.secure ? '__Host-portcullis_oidc' : 'portcullis_oidc';
}

export const LOGIN_COOKIE_NAMES = ['portcullis_oidc', '__Host-portcullis_oidc'] as const;

export function setLoginCookie(reply: FastifyReply, state: GatewayState, value: string): void {
  const name = loginCookieName(state);
  setCookie(
    reply,
    name,
    serializeCookie(name, value, {
      path: '/',
      secure: state.session.secure,
      httpOnly: true,
      sameSite: 'Lax',
      maxAgeSeconds: LOGIN_STATE_TTL_MS / 1000,
    }),
  );
}

export function clearLoginCookie(reply: FastifyReply, state: GatewayState): void {
  const name = loginCookieName(state);
  setCookie(
    reply,
    name,
    clearCookie(name, { path: '/', secure: state.session.secure, httpOnly: true, sameSite: 'Lax' }),
  );
}
