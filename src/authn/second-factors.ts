import type { FactorRecord } from '../stores/durable.ts';
import { RecoveryCodes } from './factors/recovery/user-recovery-codes.ts';
import { type AuthenticatorAppDeps, AuthenticatorApps } from './factors/totp/authenticator-apps.ts';

/** What the second factors' stores need: the authenticator apps' deps, less the recovery set they are given here. */
export type SecondFactorDeps = Omit<AuthenticatorAppDeps, 'recovery'>;

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
