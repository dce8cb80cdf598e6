import { createHash, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.ts';
import { type Random, token } from '../random.ts';

/**
 * The one-time link that creates the first administrator while no user exists. The token
 * lives only in this process (hashed); it is printed once at start-up as the fragment of the
 * link (`/.portcullis/setup#TOKEN`), which browsers never send to a server or put in a log.
 */
export class SetupTokens {
  private digest: Buffer | null = null;
  private expiresAt = 0;

  constructor(
    private readonly clock: Clock,
    private readonly random: Random,
  ) {}

  issue(ttlMs = 60 * 60_000): string {
    const t = token(this.random, 24);
    this.digest = createHash('sha256').update(t).digest();
    this.expiresAt = this.clock.now() + ttlMs;
    return t;
  }

  get active(): boolean {
    return this.digest !== null && this.clock.now() < this.expiresAt;
  }

  /** True once: a correct token is consumed by the check. */
  consume(candidate: unknown): boolean {
    if (typeof candidate !== 'string' || !this.active || this.digest === null) return false;
    const d = createHash('sha256').update(candidate).digest();
    if (!timingSafeEqual(d, this.digest)) return false;
    this.digest = null;
    return true;
  }

  /** Checks without consuming (to validate the rest of the form first). */
  matches(candidate: unknown): boolean {
    if (typeof candidate !== 'string' || !this.active || this.digest === null) return false;
    return timingSafeEqual(createHash('sha256').update(candidate).digest(), this.digest);
  }

  revoke(): void {
    this.digest = null;
  }
}
