import type { FastifyInstance } from 'fastify';
import { readSession } from '../gate/session-lookup.ts';
import { providerChoices } from '../idp/provider-choices.ts';
import { providerLogout } from '../idp/provider-logout.ts';
import { Type } from '../json-schema.ts';
import { sendPage as html, pageText } from '../web/html.ts';
import { loginPage, logoutPage } from '../web/pages/login-page.ts';
import { continueTo, formActionFor } from './continue-to.ts';
import { csrfGuard } from './csrf.ts';
import type { PortalDeps } from './deps.ts';
import { defaultRedirect, safeRedirect } from './redirect.ts';
import { endSession } from './sign-in.ts';

const RdQuery = Type.Object({ rd: Type.Optional(Type.String({ maxLength: 4096 })) });
const LogoutForm = Type.Object(
  { rd: Type.Optional(Type.String({ maxLength: 4096 })) },
  { additionalProperties: false },
);

/**
 * The sign-in and sign-out pages of the portal, built on the same steps as the JSON API. The
 * sign-in form posts to the password's routes (factors/password/password-routes.ts).
 */
export function pageRoutes(deps: PortalDeps) {
  return async function pages(app: FastifyInstance): Promise<void> {
    const form = csrfGuard('form');

    app.get('/login', { schema: { querystring: RdQuery } }, async (request, reply) => {
      const found = await readSession(request, reply, deps.sessions, deps.metrics);
      if (found === 'unavailable') return reply;
      const rd = safeRedirect((request.query as { rd?: string }).rd, request.pc.state, request.pc.origin);
      // already signed in: on to rd, through the hand-off when rd is another host
      if (found.session !== null) {
        return continueTo(deps, request, reply, rd ?? defaultRedirect(request.pc.state), found.session);
      }
      return html(
        reply,
        loginPage(pageText(request), { rd, providers: providerChoices(request.pc.state, rd) }),
        200,
        formActionFor(request, rd),
      );
    });

    app.get('/logout', async (request, reply) => {
      const found = await readSession(request, reply, deps.sessions, deps.metrics);
      if (found === 'unavailable') return reply;
      return html(
        reply,
        logoutPage(pageText(request), { signedIn: found.user !== null, user: found.user?.name ?? '' }),
      );
    });

    // with rd ("sign in as someone else" on a refusal page): signed out, then the sign-in page for rd
    app.post('/logout', { onRequest: form, schema: { body: Type.Optional(LogoutForm) } }, async (request, reply) => {
      const ended = await endSession(deps, request, reply);
      if (ended === 'unavailable') return reply;
      const rd = safeRedirect((request.body as { rd?: string } | undefined)?.rd, request.pc.state, request.pc.origin);
      // signed in through a provider that wants to know: signed out there too, then back here
      const atProvider = rd === null && ended !== null ? await providerLogout(deps, request.pc.state, ended) : null;
      if (atProvider !== null) return reply.header('cache-control', 'no-store').redirect(atProvider, 303);
      if (rd !== null)
        return reply
          .header('cache-control', 'no-store')
          .redirect(`/.portcullis/login?rd=${encodeURIComponent(rd)}`, 303);
      return html(reply, logoutPage(pageText(request), { signedIn: false }));
    });
  };
}
