/**
 * Forgetting a user's devices (a lost laptop, a browser that should no longer be trusted):
 *
 *   DELETE /api/v1/users/{name}/devices/{id}   one device (its id is in GET users/{name})
 *   DELETE /api/v1/users/{name}/devices        every device of the user
 *
 * A forgotten device is no longer trusted and is a new device at its next sign-in; the sessions
 * signed in from it end at once (the gateway holds them, whatever its store). 404
 * `unknown_device` when the user has no such device (nothing changes). Audited
 * `admin.forget_device` with the token's name.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { recordAdminAction } from '../audit/admin-event.ts';
import { type AdminApiDeps, error, knownUser, nameParams, target, userRefusals } from './api-common.ts';
import { forgetDetail, forgetDevices } from './user-actions.ts';

const forgotten = {
  type: 'object',
  required: ['user', 'devices', 'sessions_ended'],
  properties: {
    user: { type: 'string' },
    devices: { type: 'array', items: { type: 'string' }, description: 'the names of the devices forgotten' },
    sessions_ended: { type: 'integer', description: 'sessions signed in from them that ended' },
  },
} as const;

const deviceParams = {
  type: 'object',
  required: ['name', 'id'],
  properties: {
    name: nameParams.properties.name,
    // device ids are 128 random bits in base64url
    id: { type: 'string', pattern: '^[A-Za-z0-9_-]{22}$' },
  },
} as const;

export function registerDeviceRoutes(api: FastifyInstance, deps: AdminApiDeps): void {
  const by = `api:${deps.token.name}`;
  const forget = async (req: FastifyRequest, reply: FastifyReply, which: string | 'all') => {
    const u = await knownUser(deps, req, reply);
    if (u === null) return reply;
    const forgot = await forgetDevices(deps.durable, deps.sessions, u.name, which);
    if (forgot === null) return reply.code(404).send(error('unknown_device'));
    if (forgot.names.length > 0) {
      await recordAdminAction(
        deps.durable,
        deps.clock,
        'admin.forget_device',
        target(u),
        forgetDetail(forgot, which === 'all'),
        by,
        req.id,
      );
    }
    return { user: u.name, devices: forgot.names, sessions_ended: forgot.sessionsEnded ?? 0 };
  };

  api.delete(
    '/users/:name/devices/:id',
    {
      schema: {
        summary: 'Forgets one device of the user (no longer trusted); ends the sessions signed in from it',
        params: deviceParams,
        response: { 200: forgotten, ...userRefusals },
      },
    },
    (req, reply) => forget(req, reply, (req.params as { id: string }).id),
  );

  api.delete(
    '/users/:name/devices',
    {
      schema: {
        summary: 'Forgets every device of the user; ends the sessions signed in from them',
        params: nameParams,
        response: { 200: forgotten, ...userRefusals },
      },
    },
    (req, reply) => forget(req, reply, 'all'),
  );
}
