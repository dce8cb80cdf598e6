import type { Clock } from '../../../clock.ts';
import type { Random } from '../../../random.ts';
import type { DurableStore } from '../../../stores/durable.ts';
import { generateRecoveryCodes, hashRecoveryCode, normalizeRecoveryCode } from './recovery-codes.ts';

export interface RecoveryCodeDeps {
  readonly durable: DurableStore;
  readonly clock: Clock;
  readonly random: Random;
}

/** Recovery-code hashes are keyed per user: the same code of two users hashes differently. */
const recoveryHash = (user: string, code: string) => hashRecoveryCode(code, Buffer.from(`portcullis-recovery:${user}`));

/**
 * The recovery codes of each user: a set of 10, stored hashed, each usable once. The first
 * second factor a user enrols brings a set (the enrolment asks for it); the account page makes a
 * new one.
 */
export class RecoveryCodes {
  constructor(private readonly deps: RecoveryCodeDeps) {}

  /** Uses one recovery code (once, atomically); says how many remain. */
  async prove(user: string, code: unknown): Promise<{ ok: boolean; remaining: number }> {
    const normal = normalizeRecoveryCode(code);
    const used =
      normal !== null &&
      (await this.deps.durable.useRecoveryCode(user, recoveryHash(user, normal), this.deps.clock.now()));
    const { unused } = await this.deps.durable.countRecoveryCodes(user);
    return { ok: used, remaining: unused };
  }

  async count(user: string): Promise<{ total: number; unused: number }> {
    return this.deps.durable.countRecoveryCodes(user);
  }

  /** A new set of 10 recovery codes; the old set stops working. Returned once, stored hashed. */
  async regenerate(user: string): Promise<string[]> {
    const codes = generateRecoveryCodes(this.deps.random, 10);
    await this.deps.durable.replaceRecoveryCodes(
      user,
      codes.map((c) => recoveryHash(user, c)),
      this.deps.clock.now(),
    );
    return codes;
  }
}
