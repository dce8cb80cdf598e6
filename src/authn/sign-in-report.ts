import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PortalDeps } from './deps.ts';
import { presentedDevice } from './device-cookie.ts';
import { forgetDevice } from './device-trust.ts';
import { auditFactor, type Signed } from './prove-factor.ts';
import { requestScope, setSessionCookie } from './session-cookie.ts';

export type SignInReport =
  | { readonly found: false }
  | { readonly found: true; readonly signed: Signed; readonly sessionsEnded: number; readonly forgotten: boolean };

/**
 * "This wasn't me" on one of the user's recent sign-ins (named by its time): every other session
 * of the user ends, on every instance and host, and this one moves to a new handle; the device of
 * that sign-in is forgotten unless it is the browser asking (its cookie then means nothing: a new
 * device, never trusted); a `signin.reported` security event (outcome `alert`) records the
 * sign-in's address, country and device. Only the user's own sign-ins can be named.
 */
export async function reportSignIn(
  deps: PortalDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  s: Signed,
  time: number,
): Promise<SignInReport> {
  const user = s.user.name;
  const state = request.pc.state;
  const record = (await deps.durable.listSignIns(user, time, state.risk.history)).find((r) => r.time === time);
  if (record === undefined) return { found: false };
  const device = record.deviceId === null ? null : await deps.durable.getDevice(record.deviceId);
  const here = await presentedDevice(deps, request, user);
  const thisBrowser =
    record.deviceId !== null && (record.deviceId === here?.record.id || record.deviceId === s.session.device);
  const sessionsEnded = await deps.sessions.revokeOthers(user, s.session.sid);
  const forgotten =
    record.deviceId !== null && !thisBrowser && (await forgetDevice(deps, user, record.deviceId)).forgotten;
  const { id, session } = await deps.sessions.rehandle(s.session, requestScope(request));
  setSessionCookie(reply, state, id);
  auditFactor(deps, request, s, 'signin.reported', 'alert', {
    signin: {
      time: new Date(record.time).toISOString(),
      ip: record.ip,
      country: record.country,
      device: device?.user === user ? device.name : null,
    },
    this_browser: thisBrowser,
    device_forgotten: forgotten,
    sessions_ended: sessionsEnded,
  });
  return { found: true, signed: { ...s, session, sessionId: id }, sessionsEnded, forgotten };
}
