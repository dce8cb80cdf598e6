import type { FastifyInstance } from 'fastify';
import { providerChoices } from '../../../idp/provider-choices.ts';
import { Type } from '../../../json-schema.ts';
import { sendPage as html, pageText } from '../../../web/html.ts';
import { loginPage } from '../../../web/pages/login-page.ts';
import { formActionFor } from '../../continue-to.ts';
import { csrfGuard } from '../../csrf.ts';
import type { PortalDeps } from '../../deps.ts';
import { defaultRedirect, safeRedirect } from '../../redirect.ts';
import { afterFirstFactor, goOnAfterFirstFactor, startSession } from '../../sign-in.ts';
import {
  checkPassword,
  passwordAttempt,
  refusedMessage,
  retryAfterSeconds,
  throttledMessage,
} from './password-login.ts';

const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 256 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    rd: Type.Optional(Type.String({ maxLength: 4096 })),
  },
  { additionalProperties: false },
);
const LoginForm = Type.Object(
  {
    username: Type.String({ maxLength: 256 }),
    password: Type.String({ maxLength: 1024 }),
    rd: Type.Optional(Type.String({ maxLength: 4096 })),
  },
  { additionalProperties: false },
);

/**
 * The first factor, the password: `POST api/login` (JSON) and the sign-in form's post
 * (`POST /login`), both through the one password step (password-login.ts checkPassword), then
 * on as the page `rd` needs (sign-in.ts afterFirstFactor). The sign-in page itself (`GET /login`)
 * is page-routes.ts.
 */
export function passwordRoutes(deps: PortalDeps) {
  return async function password(app: FastifyInstance): Promise<void> {
    const json = csrfGuard('json');
    const form = csrfGuard('form');

    app.post('/api/login', { onRequest: json, schema: { body: LoginBody } }, async (request, reply) => {
      const body = request.body as { username: string; password: string; rd?: string };
      const state = request.pc.state;
      const result = await checkPassword(deps, state, passwordAttempt(request, body));
      reply.header('cache-control', 'no-store');
      if (result.status === 'throttled') {
        const seconds = retryAfterSeconds(result.retryAfterMs);
        return reply
          .code(429)
          .header('retry-after', String(seconds))
          .send({
            error: 'too_many_attempts',
            retry_after: seconds,
            message: throttledMessage(result.retryAfterMs, pageText(request)),
          });
      }
      if (result.status === 'refused') return reply.code(401).send({ error: 'invalid_credentials' });
      const signed = await startSession(deps, request, reply, result.user);
      const redirect = safeRedirect(body.rd, state, request.pc.origin) ?? defaultRedirect(state);
      const { step } = await afterFirstFactor(deps, request, reply, signed, redirect);
      return step.status === 'authenticated' ? { status: 'authenticated', redirect } : step;
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
          loginPage(text, {
            rd,
            username: body.username.slice(0, 256),
            error,
            providers: providerChoices(state, rd),
          }),
          throttled ? 429 : 401,
          formActionFor(request, rd),
        );
      }
      const signed = await startSession(deps, request, reply, result.user);
      const target = rd ?? defaultRedirect(state);
      return goOnAfterFirstFactor(deps, request, reply, signed, target);
    });
  };
}
