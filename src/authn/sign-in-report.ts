import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PortalDeps } from './deps.ts';
import { presentedDevice } from './device-cookie.ts';
import { forgetDevice } from './device-trust.ts';
import { auditFactor, type Signed } from './prove-factor.ts';
import { requestScope, setSessionCookie } from './session-cookie.ts';

/** How many recent sign-ins the account page and the API list. */
const RECENT_SIGN_INS = 10;

/** A recent sign-in as the account page and the API show it. */
export interface RecentSignIn {
  /** ms since the epoch; also what "this wasn't me" names it by */
  readonly time: number;
  readonly ip: string | null;
  readonly country: string | null;
  /** the device's name, or null when it is no longer on record */
  readonly device: string | null;
  /** signed in from the browser asking */
  readonly thisBrowser: boolean;
}

/** The user's recent sign-ins, newest first, with their devices' names. */
export async function recentSignIns(deps: PortalDeps, request: FastifyRequest, s: Signed): Promise<RecentSignIn[]> {
  const [signIns, devices, here] = await Promise.all([
    deps.durable.listSignIns(s.user.name, 0, RECENT_SIGN_INS),
    deps.devices.list(s.user.name),
    presentedDevice(deps, request, s.user.name),
  ]);
  const names = new Map(devices.map((d) => [d.id, d.name]));
  const current = here?.record.id ?? s.session.device;
  return signIns.map((r) => ({
    time: r.time,
    ip: r.ip,
    country: r.country,
    device: r.deviceId === null ? null : (names.get(r.deviceId) ?? null),
    thisBrowser: r.deviceId !== null && r.deviceId === current,
  }));
}

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
