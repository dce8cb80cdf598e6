import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { meetsRequirement } from '../session/session.ts';
import { sendPage as html, type PageText, pageText } from '../web/html.ts';
import {
  enrollPage,
  noFactorPage,
  recoveryCodesPage,
  stepUpPage,
  type TrustOffer,
  trustPeriod,
} from '../web/pages/factor-pages.ts';
import { continueTo, formActionFor, onwardLink } from './continue-to.ts';
import { csrfGuard } from './csrf.ts';
import type { PortalDeps } from './deps.ts';
import { presentedDevice } from './device-cookie.ts';
import { trustDevice, trustEffect, trustRefusal } from './device-trust.ts';
import { defaultMethod, firstMethod, lastUsedMethod } from './method-choice.ts';
import { decisionFor, factorChoices, type ProofMethod } from './next-step.ts';
import { auditFactor, hasFreshSecondFactor, mayEnrol, proveFactor, raiseSession, type Signed } from './prove-factor.ts';
import { defaultRedirect, safeRedirect } from './redirect.ts';
import { pageSession } from './session-ended.ts';

const RdQuery = Type.Object({ rd: Type.Optional(Type.String({ maxLength: 4096 })) });
const StepUpQuery = Type.Object({
  rd: Type.Optional(Type.String({ maxLength: 4096 })),
  method: Type.Optional(Type.String({ maxLength: 16, description: 'webauthn, totp or recovery: the way to show' })),
});
const CodeForm = Type.Object(
  { code: Type.String({ maxLength: 64 }), rd: Type.Optional(Type.String({ maxLength: 4096 })) },
  { additionalProperties: false },
);
const ProveForm = Type.Object(
  {
    code: Type.String({ maxLength: 64 }),
    rd: Type.Optional(Type.String({ maxLength: 4096 })),
    trust: Type.Optional(Type.Literal('1', { description: 'the "trust this device" box, ticked' })),
  },
  { additionalProperties: false },
);

/**
 * The second-factor pages: step-up (a key, a TOTP code or a recovery code: the session is kept
 * and only rises), and TOTP enrolment. They work without JavaScript (but for keys). The step-up
 * page shows one way at a time (the one asked for with `?method=`, the last used on this
 * browser, the user's default: method-choice.ts) with links to the others, and offers once to
 * trust the browser when that changes something (device-trust.ts trustEffect), the browser is
 * not trusted yet, session.remember_device is not 0 and the rule of `rd` does not say
 * remember_device: false; a trust that fails after a right code leaves the sign-in done. A
 * finished step goes on to `rd` on any served host (continueTo); the forms' CSP allows it.
 */
export function factorPageRoutes(deps: PortalDeps) {
  return async function factorPages(app: FastifyInstance): Promise<void> {
    const form = csrfGuard('form');
    const rdOf = (request: FastifyRequest, value: unknown) => safeRedirect(value, request.pc.state, request.pc.origin);

    const session = (request: FastifyRequest, reply: FastifyReply, rd: string | null) =>
      pageSession(deps, request, reply, rd);
    /** What rd's rule asks of the signed-in user, or null (no rd, not a page of an app, no sign-in needed). */
    function requirement(request: FastifyRequest, s: Signed, rd: string | null) {
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

    /** The second factors that meet rd's rule: held (to prove) and enrollable, as the JSON API says. */
    async function offer(request: FastifyRequest, s: Signed, rd: string | null) {
      return factorChoices(requirement(request, s, rd), await deps.factors.list(s.user.name));
    }

    /**
     * The offer of the step-up page, or null: none when the browser is trusted already, when
     * trustRefusal says no once the factor is proven (as if now: only the gateway's setting and
     * the rule of `rd` count), or when trusting would change nothing (trustEffect).
     */
    async function trustOffer(request: FastifyRequest, s: Signed, rd: string | null): Promise<TrustOffer | null> {
      const state = request.pc.state;
      const now = deps.clock.now();
      const context = { ip: request.pc.ip, now, userAgent: request.headers['user-agent'] };
      const proven: Signed = { ...s, session: { ...s.session, factors: { ...s.session.factors, totp: now } } };
      const refusal = trustRefusal(state, proven, rd, context);
      if (refusal === 'device_trust_disabled' || refusal === 'device_trust_not_allowed') return null;
      if (s.session.trusted === true || (await presentedDevice(deps, request, s.user.name))?.trusted) return null;
      const effect = trustEffect(state, s, rd, context);
      return effect === null
        ? null
        : { period: trustPeriod(pageText(request), state.session.rememberDeviceMs), effect };
    }

    /** The step-up page: the ways `prove` (not empty), opening with the one asked for or preferred. */
    async function stepUp(
      request: FastifyRequest,
      s: Signed,
      rd: string | null,
      prove: readonly ProofMethod[],
      asked: unknown,
      error?: string,
    ) {
      const method = firstMethod(prove, {
        asked,
        lastUsed: lastUsedMethod(request),
        userDefault: await defaultMethod(deps.durable, s.user.name),
      });
      return stepUpPage(pageText(request), {
        user: s.user.name,
        rd,
        trust: await trustOffer(request, s, rd),
        offered: prove,
        method,
        ...(error ? { error } : {}),
      });
    }

    /**
     * The box was ticked and the factor proven: trust the device with the risen session. A
     * refusal or a store failure does not undo the sign-in; it shows in the audit trail only.
     * `signed`: the session as the reply leaves it (a trust moves it to a new id).
     */
    async function trustAfterProof(
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
    function alreadyMet(request: FastifyRequest, s: Signed, rd: string | null): boolean {
      const require = requirement(request, s, rd);
      const now = deps.clock.now();
      return require !== null && require.level !== 'password'
        ? meetsRequirement(s.session, require, now)
        : hasFreshSecondFactor(s, now);
    }

    /** The step-up page once more, with the way that was used, after a code that did not prove anything. */
    async function stepUpAgain(
      request: FastifyRequest,
      s: Signed,
      rd: string | null,
      method: 'totp' | 'recovery',
      error: string,
    ) {
      return stepUp(request, s, rd, (await offer(request, s, rd)).prove, method, error);
    }

    app.get('/stepup', { schema: { querystring: StepUpQuery } }, async (request, reply) => {
      const query = request.query as { rd?: string; method?: string };
      const rd = rdOf(request, query.rd);
      const s = await session(request, reply, rd);
      if (s === null) return reply;
      // the session may only enrol (set-up, invite, an access code): nothing to prove here
      if (s.session.enrol === true)
        return reply.redirect(`/.portcullis/enroll${rd ? `?rd=${encodeURIComponent(rd)}` : ''}`, 302);
      const { prove, enrol } = await offer(request, s, rd);
      if (prove.length === 0) return html(reply, noFactorPage(pageText(request), { user: s.user.name, rd, enrol }));
      return html(reply, await stepUp(request, s, rd, prove, query.method), 200, formActionFor(request, rd));
    });

    app.post('/stepup', { onRequest: form, schema: { body: ProveForm } }, async (request, reply) => {
      const body = request.body as { code: string; rd?: string; trust?: '1' };
      const rd = rdOf(request, body.rd);
      const s = await session(request, reply, rd);
      if (s === null) return reply;
      const onward = rd ?? defaultRedirect(request.pc.state);
      if (alreadyMet(request, s, rd)) return continueTo(deps, request, reply, onward, s.session);
      const result = await proveFactor(deps, request, reply, s, 'totp', () =>
        deps.factors.proveTotp(s.user.name, body.code),
      );
      if (!result.ok)
        return html(
          reply,
          await stepUpAgain(request, s, rd, 'totp', pageText(request).t('factors.error.code')),
          401,
          formActionFor(request, rd),
        );
      const risen =
        body.trust === '1' ? (await trustAfterProof(request, reply, result.signed, rd)).signed : result.signed;
      return continueTo(deps, request, reply, onward, risen.session);
    });

    app.post('/recovery', { onRequest: form, schema: { body: ProveForm } }, async (request, reply) => {
      const body = request.body as { code: string; rd?: string; trust?: '1' };
      const rd = rdOf(request, body.rd);
      const s = await session(request, reply, rd);
      if (s === null) return reply;
      const onward = rd ?? defaultRedirect(request.pc.state);
      if (alreadyMet(request, s, rd)) return continueTo(deps, request, reply, onward, s.session);
      const result = await proveFactor(deps, request, reply, s, 'recovery', () =>
        deps.factors.proveRecovery(s.user.name, body.code),
      );
      if (!result.ok)
        return html(
          reply,
          await stepUpAgain(request, s, rd, 'recovery', pageText(request).t('factors.error.recovery')),
          401,
          formActionFor(request, rd),
        );
      const until = body.trust === '1' ? (await trustAfterProof(request, reply, result.signed, rd)).until : null;
      const text = pageText(request);
      return html(
        reply,
        recoveryCodesPage(text, {
          codes: [],
          next: onwardLink(request, onward),
          heading: text.t('factors.codes.signedIn'),
          note: recoveryNote(text, result.remaining ?? 0, until),
        }),
      );
    });

    app.get('/enroll', { schema: { querystring: RdQuery } }, async (request, reply) => {
      const rd = rdOf(request, (request.query as { rd?: string }).rd);
      const s = await session(request, reply, rd);
      if (s === null) return reply;
      const held = (await deps.factors.list(s.user.name)).length;
      if (!mayEnrol(s, held, deps.clock.now())) {
        return reply.redirect(
          `/.portcullis/stepup?rd=${encodeURIComponent(`${request.pc.origin}/.portcullis/enroll${rd ? `?rd=${encodeURIComponent(rd)}` : ''}`)}`,
          302,
        );
      }
      const { enrol } = await offer(request, s, rd);
      const totp = enrol.includes('totp') ? await deps.factors.startTotp(s.user.name) : null;
      return html(
        reply,
        enrollPage(pageText(request), {
          user: s.user.name,
          rd,
          key: enrol.includes('webauthn'),
          totp,
          first: held === 0,
        }),
      );
    });

    app.post('/enroll', { onRequest: form, schema: { body: CodeForm } }, async (request, reply) => {
      const body = request.body as { code: string; rd?: string };
      const rd = rdOf(request, body.rd);
      const s = await session(request, reply, rd);
      if (s === null) return reply;
      const result = await deps.factors.finishTotp(s.user.name, body.code);
      if (!result.ok) {
        auditFactor(deps, request, s, 'enroll.totp.failure', 'failure', { reason: result.reason });
        if (result.reason === 'no_enrollment')
          return reply.redirect(`/.portcullis/enroll${rd ? `?rd=${encodeURIComponent(rd)}` : ''}`, 303);
        const again = await deps.factors.startTotp(s.user.name);
        const text = pageText(request);
        return html(
          reply,
          enrollPage(text, {
            user: s.user.name,
            key: (await offer(request, s, rd)).enrol.includes('webauthn'),
            totp: again,
            rd,
            error: text.t('factors.error.enroll'),
          }),
          401,
        );
      }
      await raiseSession(deps, request, reply, s, 'totp');
      auditFactor(deps, request, s, 'enroll.totp', 'success', {
        factor: result.factor.id,
        recovery_codes_issued: result.recoveryCodes.length,
      });
      const text = pageText(request);
      return html(
        reply,
        recoveryCodesPage(text, {
          codes: result.recoveryCodes,
          next: onwardLink(request, rd ?? defaultRedirect(request.pc.state)),
          heading: text.t('factors.codes.added'),
        }),
      );
    });
  };
}

/**
 * After a recovery code: accepted, how many remain, what to do about a lost device and, when the
 * box was ticked and the trust went through, until when this device is trusted.
 */
function recoveryNote(text: PageText, remaining: number, trustedUntil: number | null): string[] {
  const { t } = text;
  const form = new Intl.PluralRules(text.locale).select(remaining) === 'one' ? 'one' : 'other';
  return [
    t('factors.recovery.accepted'),
    t(`factors.recovery.remaining.${form}`, { count: remaining }),
    t('factors.recovery.newAuthenticator'),
    ...(trustedUntil === null ? [] : [t('factors.trustedUntil', { date: text.when(trustedUntil) })]),
  ];
}
