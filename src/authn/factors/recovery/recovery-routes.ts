import type { FastifyInstance } from 'fastify';
import { Type } from '../../../json-schema.ts';
import { sendPage as html, pageText } from '../../../web/html.ts';
import { continueTo, formActionFor, onwardLink } from '../../continue-to.ts';
import { csrfGuard } from '../../csrf.ts';
import type { PortalDeps } from '../../deps.ts';
import { alreadyMet, stepUpAgain, trustAfterProof } from '../../factor-page-steps.ts';
import { proveFactor } from '../../prove-factor.ts';
import { defaultRedirect, safeRedirect } from '../../redirect.ts';
import { apiSession, pageSession } from '../../session-ended.ts';
import { recoveryCodesPage } from './recovery-codes-page.ts';
import { recoveryNote } from './recovery-page-parts.ts';

const CodeBody = Type.Object({ code: Type.String({ maxLength: 64 }) }, { additionalProperties: false });
const ProveForm = Type.Object(
  {
    code: Type.String({ maxLength: 64 }),
    rd: Type.Optional(Type.String({ maxLength: 4096 })),
    trust: Type.Optional(Type.Literal('1', { description: 'the "trust this device" box, ticked' })),
  },
  { additionalProperties: false },
);

/**
 * A recovery code in place of a second factor: the JSON API (`POST api/mfa/recovery`, which
 * says how many codes remain) and the step-up page's form (`POST /recovery`, which answers with
 * what remains and what to do about the lost device, then goes on to `rd`).
 */
export function recoveryRoutes(deps: PortalDeps) {
  return async function recovery(app: FastifyInstance): Promise<void> {
    const json = csrfGuard('json');
    const form = csrfGuard('form');

    app.post('/api/mfa/recovery', { onRequest: json, schema: { body: CodeBody } }, async (request, reply) => {
      const s = await apiSession(deps, request, reply);
      if (s === null) return reply;
      const code = (request.body as { code: string }).code;
      const result = await proveFactor(deps, request, reply, s, 'recovery', () =>
        deps.factors.recovery.prove(s.user.name, code),
      );
      reply.header('cache-control', 'no-store');
      if (!result.ok) return reply.code(401).send({ error: 'invalid_code' });
      return reply.send({
        status: 'authenticated',
        ...(result.remaining === undefined ? {} : { remaining_recovery_codes: result.remaining }),
      });
    });

    app.post('/recovery', { onRequest: form, schema: { body: ProveForm } }, async (request, reply) => {
      const body = request.body as { code: string; rd?: string; trust?: '1' };
      const rd = safeRedirect(body.rd, request.pc.state, request.pc.origin);
      const s = await pageSession(deps, request, reply, rd);
      if (s === null) return reply;
      const onward = rd ?? defaultRedirect(request.pc.state);
      if (alreadyMet(deps, request, s, rd)) return continueTo(deps, request, reply, onward, s.session);
      const result = await proveFactor(deps, request, reply, s, 'recovery', () =>
        deps.factors.recovery.prove(s.user.name, body.code),
      );
      if (!result.ok)
        return html(
          reply,
          await stepUpAgain(deps, request, s, rd, 'recovery', pageText(request).t('factors.error.recovery')),
          401,
          formActionFor(request, rd),
        );
      const until = body.trust === '1' ? (await trustAfterProof(deps, request, reply, result.signed, rd)).until : null;
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
  };
}
