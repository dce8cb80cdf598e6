import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { readSession } from '../gate/session-lookup.ts';
import { amrOf } from '../session/session.ts';
import { pageText } from '../web/html.ts';
import { csrfGuard } from './csrf.ts';
import type { PortalDeps } from './deps.ts';
import {
  checkPassword,
  passwordAttempt,
  retryAfterSeconds,
  throttledMessage,
} from './factors/password/password-login.ts';
import { defaultRedirect, safeRedirect } from './redirect.ts';
import { noSession } from './session-ended.ts';
import { afterFirstFactor, endSession, startSession } from './sign-in.ts';

const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 256 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    rd: Type.Optional(Type.String({ maxLength: 4096 })),
  },
  { additionalProperties: false },
);
const Empty = Type.Object({}, { additionalProperties: false });

/** The JSON API under /.portcullis/api: what scripts, tests and other front ends use. */
export function apiRoutes(deps: PortalDeps) {
  return async function api(app: FastifyInstance): Promise<void> {
    const json = csrfGuard('json');

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

    app.post('/api/logout', { onRequest: json, schema: { body: Type.Optional(Empty) } }, async (request, reply) => {
      if ((await endSession(deps, request, reply)) === 'unavailable') return reply;
      return reply.code(204).send();
    });

    app.get('/api/session', async (request, reply) => {
      const found = await readSession(request, reply, deps.sessions, deps.metrics);
      if (found === 'unavailable') return reply;
      reply.header('cache-control', 'no-store');
      const { session, user } = found;
      if (session === null || user === null) return noSession(request, reply);
      return {
        user: user.name,
        name: user.displayName,
        email: user.email,
        groups: user.groups,
        tenant: user.tenant,
        amr: amrOf(session),
        auth_time: Math.floor(session.authTime / 1000),
        expires_at: Math.floor(deps.sessions.expiresAt(session) / 1000),
      };
    });
  };
}
