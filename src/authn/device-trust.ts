import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Devices } from '../devices/devices.ts';
import { policyNeeds } from '../policy/needs.ts';
import type { SessionStore } from '../session/session-store.ts';
import type { GatewayState } from '../state.ts';
import type { MessageKey } from '../web/i18n/messages.ts';
import type { PortalDeps } from './deps.ts';
import { presentedDevice } from './device-cookie.ts';
import { decisionFor } from './next-step.ts';
import { auditFactor, hasFreshSecondFactor, type Signed } from './prove-factor.ts';
import { requestScope, setSessionCookie } from './session-cookie.ts';

export type TrustRefusal =
  /** session.remember_device is 0 */
  | 'device_trust_disabled'
  /** the rule of the page the user is going to says remember_device: false */
  | 'device_trust_not_allowed'
  /** no second factor proven in the last 10 minutes */
  | 'step_up_required'
  /** the request's device cookie is not the device the session signed in from */
  | 'device_mismatch';

/** What a person is told about each refusal (the JSON `message`), as a message of the catalogues. */
export const TRUST_REFUSAL_MESSAGES: Record<TrustRefusal, MessageKey> = {
  device_trust_disabled: 'errors.trust.disabled',
  device_trust_not_allowed: 'errors.trust.notAllowed',
  step_up_required: 'errors.trust.stepUp',
  device_mismatch: 'errors.trust.mismatch',
};

/**
 * Whether the user may trust this device now, on the way to `rd` (null: no page named). Only
 * the page named can be checked against its rule: the offer is made, and refused, per page.
 */
export function trustRefusal(
  state: GatewayState,
  s: Signed,
  rd: string | null,
  context: { ip: string | null; now: number; userAgent: string | undefined },
): TrustRefusal | null {
  if (state.session.rememberDeviceMs <= 0) return 'device_trust_disabled';
  if (!hasFreshSecondFactor(s, context.now)) return 'step_up_required';
  if (rd !== null) {
    const decision = decisionFor(state, s.user, rd, { ...context, session: s.session });
    if (decision?.action === 'authenticate' && decision.require.rememberDevice === false)
      return 'device_trust_not_allowed';
  }
  return null;
}

/**
 * What trusting this browser would change, as the policy in force says, for the "trust this
 * device" offer: `skips_code` when the page the user is going to (`rd`) lets a trusted browser in
 * with the password alone while it asks others for a second factor; `other_pages` when some
 * rule looks at `trusted_device` (it may open or relax other pages); null when no rule does:
 * trusting would change nothing, so it is not offered.
 */
export function trustEffect(
  state: GatewayState,
  s: Signed,
  rd: string | null,
  context: { ip: string | null; now: number; userAgent: string | undefined },
): 'skips_code' | 'other_pages' | null {
  if (!usesDeviceTrust(state)) return null;
  if (rd !== null) {
    // the next visit of this browser, signed in with the password alone
    const next = (trusted: boolean) => {
      const session = { ...s.session, factors: { pwd: context.now }, trusted, authTime: context.now };
      return decisionFor(state, s.user, rd, { ...context, session });
    };
    const [trusted, untrusted] = [next(true), next(false)];
    const letsIn =
      trusted?.action === 'allow' || (trusted?.action === 'authenticate' && trusted.require.level === 'password');
    if (letsIn && untrusted?.action === 'authenticate' && untrusted.require.level !== 'password') return 'skips_code';
  }
  return 'other_pages';
}

const deviceTrustUsed = new WeakMap<GatewayState, boolean>();
/** Whether a rule of the policy in force has a `trusted_device` condition (once per state). */
function usesDeviceTrust(state: GatewayState): boolean {
  let used = deviceTrustUsed.get(state);
  if (used === undefined) {
    used = policyNeeds(state.files.policies.map((p) => ({ name: p.name, data: p.data, locate: p.locate }))).deviceTrust;
    deviceTrustUsed.set(state, used);
  }
  return used;
}

/**
 * Trusts the device the session signed in from, for session.remember_device, after a second
 * factor proven in the last 10 minutes. The browser must hold that device's cookie (a session
 * cookie carried to another browser cannot trust the victim's device for itself), unless
 * `justProven`: this very request proved the factor, which recorded this browser as the
 * session's device and set its cookie in this reply. The
 * session moves to a new id with the trust (`signed`), so `trusted_device` rules apply from the
 * next request. Audited.
 */
export async function trustDevice(
  deps: PortalDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  s: Signed,
  rd: string | null,
  options: { justProven?: boolean } = {},
): Promise<{ ok: true; name: string; until: number; signed: Signed } | { ok: false; error: TrustRefusal }> {
  const state = request.pc.state;
  const refusal = trustRefusal(state, s, rd, {
    ip: request.pc.ip,
    now: deps.clock.now(),
    userAgent: request.headers['user-agent'],
  });
  if (refusal !== null) return { ok: false, error: refusal };
  // The device is this browser's when its cookie names the session's device, or when this very
  // request proved the factor that recorded it (a new browser's cookie is only in this reply).
  const device = options.justProven
    ? s.session.device === undefined
      ? null
      : await deps.durable.getDevice(s.session.device)
    : (await presentedDevice(deps, request, s.user.name))?.record;
  if (device == null || device.user !== s.user.name || s.session.device !== device.id)
    return { ok: false, error: 'device_mismatch' };
  const trusted = await deps.devices.trust(s.user.name, device.id, state.session.rememberDeviceMs);
  if (trusted === null) return { ok: false, error: 'device_mismatch' };
  const { id, session } = await deps.sessions.amend(
    s.sessionId,
    s.session,
    { device: device.id, trusted: true },
    requestScope(request),
  );
  setSessionCookie(reply, state, id);
  auditFactor(deps, request, s, 'device.trusted', 'info', {
    device: device.name,
    until: new Date(trusted.until).toISOString(),
  });
  return { ok: true, name: device.name, until: trusted.until, signed: { ...s, session, sessionId: id } };
}

/**
 * Forgets one device of a user: its record goes (its cookie then means nothing: not trusted,
 * and a new device at the next sign-in) and the sessions signed in from it end, on every
 * instance. For the account page and `portcullis user forget-device`; the caller audits.
 */
export async function forgetDevice(
  deps: { devices: Devices; sessions: SessionStore },
  user: string,
  id: string,
): Promise<{ forgotten: boolean; sessionsEnded: number }> {
  const forgotten = await deps.devices.forget(user, id);
  const sessionsEnded = forgotten ? await deps.sessions.revokeDevice(user, id) : 0;
  return { forgotten, sessionsEnded };
}
