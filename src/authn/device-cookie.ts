import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Devices, KnownDevice } from '../devices/devices.ts';
import { clearCookie, parseCookies, serializeCookie } from '../session/cookies.ts';
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

/**
 * The device the request's device cookie names, when the cookie opens for `user` and the device
 * is on record as theirs: a browser that completed a sign-in of that user. Null for no cookie,
 * another user's, a forged or a forgotten one. Store failures reject (the caller fails closed).
 */
export function presentedDevice(
  deps: { readonly devices: Devices },
  request: FastifyRequest,
  user: string,
): Promise<KnownDevice | null> {
  const cookie = parseCookies(request.headers.cookie).get(request.pc.state.session.deviceCookieName);
  return deps.devices.recognise(cookie, user);
}
