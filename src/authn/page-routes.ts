import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { readSession } from '../gate/session-lookup.ts';
import { token } from '../random.ts';
import { sendPage as html } from '../web/html.ts';
import { handoffPage, loginPage, logoutPage } from '../web/pages/login-page.ts';
import { csrfGuard } from './csrf.ts';
import type { PortalDeps } from './deps.ts';
import {
  checkPassword,
  passwordAttempt,
  refusedMessage,
  retryAfterSeconds,
  throttledMessage,
} from './password-login.ts';
import { defaultRedirect, safeRedirect } from './redirect.ts';
import { afterFirstFactor, endSession, startSession } from './sign-in.ts';

const RdQuery = Type.Object({ rd: Type.Optional(Type.String({ maxLength: 4096 })) });
const LoginForm = Type.Object(
  {
    username: Type.String({ maxLength: 256 }),
    password: Type.String({ maxLength: 1024 }),
    rd: Type.Optional(Type.String({ maxLength: 4096 })),
  },
  { additionalProperties: false },
);
const HANDOFF_TTL_MS = 60_000;

export function handoffKey(code: string): string {
  return `sso:${createHash('sha256').update(code).digest('base64url')}`;
}

/** True when the session cookie set on this host also reaches `host`. */
function cookieReaches(request: FastifyRequest, host: string): boolean {
  const domain = request.pc.state.session.cookieDomain?.replace(/^\./, '').toLowerCase();
  if (host === request.pc.host) return true;
  return (
    domain !== undefined &&
    (host === domain || host.endsWith(`.${domain}`)) &&
    (request.pc.host === domain || request.pc.host.endsWith(`.${domain}`))
  );
}

/** The HTML pages of the portal, built on the same steps as the JSON API. */
export function pageRoutes(deps: PortalDeps) {
  return async function pages(app: FastifyInstance): Promise<void> {
    const form = csrfGuard('form');

    /** Already signed in: go on to rd, through a single sign-on hand-off when rd is another host. */
    async function continueTo(
      request: FastifyRequest,
      reply: FastifyReply,
      rd: string,
      sessionId: string,
    ): Promise<FastifyReply> {
      const target = new URL(rd);
      const host = target.hostname.toLowerCase();
      if (cookieReaches(request, host)) return reply.code(303).header('cache-control', 'no-store').redirect(rd, 303);
      const code = token(deps.random, 32);
      await deps.ephemeral.set(handoffKey(code), JSON.stringify({ sid: sessionId, host }), HANDOFF_TTL_MS);
      return html(
        reply,
        handoffPage({ action: `${target.origin}/.portcullis/sso`, code, rd }),
        200,
        `'self' ${target.origin}`,
      );
    }

    app.get('/login', { schema: { querystring: RdQuery } }, async (request, reply) => {
      const found = await readSession(request, reply, deps.sessions, deps.metrics);
      if (found === 'unavailable') return reply;
      const rd = safeRedirect((request.query as { rd?: string }).rd, request.pc.state, request.pc.origin);
      if (found.session !== null && found.sessionId !== undefined) {
        return continueTo(request, reply, rd ?? defaultRedirect(request.pc.state), found.sessionId);
      }
      return html(reply, loginPage({ rd }));
    });

    app.post('/login', { onRequest: form, schema: { body: LoginForm } }, async (request, reply) => {
      const body = request.body as { username: string; password: string; rd?: string };
      const state = request.pc.state;
      const rd = safeRedirect(body.rd, state, request.pc.origin);
      const result = await checkPassword(deps, state, passwordAttempt(request, body));
      if (result.status !== 'ok') {
        const throttled = result.status === 'throttled';
        if (throttled) reply.header('retry-after', String(retryAfterSeconds(result.retryAfterMs)));
        const error = throttled ? throttledMessage(result.retryAfterMs) : refusedMessage(state);
        return html(reply, loginPage({ rd, username: body.username.slice(0, 256), error }), throttled ? 429 : 401);
      }
      const signed = await startSession(deps, request, reply, result.user);
      const target = rd ?? defaultRedirect(state);
      const step = await afterFirstFactor(deps, request, reply, signed, target);
      const next = step.status === 'mfa_required' ? 'stepup' : step.status === 'enrollment_required' ? 'enroll' : null;
      return reply
        .header('cache-control', 'no-store')
        .redirect(next === null ? target : `/.portcullis/${next}?rd=${encodeURIComponent(target)}`, 303);
    });

    app.get('/logout', async (request, reply) => {
      const found = await readSession(request, reply, deps.sessions, deps.metrics);
      if (found === 'unavailable') return reply;
      return html(reply, logoutPage({ signedIn: found.user !== null, user: found.user?.name ?? '' }));
    });

    app.post('/logout', { onRequest: form }, async (request, reply) => {
      if ((await endSession(deps, request, reply)) === 'unavailable') return reply;
      return html(reply, logoutPage({ signedIn: false }));
    });
  };
}
