import type { FastifyInstance, FastifyRequest } from 'fastify';
import { reauthChoice } from '../idp/provider-choices.ts';
import { Type } from '../json-schema.ts';
import { sendPage as html, pageText } from '../web/html.ts';
import { noFactorPage } from '../web/pages/factor-pages.ts';
import { formActionFor } from './continue-to.ts';
import type { PortalDeps } from './deps.ts';
import { enrolPage, offer, stepUp } from './factor-page-steps.ts';
import { mayEnrol } from './prove-factor.ts';
import { safeRedirect } from './redirect.ts';
import { pageSession } from './session-ended.ts';

const RdQuery = Type.Object({ rd: Type.Optional(Type.String({ maxLength: 4096 })) });
const StepUpQuery = Type.Object({
  rd: Type.Optional(Type.String({ maxLength: 4096 })),
  method: Type.Optional(Type.String({ maxLength: 16, description: 'the way to show (a factor method)' })),
});

/**
 * The second-factor pages: step-up (the session is kept and only rises) and enrolment, drawn
 * from the parts of the factors that meet the rule of `rd` (factors/index.ts); each factor's
 * routes take its forms' posts (factors/<factor>/). They work without JavaScript (but for keys).
 * The step-up page shows one way at a time (the one asked for with `?method=`, the last used on
 * this browser, the user's default: method-choice.ts) with links to the others, and offers once
 * to trust the browser when that changes something (device-trust.ts trustEffect), the browser is
 * not trusted yet, session.remember_device is not 0 and the rule of `rd` does not say
 * remember_device: false; a trust that fails after a right code leaves the sign-in done. A
 * finished step goes on to `rd` on any served host (continueTo); the forms' CSP allows it.
 */
export function factorPageRoutes(deps: PortalDeps) {
  return async function factorPages(app: FastifyInstance): Promise<void> {
    const rdOf = (request: FastifyRequest, value: unknown) => safeRedirect(value, request.pc.state, request.pc.origin);

    app.get('/stepup', { schema: { querystring: StepUpQuery } }, async (request, reply) => {
      const query = request.query as { rd?: string; method?: string };
      const rd = rdOf(request, query.rd);
      const s = await pageSession(deps, request, reply, rd);
      if (s === null) return reply;
      // the session may only enrol (set-up, invite, an access code): nothing to prove here
      if (s.session.enrol === true)
        return reply.redirect(`/.portcullis/enroll${rd ? `?rd=${encodeURIComponent(rd)}` : ''}`, 302);
      const { need, prove, enrol } = await offer(deps, request, s, rd);
      // a provider's user may meet it by signing in there again
      const again = reauthChoice(request.pc.state, s.session, need, rd);
      if (prove.length === 0)
        return html(
          reply,
          noFactorPage(pageText(request), { user: s.user.name, rd, enrol, again, fresh: need?.level === 'password' }),
        );
      return html(
        reply,
        await stepUp(deps, request, s, rd, prove, query.method, undefined, again),
        200,
        formActionFor(request, rd),
      );
    });

    app.get('/enroll', { schema: { querystring: RdQuery } }, async (request, reply) => {
      const rd = rdOf(request, (request.query as { rd?: string }).rd);
      const s = await pageSession(deps, request, reply, rd);
      if (s === null) return reply;
      const held = (await deps.factors.list(s.user.name)).length;
      if (!mayEnrol(s, held, deps.clock.now())) {
        return reply.redirect(
          `/.portcullis/stepup?rd=${encodeURIComponent(`${request.pc.origin}/.portcullis/enroll${rd ? `?rd=${encodeURIComponent(rd)}` : ''}`)}`,
          302,
        );
      }
      const { enrol } = await offer(deps, request, s, rd);
      return html(reply, await enrolPage(deps, request, s, rd, enrol, { first: held === 0 }));
    });
  };
}
