import type { Session } from '../session/session.ts';
import type { GatewayState } from '../state.ts';
import type { DurableStore } from '../stores/durable.ts';
import type { DirectoryUser } from '../users/directory.ts';
import type { ProviderSettings } from './provider-settings.ts';

/** The user a provider's session names, built once per session record (records are frozen and shared). */
const built = new WeakMap<Session, DirectoryUser>();

/** A provider's user as the rest of the gateway knows users (the policy's facts included), frozen. */
export function providerDirectoryUser(u: {
  readonly name: string;
  readonly displayName: string;
  readonly email: string | null;
  readonly groups: readonly string[];
  readonly tenant: string | null;
  readonly provider: string;
}): DirectoryUser {
  const groups = Object.isFrozen(u.groups) ? u.groups : Object.freeze([...u.groups]);
  return Object.freeze({
    name: u.name,
    displayName: u.displayName,
    email: u.email,
    groups,
    tenant: u.tenant,
    disabled: false,
    provider: u.provider,
    facts: Object.freeze({ name: u.name, groups, tenant: u.tenant }),
  });
}

/**
 * The provider that still vouches for a user it signed in: configured, for the same tenant, and
 * the name not taken by users.yaml since (one name is never both). Undefined otherwise: the user
 * is no one here until a sign-in says again who they are.
 */
export function vouchingProvider(
  state: Pick<GatewayState, 'providers' | 'users'>,
  provider: string,
  tenant: string | null,
  user: string,
): ProviderSettings | undefined {
  const settings = state.providers.get(provider);
  return settings !== undefined && settings.tenant === tenant && state.users.get(user) === undefined
    ? settings
    : undefined;
}

/** Every provider user of the durable store whose provider still vouches for them, as users. */
export async function providerUsers(
  state: Pick<GatewayState, 'providers' | 'users'>,
  durable: Pick<DurableStore, 'listProviderUsers'>,
): Promise<DirectoryUser[]> {
  const users: DirectoryUser[] = [];
  for (const r of await durable.listProviderUsers())
    if (vouchingProvider(state, r.provider, r.tenant, r.user) !== undefined)
      users.push(providerDirectoryUser({ ...r, name: r.user }));
  return users;
}

/**
 * The user of a session an identity provider signed in, from what the provider said at that sign-in
 * (session.idp): no lookup on the hot path. None when the provider is no longer configured or now
 * serves another tenant, or when users.yaml has come to hold the same name (one name is never both).
 */
export function providerUser(state: GatewayState, session: Session): DirectoryUser | undefined {
  const idp = session.idp;
  if (idp === undefined) return undefined;
  if (vouchingProvider(state, idp.p, idp.t, session.user) === undefined) return undefined;
  let user = built.get(session);
  if (user === undefined) {
    user = providerDirectoryUser({
      name: session.user,
      displayName: idp.n,
      email: idp.e,
      groups: idp.g,
      tenant: idp.t,
      provider: idp.p,
    });
    built.set(session, user);
  }
  return user;
}

/** The user of any session: users.yaml's, or the provider's that signed it in. */
export function sessionUser(state: GatewayState, session: Session): DirectoryUser | undefined {
  return session.idp === undefined ? state.users.get(session.user) : providerUser(state, session);
}

/**
 * A user by name where there is no session to tell (a phone paired with a one-time code, an
 * administrator's command): users.yaml's, else a provider user the durable store knows whose
 * provider is still configured for its tenant.
 */
export async function findUser(
  state: GatewayState,
  durable: Pick<DurableStore, 'getProviderUser'>,
  name: string,
): Promise<DirectoryUser | undefined> {
  const local = state.users.get(name);
  if (local !== undefined) return local;
  const record = await durable.getProviderUser(name);
  if (record === null || vouchingProvider(state, record.provider, record.tenant, record.user) === undefined)
    return undefined;
  return providerDirectoryUser({ ...record, name: record.user });
}
