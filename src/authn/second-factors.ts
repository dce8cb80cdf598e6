import type { Clock } from '../clock.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { Random } from '../random.ts';
import type { DurableStore, FactorRecord } from '../stores/durable.ts';
import type { EphemeralStore } from '../stores/ephemeral.ts';
import { RecoveryCodes } from './factors/recovery/user-recovery-codes.ts';
import { AuthenticatorApps } from './factors/totp/authenticator-apps.ts';
import type { TotpVerifier } from './factors/totp/totp.ts';

export interface SecondFactorDeps {
  readonly durable: DurableStore;
  readonly ephemeral: EphemeralStore;
  readonly box: SecretBox;
  readonly clock: Clock;
  readonly random: Random;
  /** from the state in force (digits, period, skew follow a reload) */
  readonly totp: () => { verifier: TotpVerifier; issuer: string; digits: 6 | 8; period: number };
}

/**
 * The second factors of a user: the records they hold (every kind), and the stores of the
 * factors that keep state here, for their routes (factors/<factor>/): the authenticator apps
 * and the recovery codes. Security keys keep theirs in PortalDeps.webauthn.
 */
export class SecondFactors {
  readonly recovery: RecoveryCodes;
  readonly totp: AuthenticatorApps;

  constructor(private readonly deps: SecondFactorDeps) {
    this.recovery = new RecoveryCodes(deps);
    this.totp = new AuthenticatorApps({ ...deps, recovery: this.recovery });
  }

  async list(user: string): Promise<FactorRecord[]> {
    return this.deps.durable.listFactors(user);
  }

  /** Removes one factor of the user; whether it existed. */
  async remove(user: string, id: string): Promise<boolean> {
    return this.deps.durable.removeFactor(user, id);
  }
}
