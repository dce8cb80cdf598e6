/**
 * The users identity providers signed in, part of the SQL durable store (sql-store.ts). A name
 * belongs to one provider subject for good: saving it for another subject changes nothing and
 * says so, atomically (one conditional upsert), so two instances cannot hand one name to two people.
 */
import type { ProviderUserRecord } from './durable.ts';
import { SQL } from './durable-sql.ts';
import { changesOf, DuplicateKeyError, firstOf, rowsOf, type SqlDriver } from './sql-driver.ts';
import { checkOptionalText, checkText, checkTime } from './store-checks.ts';

interface ProviderUserRow {
  user_name: string;
  provider: string;
  subject: string;
  tenant: string | null;
  display_name: string;
  email: string | null;
  groups: string;
  created_at: number | string;
  last_seen_at: number | string;
}

function toRecord(r: ProviderUserRow): ProviderUserRecord {
  let groups: string[] = [];
  try {
    const parsed = JSON.parse(r.groups) as unknown;
    if (Array.isArray(parsed)) groups = parsed.filter((g): g is string => typeof g === 'string');
  } catch {
    // a row written by this code always holds an array; anything else is no groups
  }
  return {
    user: r.user_name,
    provider: r.provider,
    subject: r.subject,
    tenant: r.tenant,
    displayName: r.display_name,
    email: r.email,
    groups,
    createdAt: Number(r.created_at),
    lastSeenAt: Number(r.last_seen_at),
  };
}

export class SqlProviderUsers {
  readonly #db: SqlDriver;

  constructor(db: SqlDriver) {
    this.#db = db;
  }

  async findProviderUser(provider: string, subject: string): Promise<ProviderUserRecord | null> {
    const row = await firstOf<ProviderUserRow>(this.#db, SQL.findProviderUser, [provider, subject]);
    return row ? toRecord(row) : null;
  }

  async getProviderUser(user: string): Promise<ProviderUserRecord | null> {
    const row = await firstOf<ProviderUserRow>(this.#db, SQL.getProviderUser, [user]);
    return row ? toRecord(row) : null;
  }

  async listProviderUsers(): Promise<ProviderUserRecord[]> {
    return (await rowsOf<ProviderUserRow>(this.#db, SQL.listProviderUsers, [])).map(toRecord);
  }

  async saveProviderUser(r: ProviderUserRecord): Promise<boolean> {
    checkText('provider user', r.user);
    checkText('provider', r.provider);
    checkText('provider subject', r.subject);
    checkOptionalText('provider user tenant', r.tenant);
    checkText('provider user display name', r.displayName);
    checkOptionalText('provider user email', r.email);
    checkTime('provider user createdAt', r.createdAt);
    checkTime('provider user lastSeenAt', r.lastSeenAt);
    const row = [
      r.user,
      r.provider,
      r.subject,
      r.tenant,
      r.displayName,
      r.email,
      JSON.stringify(r.groups),
      r.createdAt,
      r.lastSeenAt,
    ];
    try {
      return (await changesOf(this.#db, SQL.saveProviderUser, row)) === 1;
    } catch (err) {
      // the subject holds another name already (a rename upstream, or a race with another instance)
      if (err instanceof DuplicateKeyError) return false;
      throw err;
    }
  }

  async removeProviderUser(user: string): Promise<boolean> {
    return (await changesOf(this.#db, SQL.removeProviderUser, [user])) === 1;
  }
}
