import type { FastifyInstance } from 'fastify';
import { readSession } from '../gate/session-lookup.ts';
import { Type } from '../json-schema.ts';
import { amrOf } from '../session/session.ts';
import { csrfGuard } from './csrf.ts';
import type { PortalDeps } from './deps.ts';
import { noSession } from './session-ended.ts';
import { endSession } from './sign-in.ts';

const Empty = Type.Object({}, { additionalProperties: false });

/**
 * The JSON API under /.portcullis/api that is no factor's: logout and the session. What scripts,
 * tests and other front ends use; each factor brings its own (factors/<factor>/, and the
 * password's `api/login`: factors/password/password-routes.ts).
 */
export function apiRoutes(deps: PortalDeps) {
  return async function api(app: FastifyInstance): Promise<void> {
    const json = csrfGuard('json');

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
