import type { FastifyReply } from 'fastify';
import { clearCookie, serializeCookie } from '../session/cookies.ts';
import type { GatewayState } from '../state.ts';
import { cookieDomainOption, setCookie } from './session-cookie.ts';

/** Browsers keep a cookie 400 days at most; trust itself ends earlier (session.remember_device). */
const DEVICE_COOKIE_MAX_AGE_S = 400 * 24 * 3600;

/**
 * The device cookie: the sealed device id (devices/devices.ts), HttpOnly, SameSite=Lax, Secure
 * and `__Host-` prefixed on an https portal, scoped like the session cookie. Long-lived: it
 * also tells a known browser from a new one (risk `new_device`), trusted or not.
 */
export function setDeviceCookie(reply: FastifyReply, state: GatewayState, value: string): void {
  const s = state.session;
  setCookie(
    reply,
    s.deviceCookieName,
    serializeCookie(s.deviceCookieName, value, {
      path: '/',
      secure: s.secure,
      httpOnly: true,
      sameSite: 'Lax',
      maxAgeSeconds: DEVICE_COOKIE_MAX_AGE_S,
      ...cookieDomainOption(reply, state),
    }),
  );
}

export function clearDeviceCookie(reply: FastifyReply, state: GatewayState): void {
  const s = state.session;
  reply.header(
    'set-cookie',
    clearCookie(s.deviceCookieName, {
      path: '/',
      secure: s.secure,
      httpOnly: true,
      sameSite: 'Lax',
      ...cookieDomainOption(reply, state),
    }),
  );
}
