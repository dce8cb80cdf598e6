import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { readSession } from '../gate/session-lookup.ts';
import { sendPage as html, pageText } from '../web/html.ts';
import { loginPage, logoutPage } from '../web/pages/login-page.ts';
import { continueTo, formActionFor } from './continue-to.ts';
import { csrfGuard } from './csrf.ts';
import type { PortalDeps } from './deps.ts';
import {
  checkPassword,
  passwordAttempt,
  refusedMessage,
  retryAfterSeconds,
  throttledMessage,
} from './factors/password/password-login.ts';
import { defaultRedirect, safeRedirect } from './redirect.ts';
import { endSession, goOnAfterFirstFactor, startSession } from './sign-in.ts';

const RdQuery = Type.Object({ rd: Type.Optional(Type.String({ maxLength: 4096 })) });
const LoginForm = Type.Object(
  {
    username: Type.String({ maxLength: 256 }),
    password: Type.String({ maxLength: 1024 }),
    rd: Type.Optional(Type.String({ maxLength: 4096 })),
  },
  { additionalProperties: false },
);

const LogoutForm = Type.Object(
  { rd: Type.Optional(Type.String({ maxLength: 4096 })) },
  { additionalProperties: false },
);

/** The HTML pages of the portal, built on the same steps as the JSON API. */
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
      return html(reply, loginPage(pageText(request), { rd }), 200, formActionFor(request, rd));
    });

    app.post('/login', { onRequest: form, schema: { body: LoginForm } }, async (request, reply) => {
      const body = request.body as { username: string; password: string; rd?: string };
      const state = request.pc.state;
      const rd = safeRedirect(body.rd, state, request.pc.origin);
      const result = await checkPassword(deps, state, passwordAttempt(request, body));
      if (result.status !== 'ok') {
        const throttled = result.status === 'throttled';
        if (throttled) reply.header('retry-after', String(retryAfterSeconds(result.retryAfterMs)));
        const text = pageText(request);
        const error = throttled ? throttledMessage(result.retryAfterMs, text) : refusedMessage(state, text);
        return html(
          reply,
          loginPage(text, { rd, username: body.username.slice(0, 256), error }),
          throttled ? 429 : 401,
          formActionFor(request, rd),
        );
      }
      const signed = await startSession(deps, request, reply, result.user);
      const target = rd ?? defaultRedirect(state);
      return goOnAfterFirstFactor(deps, request, reply, signed, target);
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
      if ((await endSession(deps, request, reply)) === 'unavailable') return reply;
      const rd = safeRedirect((request.body as { rd?: string } | undefined)?.rd, request.pc.state, request.pc.origin);
      if (rd !== null)
        return reply
          .header('cache-control', 'no-store')
          .redirect(`/.portcullis/login?rd=${encodeURIComponent(rd)}`, 303);
      return html(reply, logoutPage(pageText(request), { signedIn: false }));
    });
  };
}
