/**
 * What the admin API's route files share: their dependencies, the refusal bodies and schemas,
 * the user-name parameter, and finding the user a route names.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Lockout } from '../authn/lockout.ts';
import type { Clock } from '../clock.ts';
import { findUser } from '../idp/provider-user.ts';
import type { PushRequests } from '../push/requests/push-requests.ts';
import type { Random } from '../random.ts';
import type { SessionStore } from '../session/session-store.ts';
import type { GatewayState } from '../state.ts';
import type { DurableStore } from '../stores/durable.ts';
import { canonicalUsername, MAX_USERNAME_LENGTH } from '../users/canonical.ts';
import type { DirectoryUser } from '../users/directory.ts';
import type { AdminToken } from './admin-token.ts';
import type { TokenThrottle } from './token-throttle.ts';

export interface AdminApiDeps {
  readonly token: AdminToken;
  readonly throttle: TokenThrottle;
  readonly clock: Clock;
  readonly durable: DurableStore;
  /** the running gateway's own session store (memory or the shared Redis) */
  readonly sessions: SessionStore;
  readonly lockout: Lockout;
  /** push requests: an administrator lifts a user's push block */
  readonly push: PushRequests;
  readonly state: () => GatewayState;
  readonly random: Random;
}

export const error = (code: string) => ({ error: code });
export const errorSchema = { type: 'object', required: ['error'], properties: { error: { type: 'string' } } } as const;
export const refusals = { 401: errorSchema, 429: errorSchema } as const;
export const userRefusals = { ...refusals, 400: errorSchema, 404: errorSchema } as const;
export const nameParams = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', minLength: 1, maxLength: MAX_USERNAME_LENGTH * 4 } },
} as const;
export const isoTime = { type: 'string', format: 'date-time' } as const;
export const nullable = <T extends object>(schema: T) => ({ anyOf: [schema, { type: 'null' }] }) as const;

export const sessionsEnded = {
  anyOf: [{ type: 'integer' }, { type: 'string', enum: ['marked'] }],
} as const;

export const iso = (ms: number) => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

/**
 * The user the route's `name` names (canonical): users.yaml's, or one an identity provider signed
 * in (idp/provider-user.ts); or null with the refusal sent: 400, 404.
 */
export async function knownUser(
  deps: Pick<AdminApiDeps, 'state' | 'durable'>,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<DirectoryUser | null> {
  const name = canonicalUsername((req.params as { name: string }).name);
  if (name === null) {
    reply.code(400).send(error('bad_request'));
    return null;
  }
  const user = await findUser(deps.state(), deps.durable, name);
  if (user === undefined) {
    reply.code(404).send(error('unknown_user'));
    return null;
  }
  return user;
}

/** Whom an admin action is about, for the audit trail. */
export const target = (u: DirectoryUser) => ({ user: u.name, tenant: u.tenant });
