/**
 * Pairing a phone with a user for push: the account page shows a QR code of
 * `<public_url>/.portcullis/push/app#pair=<code>`; the phone opens it (no session there), asks
 * for notification permission inside a button press, makes its key and sends its subscription
 * with the code. The code names the user, works once, for 10 minutes; only its SHA-256 is kept
 * (ephemeral store, shared by the instances). It sits in the fragment: in no access log.
 */
import { createHash } from 'node:crypto';
import { type Random, token } from '../../../random.ts';
import type { EphemeralStore } from '../../../stores/ephemeral.ts';

export const PAIRING_TTL_MS = 10 * 60_000;
const key = (code: string) => `push:pair:${createHash('sha256').update(code).digest('base64url')}`;
const CODE = /^[A-Za-z0-9_-]{43}$/;

export class PushPairing {
  constructor(private readonly deps: { store: EphemeralStore; random: Random }) {}

  /** A new pairing code for `user`. */
  async issue(user: string): Promise<string> {
    const code = token(this.deps.random, 32);
    await this.deps.store.set(key(code), user, PAIRING_TTL_MS);
    return code;
  }

  /** The user a code pairs for, once; null when unknown, used or expired. */
  async take(code: unknown): Promise<string | null> {
    if (typeof code !== 'string' || !CODE.test(code)) return null;
    return this.deps.store.take(key(code));
  }
}
