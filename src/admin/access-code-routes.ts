/**
 * `POST /api/v1/users/{name}/access-codes {ttl?}`: a temporary access code for a user who lost
 * their device (authn/access-codes.ts). The answer holds the code, once (never stored, logged
 * or audited); the user's sessions end; `access_code.issued` is audited `by` the token's name.
 */
import type { FastifyInstance } from 'fastify';
import { recordAdminAction } from '../audit/admin-event.ts';
import { ACCESS_CODE_DEFAULT_TTL_MS, accessCodeTtlProblem } from '../authn/account-recovery/access-codes.ts';
import { DURATION_PATTERN, parseDuration } from '../config/duration.ts';
import { type AdminApiDeps, error, knownUser, nameParams, sessionsEnded, target, userRefusals } from './api-common.ts';
import { endSessionsOf, grantAccessCode, grantDetail } from './user-actions.ts';

export function registerAccessCodeRoutes(api: FastifyInstance, deps: AdminApiDeps): void {
  const by = `api:${deps.token.name}`;
  api.post(
    '/users/:name/access-codes',
    {
      schema: {
        summary: 'Issues a one-time access code (a lost device): answered once; ends the user sessions',
        params: nameParams,
        body: {
          type: ['object', 'null'],
          additionalProperties: false,
          properties: {
            ttl: {
              type: 'string',
              pattern: DURATION_PATTERN,
              maxLength: 16,
              description: 'how long the code works: 5m to 24h, default 1h',
            },
          },
        },
        response: {
          201: {
            type: 'object',
            required: ['user', 'code', 'expires_at', 'replaced', 'sessions_ended'],
            properties: {
              user: { type: 'string' },
              code: { type: 'string', description: 'give it to the user; it is not shown again' },
              expires_at: { type: 'string', format: 'date-time' },
              replaced: { type: 'boolean', description: 'an earlier code of the user no longer works' },
              sessions_ended: sessionsEnded,
            },
          },
          ...userRefusals,
          422: {
            type: 'object',
            required: ['error', 'message'],
            properties: { error: { type: 'string' }, message: { type: 'string' } },
          },
        },
      },
    },
    async (req, reply) => {
      const u = await knownUser(deps, req, reply);
      if (u === null) return reply;
      const ttl = (req.body as { ttl?: string } | null)?.ttl;
      const ttlMs = ttl === undefined ? ACCESS_CODE_DEFAULT_TTL_MS : parseDuration(ttl);
      const problem = accessCodeTtlProblem(ttlMs);
      if (problem !== null) return reply.code(422).send({ ...error('bad_ttl'), message: problem });
      const grant = await grantAccessCode(deps, u.name, ttlMs, by, () =>
        endSessionsOf(deps.durable, deps.sessions, u.name, deps.clock.now()),
      );
      await recordAdminAction(
        deps.durable,
        deps.clock,
        'access_code.issued',
        target(u),
        grantDetail(grant),
        by,
        req.id,
      );
      return reply
        .code(201)
        .header('cache-control', 'no-store')
        .send({
          user: u.name,
          code: grant.code,
          expires_at: new Date(grant.expiresAt).toISOString(),
          replaced: grant.replaced,
          sessions_ended: grant.sessionsEnded,
        });
    },
  );
}
