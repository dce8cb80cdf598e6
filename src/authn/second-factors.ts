import type { Clock } from '../clock.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import { type Random, token } from '../random.ts';
import type { DurableStore, FactorRecord } from '../stores/durable.ts';
import type { EphemeralStore } from '../stores/ephemeral.ts';
import { generateRecoveryCodes, hashRecoveryCode, normalizeRecoveryCode } from './factors/recovery/recovery-codes.ts';
import { qrSvg } from './factors/totp/qr.ts';
import { generateTotpSecret, type TotpVerifier, totpUri } from './factors/totp/totp.ts';

export interface SecondFactorDeps {
  readonly durable: DurableStore;
  readonly ephemeral: EphemeralStore;
  readonly box: SecretBox;
  readonly clock: Clock;
  readonly random: Random;
  /** from the state in force (digits, period, skew follow a reload) */
  readonly totp: () => { verifier: TotpVerifier; issuer: string; digits: 6 | 8; period: number };
}

const ENROLMENT_TTL_MS = 10 * 60_000;
const pendingKey = (user: string) => `enroll:totp:${user}`;
/** Recovery-code hashes are keyed per user: the same code of two users hashes differently. */
const recoveryHash = (user: string, code: string) => hashRecoveryCode(code, Buffer.from(`portcullis-recovery:${user}`));
const context = (f: Pick<FactorRecord, 'kind' | 'user' | 'id'>) => `${f.kind}:${f.user}:${f.id}`;

/**
 * The second factors of a user: enrolment, proof, recovery codes. One module per factor kind
 * sits behind this one place, so the routes prove "a second factor" the same way for every kind.
 * TOTP secrets are sealed (AES-256-GCM) and bound to their row; recovery codes are stored hashed.
 */
export class SecondFactors {
  constructor(private readonly deps: SecondFactorDeps) {}

  async list(user: string): Promise<FactorRecord[]> {
    return this.deps.durable.listFactors(user);
  }

  /** Starts a TOTP enrolment: a new secret, kept sealed for ten minutes until a code proves it. */
  async startTotp(user: string): Promise<{ secret: string; otpauthUrl: string; qrSvg: string }> {
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
  async finishTotp(
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
    const recoveryCodes = first ? await this.regenerateRecoveryCodes(user) : [];
    return { ok: true, factor, recoveryCodes };
  }

  /** Proves a TOTP code against any of the user's authenticators; a code works once only. */
  async proveTotp(user: string, code: unknown): Promise<{ ok: boolean; reason?: string }> {
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

  /** Uses one recovery code (once, atomically); says how many remain. */
  async proveRecovery(user: string, code: unknown): Promise<{ ok: boolean; remaining: number }> {
    const normal = normalizeRecoveryCode(code);
    const used =
      normal !== null &&
      (await this.deps.durable.useRecoveryCode(user, recoveryHash(user, normal), this.deps.clock.now()));
    const { unused } = await this.deps.durable.countRecoveryCodes(user);
    return { ok: used, remaining: unused };
  }

  /** Removes one factor of the user; whether it existed. */
  async remove(user: string, id: string): Promise<boolean> {
    return this.deps.durable.removeFactor(user, id);
  }

  async recoveryCount(user: string): Promise<{ total: number; unused: number }> {
    return this.deps.durable.countRecoveryCodes(user);
  }

  /** A new set of 10 recovery codes; the old set stops working. Returned once, stored hashed. */
  async regenerateRecoveryCodes(user: string): Promise<string[]> {
    const codes = generateRecoveryCodes(this.deps.random, 10);
    await this.deps.durable.replaceRecoveryCodes(
      user,
      codes.map((c) => recoveryHash(user, c)),
      this.deps.clock.now(),
    );
    return codes;
  }
}
