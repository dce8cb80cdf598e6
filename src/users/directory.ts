/**
 * The local user directory: users.yaml's `users:` map, built once per config load into frozen
 * records keyed by canonical user name. Lookups never allocate; `facts` is the UserFacts object
 * the policy sees, built here once per user.
 */
import type { UserSpec } from '../config/schema.ts';
import type { UserFacts } from '../policy/types.ts';
import { canonicalUsername } from './canonical.ts';
import { parseArgon2Params } from './password.ts';

export interface DirectoryUser {
  /** canonical user name */
  readonly name: string;
  /** `name:` from users.yaml, else the user name */
  readonly displayName: string;
  readonly email: string | null;
  readonly groups: readonly string[];
  /** null: MSP staff; otherwise the client tenant the user belongs to */
  readonly tenant: string | null;
  readonly disabled: boolean;
  /** the identity provider that signed this user in (idp/); absent: a users.yaml user */
  readonly provider?: string;
  /** argon2id PHC string; absent: the user cannot sign in with a password */
  readonly passwordHash?: string;
  readonly facts: UserFacts;
}

export class UserDirectory {
  private constructor(private readonly users: ReadonlyMap<string, DirectoryUser>) {}

  /**
   * Builds the directory. Problems (`users.<key>: ...`) are returned, never thrown: a key that
   * is not a valid user name, two keys that fold to the same name (both are left out: fail
   * closed), a password that is not an argon2id hash (the user is kept, without a password).
   */
  static build(users: Readonly<Record<string, UserSpec>> | null | undefined): {
    directory: UserDirectory;
    problems: string[];
  } {
    const problems: string[] = [];
    const byName = new Map<string, DirectoryUser>();
    const collided = new Set<string>();
    for (const [key, spec] of Object.entries(users ?? {})) {
      const name = canonicalUsername(key);
      if (name === null) {
        problems.push(`users.${printable(key)}: not a valid user name (letters, digits, '.', '_', '@', '-')`);
        continue;
      }
      if (byName.has(name) || collided.has(name)) {
        problems.push(`users.${printable(key)}: the same user as another entry (names are compared as '${name}')`);
        byName.delete(name);
        collided.add(name);
        continue;
      }
      byName.set(name, toUser(name, key, spec ?? {}, problems));
    }
    return { directory: new UserDirectory(byName), problems };
  }

  /** The user with this canonical name. Callers canonicalise first (canonicalUsername). */
  get(canonicalName: string): DirectoryUser | undefined {
    return this.users.get(canonicalName);
  }

  get size(): number {
    return this.users.size;
  }

  /** All users, in file order. */
  all(): DirectoryUser[] {
    return [...this.users.values()];
  }
}

function toUser(name: string, key: string, spec: UserSpec, problems: string[]): DirectoryUser {
  const groups = Object.freeze([...new Set(Array.isArray(spec.groups) ? spec.groups : [])]);
  const tenant = spec.tenant ?? null;
  let passwordHash: string | undefined;
  if (spec.password !== undefined) {
    if (typeof spec.password === 'string' && parseArgon2Params(spec.password) !== null) passwordHash = spec.password;
    else problems.push(`users.${printable(key)}.password: not an argon2id hash (use \`portcullis hash-password\`)`);
  }
  const facts: UserFacts = Object.freeze({ name, groups, tenant });
  return Object.freeze({
    name,
    displayName: spec.name ?? name,
    email: spec.email ?? null,
    groups,
    tenant,
    disabled: spec.disabled === true,
    ...(passwordHash === undefined ? {} : { passwordHash }),
    facts,
  });
}

/** A key as it may appear in a message: quoted unless plain, non-printable characters escaped, bounded. */
function printable(key: string): string {
  const bounded = key.length > 64 ? `${key.slice(0, 64)}...` : key;
  const escaped = bounded.replace(/[^\x20-\x7e]/gu, (c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`);
  return /^[A-Za-z0-9_@-]+$/.test(escaped) ? escaped : `'${escaped}'`;
}
