/**
 * The browsers users sign in from, known by a device cookie.
 *
 * The cookie holds a random device id sealed by SecretBox (AES-256-GCM) with the user's name
 * as context: it cannot be forged, read, or moved to another user (it does not open for them),
 * and it follows secret-key rotation. The durable store is the truth: a device is known while
 * its row exists and belongs to the user; it is trusted while `trustedUntil` is ahead.
 * Forgetting a device deletes its row, so its cookie means nothing any more.
 *
 * A device row is written when a sign-in completes (every factor the page needed proven), never
 * after a password alone: a stolen password must not make the thief's browser "seen".
 */
import type { Clock } from '../clock.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import { type Random, token } from '../random.ts';
import type { DeviceRecord, DurableStore } from '../stores/durable.ts';

/** A device id: 128 random bits, base64url. */
const DEVICE_ID = /^[A-Za-z0-9_-]{22}$/;
/** A sealed cookie is far shorter; anything longer is not opened. */
const MAX_COOKIE_VALUE = 256;
/** Untrusted devices kept per user (trusted ones are always kept). */
export const DEVICES_KEPT = 20;

export interface KnownDevice {
  readonly record: DeviceRecord;
  readonly trusted: boolean;
}

export interface Seen {
  readonly ip: string | null;
  readonly country: string | null;
  /** readable, from the User-Agent */
  readonly name: string;
}

const context = (user: string) => `device:${user}`;

export class Devices {
  constructor(private readonly deps: { durable: DurableStore; box: SecretBox; clock: Clock; random: Random }) {}

  /**
   * The device a cookie value names, when the cookie opens for this user and the device is on
   * record as theirs; otherwise null. Store failures reject (the caller fails closed).
   */
  async recognise(cookie: string | undefined, user: string): Promise<KnownDevice | null> {
    if (cookie === undefined || cookie.length > MAX_COOKIE_VALUE) return null;
    let id: string;
    try {
      id = this.deps.box.open(cookie, context(user));
    } catch {
      return null;
    }
    if (!DEVICE_ID.test(id)) return null;
    const record = await this.deps.durable.getDevice(id);
    if (record === null || record.user !== user) return null;
    return { record, trusted: isTrusted(record, this.deps.clock.now()) };
  }

  /**
   * Records a completed sign-in from this browser: the known device is touched, an unknown one
   * is added. `cookie` is the new cookie value to set, present only for a new device.
   */
  async remember(user: string, known: KnownDevice | null, seen: Seen): Promise<{ id: string; cookie?: string }> {
    const now = this.deps.clock.now();
    if (known !== null && (await this.deps.durable.touchDevice(user, known.record.id, { time: now, ...seen })))
      return { id: known.record.id };
    const id = token(this.deps.random, 16);
    await this.deps.durable.addDevice(
      {
        id,
        user,
        name: seen.name,
        firstSeenAt: now,
        lastSeenAt: now,
        ip: seen.ip,
        country: seen.country,
        trustedAt: null,
        trustedUntil: null,
      },
      DEVICES_KEPT,
    );
    return { id, cookie: this.deps.box.seal(id, context(user)) };
  }

  /** Trusts the device for `forMs`; false when the user has no such device. */
  async trust(user: string, id: string, forMs: number): Promise<{ until: number } | null> {
    const now = this.deps.clock.now();
    const until = now + forMs;
    return (await this.deps.durable.trustDevice(user, id, now, until)) ? { until } : null;
  }

  list(user: string): Promise<DeviceRecord[]> {
    return this.deps.durable.listDevices(user);
  }

  forget(user: string, id: string): Promise<boolean> {
    return this.deps.durable.removeDevice(user, id);
  }

  forgetAll(user: string): Promise<number> {
    return this.deps.durable.removeAllDevices(user);
  }
}

/** Whether a device is trusted at `now`. */
export function isTrusted(device: DeviceRecord, now: number): boolean {
  return device.trustedUntil !== null && device.trustedUntil > now;
}
