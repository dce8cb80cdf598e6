import type { FastifyReply, FastifyRequest } from 'fastify';
import { meetsRequirement } from '../session/session.ts';
import { pageText } from '../web/html.ts';
import { enrollPage, stepUpPage, type TrustOffer, trustPeriod } from '../web/pages/factor-pages.ts';
import type { ProviderLink } from '../web/pages/provider-link.ts';
import type { PortalDeps } from './deps.ts';
import { presentedDevice } from './device-cookie.ts';
import { trustDevice, trustEffect, trustRefusal } from './device-trust.ts';
import { type EnrolMethod, enrollable, FACTORS, type ProofMethod } from './factors/index.ts';
import { defaultMethod, firstMethod, lastUsedMethod } from './method-choice.ts';
import { decisionFor, factorChoices } from './next-step.ts';
import { auditFactor, hasFreshSecondFactor, type Signed } from './prove-factor.ts';

/**
 * The steps the second-factor pages share: the generic pages (factor-page-routes.ts) and the
 * page posts of each factor (factors/<factor>/) build on them. None names a factor.
 */

/** What rd's rule asks of the signed-in user, or null (no rd, not a page of an app, no sign-in needed). */
export function requirement(deps: PortalDeps, request: FastifyRequest, s: Signed, rd: string | null) {
  const decision =
    rd === null
      ? null
      : decisionFor(request.pc.state, s.user, rd, {
          ip: request.pc.ip,
          now: deps.clock.now(),
          userAgent: request.headers['user-agent'],
          session: s.session,
        });
  return decision?.action === 'authenticate' ? decision.require : null;
}

/** What rd's rule asks (`need`), and the second factors that meet it: held (to prove) and enrollable, as the JSON API says. */
export async function offer(deps: PortalDeps, request: FastifyRequest, s: Signed, rd: string | null) {
  const need = requirement(deps, request, s, rd);
  return { need, ...factorChoices(need, await deps.factors.list(s.user.name), request.pc.state) };
}

/**
 * The offer of the step-up page, or null: none when the browser is trusted already, when
 * trustRefusal says no once the factor is proven (as if now: only the gateway's setting and
 * the rule of `rd` count), or when trusting would change nothing (trustEffect).
 */
async function trustOffer(
  deps: PortalDeps,
  request: FastifyRequest,
  s: Signed,
  rd: string | null,
): Promise<TrustOffer | null> {
  const state = request.pc.state;
  const now = deps.clock.now();
  const context = { ip: request.pc.ip, now, userAgent: request.headers['user-agent'] };
  // as if a second factor were proven now: trustRefusal asks whether one is fresh, not which
  const proven: Signed = {
    ...s,
    session: { ...s.session, factors: { ...s.session.factors, [FACTORS[0].method]: now } },
  };
  const refusal = trustRefusal(state, proven, rd, context);
  if (refusal === 'device_trust_disabled' || refusal === 'device_trust_not_allowed') return null;
  if (s.session.trusted === true || (await presentedDevice(deps, request, s.user.name))?.trusted) return null;
  const effect = trustEffect(state, s, rd, context);
  return effect === null ? null : { period: trustPeriod(pageText(request), state.session.rememberDeviceMs), effect };
}

/** The step-up page: the ways `prove` (not empty), opening with the one asked for or preferred. */
export async function stepUp(
  deps: PortalDeps,
  request: FastifyRequest,
  s: Signed,
  rd: string | null,
  prove: readonly ProofMethod[],
  asked: unknown,
  error?: string,
  again: ProviderLink | null = null,
) {
  const method = firstMethod(prove, {
    asked,
    lastUsed: lastUsedMethod(request),
    userDefault: await defaultMethod(deps.durable, s.user.name),
  });
  return stepUpPage(pageText(request), {
    user: s.user.name,
    rd,
    trust: await trustOffer(deps, request, s, rd),
    offered: prove,
    method,
    again,
    ...(error ? { error } : {}),
  });
}

/** The step-up page once more, with the way that was used, after a code that did not prove anything. */
export async function stepUpAgain(
  deps: PortalDeps,
  request: FastifyRequest,
  s: Signed,
  rd: string | null,
  method: ProofMethod,
  error: string,
) {
  return stepUp(deps, request, s, rd, (await offer(deps, request, s, rd)).prove, method, error);
}

/**
 * The box was ticked and the factor proven: trust the device with the risen session. A
 * refusal or a store failure does not undo the sign-in; it shows in the audit trail only.
 * `signed`: the session as the reply leaves it (a trust moves it to a new id).
 */
export async function trustAfterProof(
  deps: PortalDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  risen: Signed,
  rd: string | null,
): Promise<{ until: number | null; signed: Signed }> {
  try {
    const result = await trustDevice(deps, request, reply, risen, rd, { justProven: true });
    if (result.ok) return { until: result.until, signed: result.signed };
    auditFactor(deps, request, risen, 'device.trust.failure', 'failure', { reason: result.error });
  } catch (err) {
    request.log.warn({ err: { message: (err as Error).message } }, 'trusting the device failed');
    auditFactor(deps, request, risen, 'device.trust.failure', 'failure', { reason: 'error' });
  }
  return { until: null, signed: risen };
}

/**
 * The session already has what the step-up is for: rd's rule is met, or (rd asks for no
 * second factor: the account page, a page without a rule) a second factor was proven in the
 * last 10 minutes. A form sent again after it succeeded (a double press, the Back button, a
 * redirect the browser refused) then goes on instead of failing on a used code and counting
 * towards the lockout. The code is not looked at: nothing is proven, nothing rises.
 */
export function alreadyMet(deps: PortalDeps, request: FastifyRequest, s: Signed, rd: string | null): boolean {
  const require = requirement(deps, request, s, rd);
  const now = deps.clock.now();
  return require !== null && require.level !== 'password'
    ? meetsRequirement(s.session, require, now)
    : hasFreshSecondFactor(s, now);
}

/**
 * The enrolment page offering `enrol` (in the list's order), each factor drawing its part.
 * `failed`: the factor whose form failed, shown with its error beside what the rule accepts.
 */
export async function enrolPage(
  deps: PortalDeps,
  request: FastifyRequest,
  s: Signed,
  rd: string | null,
  enrol: readonly EnrolMethod[],
  opts: { first?: boolean; failed?: { method: EnrolMethod; error: string } } = {},
): Promise<string> {
  const text = pageText(request);
  const offered = enrollable().filter((f) => enrol.includes(f.method) || f.method === opts.failed?.method);
  const parts = new Map<EnrolMethod, string>();
  for (const f of offered) {
    const error = opts.failed?.method === f.method ? { error: opts.failed.error } : {};
    parts.set(f.method, await f.enrolment.html(deps, text, s.user.name, { rd, ...error }));
  }
  return enrollPage(text, {
    user: s.user.name,
    parts,
    ...(opts.first === undefined ? {} : { first: opts.first }),
  });
}
