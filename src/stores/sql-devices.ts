/**
 * The devices and sign-ins part of the SQL durable store (sql-store.ts). Both are bounded per
 * user in the transaction that adds one: addDevice keeps the user's `keep` most recently seen
 * devices (id breaking ties, as listDevices) among those not trusted at the new device's
 * firstSeenAt, and deletes the other untrusted ones; trusted devices neither count towards `keep`
 * nor are deleted. recordSignIn keeps the user's newest `keep` sign-ins, newest meaning latest
 * time, then latest recorded.
 */
import type { DeviceRecord, SignInRecord } from './durable.ts';
import { type DeviceRow, type SignInRow, toDevice, toSignIn } from './durable-rows.ts';
import { SQL } from './durable-sql.ts';
import { changesOf, firstOf, rowsOf, type SqlDriver, unique } from './sql-driver.ts';
import {
  checkCoordinate,
  checkCount,
  checkOptionalText,
  checkOptionalTime,
  checkText,
  checkTime,
} from './store-checks.ts';

/** The most sign-ins listSignIns returns at once. */
export const MAX_SIGN_IN_LIMIT = 10_000;

export class SqlDevices {
  readonly #db: SqlDriver;

  constructor(db: SqlDriver) {
    this.#db = db;
  }

  async getDevice(id: string): Promise<DeviceRecord | null> {
    const row = await firstOf<DeviceRow>(this.#db, SQL.getDevice, [id]);
    return row ? toDevice(row) : null;
  }

  /** Most recently seen first; equal times by id. */
  async listDevices(user: string): Promise<DeviceRecord[]> {
    return (await rowsOf<DeviceRow>(this.#db, SQL.listDevices, [user])).map(toDevice);
  }

  async addDevice(d: DeviceRecord, keep: number): Promise<void> {
    checkText('device id', d.id);
    checkText('device user', d.user);
    checkText('device name', d.name);
    checkTime('device firstSeenAt', d.firstSeenAt);
    checkTime('device lastSeenAt', d.lastSeenAt);
    checkOptionalText('device ip', d.ip);
    checkOptionalText('device country', d.country);
    checkOptionalTime('device trustedAt', d.trustedAt);
    checkOptionalTime('device trustedUntil', d.trustedUntil);
    checkCount('keep', keep);
    const row = [d.id, d.user, d.name, d.firstSeenAt, d.lastSeenAt, d.ip, d.country, d.trustedAt, d.trustedUntil];
    const now = d.firstSeenAt;
    await unique('device id', () =>
      this.#db.batch([
        { sql: SQL.addDevice, params: row },
        { sql: SQL.pruneDevices, params: [d.user, now, d.user, now, keep] },
      ]),
    );
  }

  async touchDevice(
    user: string,
    id: string,
    seen: { time: number; ip: string | null; country: string | null },
  ): Promise<boolean> {
    checkTime('time', seen.time);
    checkOptionalText('ip', seen.ip);
    checkOptionalText('country', seen.country);
    return (await changesOf(this.#db, SQL.touchDevice, [seen.time, seen.ip, seen.country, user, id])) > 0;
  }

  async trustDevice(user: string, id: string, time: number, until: number): Promise<boolean> {
    checkTime('time', time);
    checkTime('until', until);
    return (await changesOf(this.#db, SQL.trustDevice, [time, until, user, id])) > 0;
  }

  async removeDevice(user: string, id: string): Promise<boolean> {
    return (await changesOf(this.#db, SQL.removeDevice, [user, id])) > 0;
  }

  async removeAllDevices(user: string): Promise<number> {
    return changesOf(this.#db, SQL.removeAllDevices, [user]);
  }

  async recordSignIn(r: SignInRecord, keep: number): Promise<void> {
    checkText('sign-in user', r.user);
    checkTime('sign-in time', r.time);
    checkOptionalText('sign-in ip', r.ip);
    checkOptionalText('sign-in country', r.country);
    checkCoordinate('sign-in latitude', r.latitude, 90);
    checkCoordinate('sign-in longitude', r.longitude, 180);
    checkOptionalText('sign-in deviceId', r.deviceId);
    checkCount('keep', keep);
    await this.#db.batch([
      { sql: SQL.addSignIn, params: [r.user, r.time, r.ip, r.country, r.latitude, r.longitude, r.deviceId] },
      { sql: SQL.pruneSignIns, params: [r.user, r.user, keep] },
    ]);
  }

  /** `since` inclusive; newest first, equal times latest recorded first; limit from 1 to 10 000. */
  async listSignIns(user: string, since: number, limit: number): Promise<SignInRecord[]> {
    checkTime('since', since);
    checkCount('limit', limit, MAX_SIGN_IN_LIMIT);
    return (await rowsOf<SignInRow>(this.#db, SQL.listSignIns, [user, since, limit])).map(toSignIn);
  }
}
