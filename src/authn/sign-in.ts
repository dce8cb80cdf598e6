import type { FastifyReply, FastifyRequest } from 'fastify';
import { auditFrom, auditWhere } from '../audit/where.ts';
import { deviceName, parseDevice } from '../context/device.ts';
import { locate } from '../context/geo.ts';
import { readSession } from '../gate/session-lookup.ts';
import { riskNames } from '../policy/types.ts';
import { assessRisk } from '../risk/assess.ts';
import { parseCookies } from '../session/cookies.ts';
import type { FactorName, Session } from '../session/session.ts';
import type { DirectoryUser } from '../users/directory.ts';
import { continueTo } from './continue-to.ts';
import type { PortalDeps } from './deps.ts';
import { presentedDevice, setDeviceCookie } from './device-cookie.ts';
import { type NextStep, nextStep } from './next-step.ts';
import type { Signed } from './prove-factor.ts';
import { clearSessionCookie, requestScope, setSessionCookie } from './session-cookie.ts';

/**
 * Ends any session the request carried and starts a new one for `user` (a new id at every
 * sign-in: no fixation), setting the cookie. `proven`: the password, or what a passkey proved.
 * The sign-in's device and risk signals are assessed here, once, and kept with the session for
 * the policy (`trusted_device`, `risk`). Store failures propagate (503 by the error handler).
 */
export async function startSession(
  deps: PortalDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  user: DirectoryUser,
  proven: FactorName | readonly FactorName[] = 'pwd',
  /** an identity provider's sign-in: who it said the user is, and when the person authenticated there */
  from: { idp?: Session['idp']; provenAt?: number } = {},
): Promise<Signed> {
  const pc = request.pc;
  const state = pc.state;
  const cookies = parseCookies(request.headers.cookie);
  const previous = cookies.get(state.session.cookieName);
  const scope = requestScope(request);
  const ended = await deps.sessions.load(previous, scope);
  if (ended !== null) await deps.sessions.destroy(ended);
  const now = deps.clock.now();
  const known = await presentedDevice(deps, request, user.name);
  const risk = assessRisk(
    {
      now,
      knownDevice: known !== null,
      here: locate(state.geo, pc.ip),
      history: await deps.durable.listSignIns(user.name, 0, state.risk.history),
      failures: await deps.lockout.recentFailures({ account: user.name, ip: pc.ip, device: known?.record.id ?? null }),
      pushReported: (await deps.durable.findPushBlock(user.name)) !== null,
    },
    state.risk,
  );
  const { id, session } = await deps.sessions.create(
    user.name,
    proven,
    scope,
    {
      ...(known ? { device: known.record.id, trusted: known.trusted } : {}),
      ...(risk !== 0 ? { risk } : {}),
      ...((await owesSecondFactor(deps, user.name)) ? { enrol: true } : {}),
      ...(from.idp === undefined ? {} : { idp: from.idp }),
    },
    from.provenAt,
  );
  setSessionCookie(reply, state, id);
  if (risk !== 0 || known?.trusted)
    deps.audit.record({
      event: 'login.context',
      outcome: 'info',
      tenant: user.tenant,
      user: user.name,
      ...auditWhere(state, pc.ip, request.headers['user-agent']),
      requestId: request.id,
      app: pc.app?.name ?? null,
      rule: null,
      detail: { risk: riskNames(risk), trusted_device: known?.trusted ?? false },
    });
  return { session, sessionId: id, user };
}

/**
 * Whether the account must enrol a second factor before anything else, whatever the policy says:
 * it was made by the set-up page or an invite (the mark in the durable store) and holds no second
 * factor yet (a set-up or invite abandoned after the password; or after reset-mfa).
 */
async function owesSecondFactor(deps: PortalDeps, user: string): Promise<boolean> {
  return (await deps.factors.list(user)).length === 0 && (await deps.durable.isEnrolmentDue(user));
}

/**
 * A sign-in or step-up completed (every factor the page needed is proven): the failure count
 * it was charged to is cleared (the browser's when it came with a device cookie of the user, else
 * the account's; lockout.ts), the browser becomes a known device of the user (a device cookie
 * for a new one) and the sign-in joins the user's history, which the next sign-ins' risk
 * signals are computed from. Returns the device id, for the session to carry.
 */
export async function recordSignIn(
  deps: PortalDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  user: DirectoryUser,
): Promise<string> {
  const pc = request.pc;
  const state = pc.state;
  const here = locate(state.geo, pc.ip);
  const known = await presentedDevice(deps, request, user.name);
  await deps.lockout.recordSuccess({ account: user.name, ip: pc.ip, device: known?.record.id ?? null });
  const device = await deps.devices.remember(user.name, known, {
    ip: pc.ip,
    country: here?.country ?? null,
    name: deviceName(parseDevice(request.headers['user-agent'])),
  });
  if (device.cookie !== undefined) setDeviceCookie(reply, state, device.cookie);
  await deps.durable.recordSignIn(
    {
      user: user.name,
      time: deps.clock.now(),
      ip: pc.ip,
      country: here?.country ?? null,
      latitude: here?.latitude ?? null,
      longitude: here?.longitude ?? null,
      deviceId: device.id,
    },
    state.risk.history,
  );
  return device.id;
}

/**
 * After the first factor (a password, or a passkey): what the page `target` still needs. When
 * nothing, the sign-in is completed here (completeSignIn). `signed`: the session as the reply
 * leaves it (completing may move it to a new id).
 */
export async function afterFirstFactor(
  deps: PortalDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  signed: Signed,
  target: string,
): Promise<{ step: NextStep; signed: Signed }> {
  const step = await nextStep(deps.factors, request.pc.state, signed.user, target, {
    ip: request.pc.ip,
    now: deps.clock.now(),
    userAgent: request.headers['user-agent'],
    session: signed.session,
  });
  if (step.status !== 'authenticated') return { step, signed };
  return { step, signed: await completeSignIn(deps, request, reply, signed) };
}

/**
 * The pages' way on after a first factor (the sign-in form, an invite's password): on to
 * `target` when nothing more is needed (continueTo), else to the step-up or enrolment page.
 */
export async function goOnAfterFirstFactor(
  deps: PortalDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  signed: Signed,
  target: string,
): Promise<FastifyReply> {
  const { step, signed: done } = await afterFirstFactor(deps, request, reply, signed, target);
  if (step.status === 'authenticated') return continueTo(deps, request, reply, target, done.session);
  const next = step.status === 'mfa_required' ? 'stepup' : 'enroll';
  return reply
    .header('cache-control', 'no-store')
    .redirect(`/.portcullis/${next}?rd=${encodeURIComponent(target)}`, 303);
}

/**
 * The password was all the page needed: the sign-in is recorded (which clears the failure
 * count), and the session learns its device when the browser was new (a new id: returned).
 */
export async function completeSignIn(
  deps: PortalDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  s: Signed,
): Promise<Signed> {
  const device = await recordSignIn(deps, request, reply, s.user);
  if (s.session.device === device) return s;
  const { id, session } = await deps.sessions.amend(
    s.sessionId,
    s.session,
    { device, trusted: false },
    requestScope(request),
  );
  setSessionCookie(reply, request.pc.state, id);
  return { ...s, session, sessionId: id };
}

/**
 * Logout: the session ends in the store (on every instance and every host at once), the cookie
 * is cleared, and the event is audited. 'unavailable' when the store is down (503 already sent);
 * else the session that ended (null: there was none), whose provider may end its own too.
 */
export async function endSession(
  deps: PortalDeps,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<Session | null | 'unavailable'> {
  const found = await readSession(request, reply, deps.sessions, deps.metrics);
  if (found === 'unavailable') return 'unavailable';
  if (found.session !== null) {
    await deps.sessions.destroy(found.session);
    deps.audit.record({
      event: 'logout',
      outcome: 'info',
      tenant: found.user?.tenant ?? null,
      user: found.user?.name ?? null,
      ...auditFrom(request),
      app: request.pc.app?.name ?? null,
      rule: null,
      detail: null,
    });
  }
  clearSessionCookie(reply, request.pc.state);
  return found.session;
}
