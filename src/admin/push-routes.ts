/**
 * `POST /api/v1/users/{name}/push/unblock`: lifts the push block a user's "this wasn't me"
 * answer set (and a running cooldown), once the administrator knows the account is safe (the
 * password changed, the sign-ins looked at). `{user, unblocked}`: whether there was a block.
 * Audited `push.unblocked` with the token's name.
 */
import type { FastifyInstance } from 'fastify';
import { recordAdminAction } from '../audit/admin-event.ts';
import { type AdminApiDeps, knownUser, nameParams, target, userRefusals } from './api-common.ts';

export function registerPushRoutes(api: FastifyInstance, deps: AdminApiDeps): void {
  const by = `api:${deps.token.name}`;
  api.post(
    '/users/:name/push/unblock',
    {
      schema: {
        summary: "Lifts the user's push block (after a reported push) and cooldown",
        params: nameParams,
        response: {
          200: {
            type: 'object',
            required: ['user', 'unblocked'],
            properties: {
              user: { type: 'string' },
              unblocked: { type: 'boolean', description: 'the user was blocked' },
            },
          },
          ...userRefusals,
        },
      },
    },
    async (req, reply) => {
      const u = await knownUser(deps, req, reply);
      if (u === null) return reply;
      const unblocked = await deps.push.unblock(u.name);
      await recordAdminAction(deps.durable, deps.clock, 'push.unblocked', target(u), { unblocked }, by, req.id);
      return { user: u.name, unblocked };
    },
  );
}
