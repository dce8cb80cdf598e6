import type { Clock } from '../../../clock.ts';
import type { SecretBox } from '../../../crypto/secret-box.ts';
import { type Random, token } from '../../../random.ts';
import type { DurableStore, FactorRecord } from '../../../stores/durable.ts';
import type { EphemeralStore } from '../../../stores/ephemeral.ts';
import type { RecoveryCodes } from '../recovery/user-recovery-codes.ts';
import { qrSvg } from './qr.ts';
import { generateTotpSecret, type TotpVerifier, totpUri } from './totp.ts';

export interface AuthenticatorAppDeps {
  readonly durable: DurableStore;
  readonly ephemeral: EphemeralStore;
  readonly box: SecretBox;
  readonly clock: Clock;
  readonly random: Random;
  /** from the state in force (digits, period, skew follow a reload) */
  readonly totp: () => { verifier: TotpVerifier; issuer: string; digits: 6 | 8; period: number };
  /** the set the first factor of a user brings */
  readonly recovery: RecoveryCodes;
}

const ENROLMENT_TTL_MS = 10 * 60_000;
const pendingKey = (user: string) => `enroll:totp:${user}`;
const context = (f: Pick<FactorRecord, 'kind' | 'user' | 'id'>) => `${f.kind}:${f.user}:${f.id}`;

/**
 * The authenticator apps (TOTP) of each user: enrolment and proof. Secrets are sealed
 * (AES-256-GCM) and bound to their row.
 */
export class AuthenticatorApps {
  constructor(private readonly deps: AuthenticatorAppDeps) {}

  /** Starts a TOTP enrolment: a new secret, kept sealed for ten minutes until a code proves it. */
  async start(user: string): Promise<{ secret: string; otpauthUrl: string; qrSvg: string }> {
    const t = this.deps.totp();
    // a reload of the enrolment page shows the same secret until it is proven or expires
    const pending = await this.deps.ephemeral.get(pendingKey(user));
    const secret =
      pending === null ? generateTotpSecret(this.deps.random) : this.deps.box.open(pending, pendingKey(user));
    if (pending === null)
      await this.deps.ephemeral.set(pendingKey(user), this.deps.box.seal(secret, pendingKey(user)), ENROLMENT_TTL_MS);
    const otpauthUrl = totpUri({
      issuer: t.issuer,
      account: user,
      secret,
      digits: t.digits,
      period: t.period,
      algorithm: 'sha1',
    });
    return { secret, otpauthUrl, qrSvg: await qrSvg(otpauthUrl) };
  }

  /**
   * Finishes a TOTP enrolment with a code from the new authenticator. The first factor of a
   * user also brings 10 recovery codes, returned once (only their hashes are kept).
   */
  async finish(
    user: string,
    code: unknown,
    name = 'Authenticator app',
  ): Promise<{ ok: false; reason: string } | { ok: true; factor: FactorRecord; recoveryCodes: string[] }> {
    const sealed = await this.deps.ephemeral.get(pendingKey(user));
    if (sealed === null) return { ok: false, reason: 'no_enrollment' };
    const secret = this.deps.box.open(sealed, pendingKey(user));
    const result = await this.deps.totp().verifier.verify(user, secret, code);
    if (!result.ok) return { ok: false, reason: result.reason };
    await this.deps.ephemeral.delete(pendingKey(user));
    const first = (await this.deps.durable.listFactors(user)).length === 0;
    const now = this.deps.clock.now();
    const id = token(this.deps.random, 16);
    const factor: FactorRecord = {
      id,
      user,
      kind: 'totp',
      name,
      secret: '',
      data: null,
      createdAt: now,
      lastUsedAt: now,
    };
    factor.secret = this.deps.box.seal(secret, context(factor));
    await this.deps.durable.addFactor(factor);
    const recoveryCodes = first ? await this.deps.recovery.regenerate(user) : [];
    return { ok: true, factor, recoveryCodes };
  }

  /** Proves a TOTP code against any of the user's authenticators; a code works once only. */
  async prove(user: string, code: unknown): Promise<{ ok: boolean; reason?: string }> {
    const factors = (await this.deps.durable.listFactors(user)).filter((f) => f.kind === 'totp' && f.secret !== null);
    if (factors.length === 0) return { ok: false, reason: 'no_factor' };
    const verifier = this.deps.totp().verifier;
    let reason = 'invalid';
    for (const factor of factors) {
      const result = await verifier.verify(user, this.deps.box.open(factor.secret as string, context(factor)), code);
      if (result.ok) {
        await this.deps.durable.touchFactor(user, factor.id, this.deps.clock.now());
        return { ok: true };
      }
      reason = result.reason;
      if (reason === 'malformed' || reason === 'replayed') break;
    }
    return { ok: false, reason };
  }
}
