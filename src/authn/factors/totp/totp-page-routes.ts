import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '../../../json-schema.ts';
import { sendPage as html, pageText } from '../../../web/html.ts';
import { continueTo, formActionFor, onwardLink } from '../../continue-to.ts';
import { csrfGuard } from '../../csrf.ts';
import type { PortalDeps } from '../../deps.ts';
import { alreadyMet, enrolPage, offer, stepUpAgain, trustAfterProof } from '../../factor-page-steps.ts';
import { auditFactor, proveFactor, raiseSession } from '../../prove-factor.ts';
import { defaultRedirect, safeRedirect } from '../../redirect.ts';
import { pageSession } from '../../session-ended.ts';
import { recoveryCodesPage } from '../recovery/recovery-codes-page.ts';

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
 * The authenticator app's forms on the pages (no JavaScript needed): its code on the step-up
 * page (`POST /stepup`: the session is kept and only rises, the device trusted when the box was
 * ticked) and the first code of a new app on the enrolment page (`POST /enroll`, which shows the
 * recovery codes of a first factor). A failed code shows the page again with the error.
 */
export function totpPageRoutes(deps: PortalDeps) {
  return async function totpPages(app: FastifyInstance): Promise<void> {
    const form = csrfGuard('form');
    const rdOf = (request: FastifyRequest, value: unknown) => safeRedirect(value, request.pc.state, request.pc.origin);

    app.post('/stepup', { onRequest: form, schema: { body: ProveForm } }, async (request, reply) => {
      const body = request.body as { code: string; rd?: string; trust?: '1' };
      const rd = rdOf(request, body.rd);
      const s = await pageSession(deps, request, reply, rd);
      if (s === null) return reply;
      const onward = rd ?? defaultRedirect(request.pc.state);
      if (alreadyMet(deps, request, s, rd)) return continueTo(deps, request, reply, onward, s.session);
      const result = await proveFactor(deps, request, reply, s, 'totp', () =>
        deps.factors.totp.prove(s.user.name, body.code),
      );
      if (!result.ok)
        return html(
          reply,
          await stepUpAgain(deps, request, s, rd, 'totp', pageText(request).t('factors.error.code')),
          401,
          formActionFor(request, rd),
        );
      const risen =
        body.trust === '1' ? (await trustAfterProof(deps, request, reply, result.signed, rd)).signed : result.signed;
      return continueTo(deps, request, reply, onward, risen.session);
    });

    app.post('/enroll', { onRequest: form, schema: { body: CodeForm } }, async (request, reply) => {
      const body = request.body as { code: string; rd?: string };
      const rd = rdOf(request, body.rd);
      const s = await pageSession(deps, request, reply, rd);
      if (s === null) return reply;
      const result = await deps.factors.totp.finish(s.user.name, body.code);
      if (!result.ok) {
        auditFactor(deps, request, s, 'enroll.totp.failure', 'failure', { reason: result.reason });
        if (result.reason === 'no_enrollment')
          return reply.redirect(`/.portcullis/enroll${rd ? `?rd=${encodeURIComponent(rd)}` : ''}`, 303);
        const { enrol } = await offer(deps, request, s, rd);
        const failed = { method: 'totp', error: pageText(request).t('factors.error.enroll') } as const;
        return html(reply, await enrolPage(deps, request, s, rd, enrol, { failed }), 401);
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
