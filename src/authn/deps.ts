import type { AuditLog } from '../audit/audit.ts';
import type { Clock } from '../clock.ts';
import type { Devices } from '../devices/devices.ts';
import type { ProviderClients } from '../idp/discovery.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { AssertionSigner } from '../proxy/assertion.ts';
import type { SigningKey } from '../proxy/signing-keys.ts';
import type { PushRequests } from '../push/requests/push-requests.ts';
import type { Random } from '../random.ts';
import type { SessionStore } from '../session/session-store.ts';
import type { GatewayState } from '../state.ts';
import type { DurableStore } from '../stores/durable.ts';
import type { EphemeralStore } from '../stores/ephemeral.ts';
import type { PasswordVerifier } from '../users/password.ts';
import type { PushDevices } from './factors/push/push-devices.ts';
import type { PushLinks } from './factors/push/push-links.ts';
import type { PushPairing } from './factors/push/push-pairing.ts';
import type { WebAuthnCeremonies } from './factors/webauthn/ceremonies.ts';
import type { Lockout } from './lockout.ts';
import type { SecondFactors } from './second-factors.ts';
import type { SetupTokens } from './setup-tokens.ts';

/** What the portal routes need; injected by app.ts. */
export interface PortalDeps {
  readonly sessions: SessionStore;
  readonly ephemeral: EphemeralStore;
  /** sign-in history (risk signals) */
  readonly durable: DurableStore;
  /** the browsers users signed in from; trusted devices */
  readonly devices: Devices;
  readonly clock: Clock;
  readonly random: Random;
  readonly audit: AuditLog;
  readonly metrics: Metrics;
  readonly verifier: () => PasswordVerifier;
  readonly signingKeys: () => readonly SigningKey[];
  /** signs X-Portcullis-Assertion (forward-auth hands it to the proxy in front) */
  readonly signer: () => AssertionSigner;
  readonly setup: SetupTokens;
  /** failures per account and client IP; locks after lockout.max_failures */
  readonly lockout: Lockout;
  /** the second factors users hold; the authenticator apps' and the recovery codes' stores */
  readonly factors: SecondFactors;
  /** security keys and passkeys */
  readonly webauthn: WebAuthnCeremonies;
  /** push requests with number matching, and their limits */
  readonly push: PushRequests;
  /** the phones and browsers users approve pushes on */
  readonly pushDevices: PushDevices;
  /** the one-time approval links of link channels */
  readonly pushLinks: PushLinks;
  /** the one-time codes that pair a phone with a user */
  readonly pushPairing: PushPairing;
  /** the identity providers' metadata and openid-client configurations (idp/) */
  readonly providers: ProviderClients;
  /** rebuilds the state from the files now (after the set-up page wrote users.yaml) */
  readonly reload: () => Promise<void>;
  /** the state in force now */
  readonly current: () => GatewayState;
}
