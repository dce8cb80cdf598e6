/**
 * The admin API, on the admin listener only (never on the proxied port): JSON under `/api/v1/`,
 * every request (unknown paths included) with `Authorization: Bearer <token>` (admin-token.ts).
 * No or a wrong token answers 401 `unauthorized` and counts against the client address; past 10
 * failures in a minute the address gets 429 `rate_limited` without its token being looked at.
 *
 *   GET  /api/v1/users                        every user of users.yaml with factor count and lock
 *   GET  /api/v1/users/{name}                 factors (no secret), devices, lock state, live sessions,
 *                                             the access code not used yet (never the code)
 *   POST /api/v1/users/{name}/unlock          Lockout.unlock
 *   POST /api/v1/users/{name}/revoke-sessions every session, on every host and instance
 *   POST /api/v1/users/{name}/reset-mfa       factors, recovery codes, devices gone; sessions ended
 *   POST /api/v1/users/{name}/access-codes    a one-time code for a lost device (access-code-routes.ts)
 *   DELETE /api/v1/users/{name}/devices[/{id}] forget devices (device-routes.ts)
 *   POST /api/v1/users/{name}/push/unblock    lift a push block after a report (push-routes.ts)
 *   GET  /api/v1/events                       the audit trail, newest first, paged (events-routes.ts)
 *   GET  /api/v1/audit?tenant=&format=json|html  the MFA coverage report (audit-routes.ts)
 *   GET  /api/v1/openapi.json                 the OpenAPI document, made from these routes' schemas
 *
 * Names follow the canonical user name rules (400 otherwise); a user not in users.yaml is 404.
 * Each POST is an admin action in the audit trail, `by` the token's name.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { recordAdminAction } from '../audit/admin-event.ts';
import { providerUsers } from '../idp/provider-user.ts';
import { amrOf } from '../session/session.ts';
import { registerAccessCodeRoutes } from './access-code-routes.ts';
import {
  type AdminApiDeps,
  error,
  iso,
  isoOrNull,
  isoTime,
  knownUser,
  nameParams,
  nullable,
  refusals,
  sessionsEnded,
  target,
  userRefusals,
} from './api-common.ts';
import { registerAuditRoutes } from './audit-routes.ts';
import { registerDeviceRoutes } from './device-routes.ts';
import { registerEventsRoutes } from './events-routes.ts';
import { registerPushRoutes } from './push-routes.ts';
import { endSessionsOf, resetDetail, resetMfa } from './user-actions.ts';

export const API_PREFIX = '/api/v1';

const userSummary = {
  type: 'object',
  required: ['name', 'tenant', 'groups', 'disabled', 'factors', 'locked'],
  properties: {
    name: { type: 'string' },
    tenant: nullable({ type: 'string' }),
    groups: { type: 'array', items: { type: 'string' } },
    disabled: { type: 'boolean' },
    factors: { type: 'integer', description: 'how many second factors the user has' },
    locked: { type: 'boolean', description: 'the account or one of its browsers is locked' },
    provider: {
      type: 'string',
      description: 'the identity provider that signed the user in; absent: a user of users.yaml',
    },
  },
} as const;
const userDetail = {
  type: 'object',
  required: ['name', 'tenant', 'groups', 'disabled', 'factors', 'devices', 'lock', 'sessions', 'access_code'],
  properties: {
    name: { type: 'string' },
    tenant: nullable({ type: 'string' }),
    groups: { type: 'array', items: { type: 'string' } },
    disabled: { type: 'boolean' },
    factors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'kind', 'name', 'created_at', 'last_used_at'],
        properties: {
          id: { type: 'string' },
          kind: { type: 'string' },
          name: { type: 'string' },
          created_at: isoTime,
          last_used_at: nullable(isoTime),
        },
      },
    },
    devices: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'name', 'first_seen_at', 'last_seen_at', 'ip', 'country', 'trusted_until'],
        properties: {
          id: { type: 'string', description: 'for DELETE users/{name}/devices/{id}' },
          name: { type: 'string' },
          first_seen_at: isoTime,
          last_seen_at: isoTime,
          ip: nullable({ type: 'string' }),
          country: nullable({ type: 'string' }),
          trusted_until: nullable(isoTime),
        },
      },
    },
    access_code: nullable({
      type: 'object',
      description: 'the access code the user has not used yet (never the code itself)',
      required: ['issued_at', 'expires_at', 'issued_by'],
      properties: { issued_at: isoTime, expires_at: isoTime, issued_by: { type: 'string' } },
    }),
    lock: {
      type: 'object',
      required: ['locked', 'locked_for_ms', 'failures', 'locked_devices'],
      properties: {
        locked: { type: 'boolean' },
        locked_for_ms: nullable({ type: 'integer' }),
        failures: { type: 'integer' },
        locked_devices: { type: 'integer' },
      },
    },
    sessions: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'signed_in_at', 'amr', 'ends_by', 'hosts'],
        properties: {
          id: { type: 'string', description: 'the short id `user sessions` shows' },
          signed_in_at: isoTime,
          amr: { type: 'array', items: { type: 'string' } },
          ends_by: isoTime,
          hosts: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  },
} as const;

/** `Bearer <token>`, or null */
function bearer(header: string | undefined): string | null {
  const m = header === undefined ? null : /^Bearer +(\S+) *$/i.exec(header);
  return m?.[1] ?? null;
}

export function registerAdminApi(app: FastifyInstance, deps: AdminApiDeps): void {
  const { durable, lockout, sessions, clock } = deps;
  const by = `api:${deps.token.name}`;

  app.register(
    async (api) => {
      api.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
        const wait = deps.throttle.blockedFor(req.ip);
        if (wait !== null) {
          return reply
            .code(429)
            .header('retry-after', String(Math.max(1, Math.ceil(wait / 1000))))
            .send(error('rate_limited'));
        }
        const presented = bearer(req.headers.authorization);
        if (presented === null || !deps.token.matches(presented)) {
          deps.throttle.recordFailure(req.ip);
          return reply.code(401).header('www-authenticate', 'Bearer').send(error('unauthorized'));
        }
      });
      api.setNotFoundHandler((_req, reply) => {
        reply.code(404).send(error('not_found'));
      });

      const known = (req: FastifyRequest, reply: FastifyReply) => knownUser(deps, req, reply);

      api.get(
        '/openapi.json',
        {
          schema: {
            summary: 'This OpenAPI document',
            response: { 200: { type: 'object', additionalProperties: true }, ...refusals },
          },
        },
        async () => app.swagger(),
      );

      api.get(
        '/users',
        {
          schema: {
            summary: 'Every user of users.yaml, then those identity providers signed in',
            response: {
              200: {
                type: 'object',
                required: ['users'],
                properties: { users: { type: 'array', items: userSummary } },
              },
              ...refusals,
            },
          },
        },
        async () => {
          const users = [];
          const state = deps.state();
          for (const u of [...state.users.all(), ...(await providerUsers(state, durable))]) {
            const [factors, lock] = await Promise.all([durable.listFactors(u.name), lockout.status(u.name)]);
            users.push({
              name: u.name,
              tenant: u.tenant,
              groups: [...u.groups],
              disabled: u.disabled,
              factors: factors.length,
              locked: lock.locked || lock.lockedDevices.length > 0,
              ...(u.provider === undefined ? {} : { provider: u.provider }),
            });
          }
          users.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
          return { users };
        },
      );

      api.get(
        '/users/:name',
        {
          schema: {
            summary: 'A user: factors (without secrets), devices, lock state, live sessions',
            params: nameParams,
            response: { 200: userDetail, ...userRefusals },
          },
        },
        async (req, reply) => {
          const u = await known(req, reply);
          if (u === null) return reply;
          const [factors, devices, lock, live, code] = await Promise.all([
            durable.listFactors(u.name),
            durable.listDevices(u.name),
            lockout.status(u.name),
            sessions.listForUser(u.name),
            durable.findAccessCode(u.name),
          ]);
          const active = code !== null && code.expiresAt > clock.now() ? code : null;
          return {
            name: u.name,
            tenant: u.tenant,
            groups: [...u.groups],
            disabled: u.disabled,
            factors: factors.map((f) => ({
              id: f.id,
              kind: f.kind,
              name: f.name,
              created_at: iso(f.createdAt),
              last_used_at: isoOrNull(f.lastUsedAt),
            })),
            devices: devices.map((d) => ({
              id: d.id,
              name: d.name,
              first_seen_at: iso(d.firstSeenAt),
              last_seen_at: iso(d.lastSeenAt),
              ip: d.ip,
              country: d.country,
              trusted_until: isoOrNull(d.trustedUntil),
            })),
            access_code:
              active === null
                ? null
                : { issued_at: iso(active.createdAt), expires_at: iso(active.expiresAt), issued_by: active.createdBy },
            lock: {
              locked: lock.locked,
              locked_for_ms: lock.lockedForMs,
              failures: lock.failures,
              locked_devices: lock.lockedDevices.length,
            },
            sessions: live.map((s) => ({
              id: s.shortId,
              signed_in_at: iso(s.session.authTime),
              amr: amrOf(s.session),
              ends_by: iso(s.expiresAt),
              hosts: s.scopes,
            })),
          };
        },
      );

      api.post(
        '/users/:name/unlock',
        {
          schema: {
            summary: "Clears the account's lockout and those of its browsers",
            params: nameParams,
            response: {
              200: {
                type: 'object',
                required: ['user', 'account', 'devices'],
                properties: {
                  user: { type: 'string' },
                  account: { type: 'boolean', description: 'the account was locked' },
                  devices: { type: 'integer', description: 'how many of its browsers were locked' },
                },
              },
              ...userRefusals,
            },
          },
        },
        async (req, reply) => {
          const u = await known(req, reply);
          if (u === null) return reply;
          const cleared = await lockout.unlock(u.name);
          await recordAdminAction(durable, clock, 'admin.unlock', target(u), { ...cleared }, by, req.id);
          return { user: u.name, ...cleared };
        },
      );

      api.post(
        '/users/:name/revoke-sessions',
        {
          schema: {
            summary: 'Ends every session of the user, on every host and instance',
            params: nameParams,
            response: {
              200: {
                type: 'object',
                required: ['user', 'sessions_ended'],
                properties: { user: { type: 'string' }, sessions_ended: sessionsEnded },
              },
              ...userRefusals,
            },
          },
        },
        async (req, reply) => {
          const u = await known(req, reply);
          if (u === null) return reply;
          const ended = await endSessionsOf(durable, sessions, u.name, clock.now());
          await recordAdminAction(durable, clock, 'admin.revoke_sessions', target(u), { sessions: ended }, by, req.id);
          return { user: u.name, sessions_ended: ended };
        },
      );

      api.post(
        '/users/:name/reset-mfa',
        {
          schema: {
            summary: 'Removes every second factor, the recovery codes and the devices; ends every session',
            params: nameParams,
            response: {
              200: {
                type: 'object',
                required: ['user', 'factors_removed', 'devices_forgotten', 'sessions_ended'],
                properties: {
                  user: { type: 'string' },
                  factors_removed: { type: 'integer' },
                  devices_forgotten: { type: 'integer' },
                  sessions_ended: sessionsEnded,
                },
              },
              ...userRefusals,
            },
          },
        },
        async (req, reply) => {
          const u = await known(req, reply);
          if (u === null) return reply;
          const now = clock.now();
          const reset = await resetMfa(durable, u.name, now, () => endSessionsOf(durable, sessions, u.name, now));
          const detail = resetDetail(reset);
          await recordAdminAction(durable, clock, 'admin.reset_mfa', target(u), detail, by, req.id);
          return { user: u.name, ...detail };
        },
      );
      registerAccessCodeRoutes(api, deps);
      registerDeviceRoutes(api, deps);
      registerEventsRoutes(api, deps);
      registerAuditRoutes(api, deps);
      registerPushRoutes(api, deps);
    },
    { prefix: API_PREFIX },
  );
}
