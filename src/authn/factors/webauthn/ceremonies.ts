/**
 * WebAuthn ceremonies (registration and authentication) on @simplewebauthn/server, for security
 * keys and passkeys: as a second factor after the password, and as a passwordless sign-in.
 *
 * - Challenges are random, single-use and expire after CHALLENGE_TTL_MS: kept in the ephemeral
 *   store (shared by instances) and taken (read and deleted at once) before a response is
 *   checked, so a replayed or late response finds nothing.
 * - The relying party id and the origins come from the configuration and are checked strictly:
 *   a response made for another site (phishing page, another rp_id) is refused.
 * - A credential is a factor of kind `webauthn` whose id is derived from the credential id, so
 *   a passkey sign-in finds it in one lookup, and one authenticator cannot be registered twice.
 * - Signature counters: a verified response whose counter does not move forward (when either is
 *   non-zero) is refused as a possible cloned authenticator. The library's own counter check
 *   runs before the signature is verified, so it is switched off (counter 0) and done here,
 *   after: an unsigned response cannot raise a cloned-key alarm.
 * - Nothing changes on a refusal except that the challenge is spent.
 */
import { createHash } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import type { Clock } from '../../../clock.ts';
import { type Random, token } from '../../../random.ts';
import type { WebAuthnSettings } from '../../../state.ts';
import type { DurableStore, FactorRecord } from '../../../stores/durable.ts';
import type { EphemeralStore } from '../../../stores/ephemeral.ts';

/**
 * The WebAuthn library (and the ASN.1 and X.509 code beneath it), loaded at the first ceremony:
 * a gateway whose users never register a key does not carry it.
 */
let library: Promise<
  [typeof import('@simplewebauthn/server'), typeof import('@simplewebauthn/server/helpers')]
> | null = null;
const webauthn = () => {
  library ??= Promise.all([import('@simplewebauthn/server'), import('@simplewebauthn/server/helpers')]);
  return library;
};

export const CHALLENGE_TTL_MS = 5 * 60_000;
/** EdDSA, ES256, RS256: what security keys and platform authenticators use. */
const ALGORITHMS = [-8, -7, -257];

/** What a `webauthn` factor keeps (FactorRecord.data); nothing in it is secret. */
export interface CredentialData {
  readonly credentialId: string;
  /** COSE public key, base64url */
  readonly publicKey: string;
  readonly counter: number;
  readonly transports: readonly string[];
  readonly aaguid: string;
  /** the WebAuthn user handle of the user (base64url), the same for all their credentials */
  readonly userHandle: string;
  /** user verification at registration */
  readonly uv: boolean;
  readonly backedUp: boolean;
  readonly deviceType: string;
  readonly attestation: string;
}

export type WebAuthnRefusal =
  /** no pending challenge: expired, already used, or never asked for */
  | 'challenge_expired'
  /** origin, rp_id, challenge, type, signature, presence: the response does not verify */
  | 'invalid_response'
  /** the authenticator did not verify the user (PIN, biometrics) and it was required */
  | 'user_verification_required'
  /** no such credential, or not this user's */
  | 'unknown_credential'
  /** the authenticator is already registered */
  | 'already_registered'
  /** its model is not in mfa.webauthn.aaguids */
  | 'authenticator_not_allowed'
  /** the signature counter went backwards: possibly a cloned authenticator */
  | 'counter_regression'
  /** the user has no WebAuthn credential to prove */
  | 'no_credentials';

export type Refused = {
  ok: false;
  error: WebAuthnRefusal;
  detail?: string;
  /** whose credential it was, when a cloned key is suspected (for the audit trail) */
  user?: string;
};

export interface WebAuthnDeps {
  readonly durable: DurableStore;
  readonly ephemeral: EphemeralStore;
  readonly clock: Clock;
  readonly random: Random;
}

/** The factor id of a credential: derived, so a lookup by credential id is one primary-key read. */
export function credentialFactorId(credentialId: string): string {
  return `wa-${createHash('sha256').update(credentialId).digest('base64url')}`;
}

/**
 * A pending ceremony is the user's, and with `ceremony` (the caller passes a digest of the
 * session id) that session's: two tabs or browsers of one user do not spend each other's
 * challenges.
 */
const regKey = (user: string, ceremony = '') => `wa:reg:${user}${ceremony ? `:${ceremony}` : ''}`;
const authKey = (user: string, ceremony = '') => `wa:auth:${user}${ceremony ? `:${ceremony}` : ''}`;
const passwordlessKey = (challenge: string) => `wa:pl:${challenge}`;
const CHALLENGE = /^[A-Za-z0-9_-]{16,128}$/;

function dataOf(f: FactorRecord): CredentialData | null {
  const d = f.data as Partial<CredentialData> | null;
  if (f.kind !== 'webauthn' || d === null || typeof d.credentialId !== 'string' || typeof d.publicKey !== 'string')
    return null;
  return d as CredentialData;
}

/**
 * Whether a key verified the user (PIN, biometrics) when it was registered: the sign that it can
 * meet `phishing_resistant`. A key registered without (a security key with no PIN set) is
 * offered as a second factor only.
 */
export function verifiedUserAtRegistration(f: FactorRecord): boolean {
  return dataOf(f)?.uv === true;
}

/** Short, stable words for the audit trail from the library's messages (which may quote input). */
function reasonOf(err: unknown): { error: WebAuthnRefusal; detail: string } {
  const m = err instanceof Error ? err.message : '';
  if (/user verification (was )?required/i.test(m)) return { error: 'user_verification_required', detail: 'uv' };
  const detail = /origin/i.test(m)
    ? 'origin'
    : /rp ?id/i.test(m)
      ? 'rp_id'
      : /challenge/i.test(m)
        ? 'challenge'
        : /type/i.test(m)
          ? 'type'
          : /not present|presence/i.test(m)
            ? 'user_presence'
            : /signature/i.test(m)
              ? 'signature'
              : 'malformed';
  return { error: 'invalid_response', detail };
}

function clientChallenge(clientDataJSON: unknown): string | null {
  if (typeof clientDataJSON !== 'string' || clientDataJSON.length > 4096) return null;
  try {
    const parsed = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8')) as { challenge?: unknown };
    return typeof parsed.challenge === 'string' && CHALLENGE.test(parsed.challenge) ? parsed.challenge : null;
  } catch {
    return null;
  }
}

export class WebAuthnCeremonies {
  constructor(private readonly deps: WebAuthnDeps) {}

  /** The user's WebAuthn credentials with their data, oldest first. */
  async credentials(user: string): Promise<{ factor: FactorRecord; data: CredentialData }[]> {
    const out: { factor: FactorRecord; data: CredentialData }[] = [];
    for (const factor of await this.deps.durable.listFactors(user)) {
      const data = dataOf(factor);
      if (data !== null) out.push({ factor, data });
    }
    return out;
  }

  /** Options for navigator.credentials.create(); the challenge waits for verifyRegistration. */
  async registrationOptions(
    settings: WebAuthnSettings,
    user: { name: string; displayName?: string | undefined },
    ceremony = '',
  ): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const existing = await this.credentials(user.name);
    const userHandle = existing[0]?.data.userHandle ?? token(this.deps.random, 32);
    const options = await (await webauthn())[0].generateRegistrationOptions({
      rpName: settings.rpName,
      rpID: settings.rpId,
      userName: user.name,
      userDisplayName: user.displayName ?? user.name,
      userID: new Uint8Array(Buffer.from(userHandle, 'base64url')),
      challenge: new Uint8Array(this.deps.random.bytes(32)),
      timeout: CHALLENGE_TTL_MS,
      attestationType: settings.attestation,
      excludeCredentials: existing.map(({ data }) => ({ id: data.credentialId, transports: [...data.transports] })),
      authenticatorSelection: { residentKey: 'preferred', userVerification: settings.userVerification },
      supportedAlgorithmIDs: ALGORITHMS,
    });
    await this.deps.ephemeral.set(
      regKey(user.name, ceremony),
      JSON.stringify({ challenge: options.challenge, userHandle }),
      CHALLENGE_TTL_MS,
    );
    return options;
  }

  /** Checks a registration response and stores the credential under `name`. */
  async verifyRegistration(
    settings: WebAuthnSettings,
    user: string,
    response: RegistrationResponseJSON,
    name: string,
    ceremony = '',
  ): Promise<Refused | { ok: true; factor: FactorRecord; uv: boolean }> {
    const pending = await this.deps.ephemeral.take(regKey(user, ceremony));
    if (pending === null) return { ok: false, error: 'challenge_expired' };
    if (response.rawId !== response.id) return { ok: false, error: 'invalid_response', detail: 'raw_id' };
    const { challenge, userHandle } = JSON.parse(pending) as { challenge: string; userHandle: string };
    let info: Awaited<ReturnType<typeof verifyRegistrationResponse>>['registrationInfo'];
    try {
      const verified = await (await webauthn())[0].verifyRegistrationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: [...settings.origins],
        expectedRPID: settings.rpId,
        expectedType: 'webauthn.create',
        requireUserVerification: settings.userVerification === 'required',
        supportedAlgorithmIDs: ALGORITHMS,
      });
      if (!verified.verified) return { ok: false, error: 'invalid_response', detail: 'attestation' };
      info = verified.registrationInfo;
    } catch (err) {
      return { ok: false, ...reasonOf(err) };
    }
    if (settings.aaguids !== null) {
      // the model (AAGUID) is only a claim unless a certificate attests it: no attestation, or
      // self attestation, cannot get past an allow-list
      const statement = (await webauthn())[1].decodeAttestationObject(
        new Uint8Array(Buffer.from(response.response.attestationObject, 'base64url')),
      );
      if (info.fmt === 'none' || statement.get('attStmt').get('x5c') === undefined)
        return { ok: false, error: 'authenticator_not_allowed', detail: 'no_attestation_certificate' };
      if (!settings.aaguids.has(info.aaguid.toLowerCase()))
        return { ok: false, error: 'authenticator_not_allowed', detail: info.aaguid };
    }
    const id = credentialFactorId(info.credential.id);
    if ((await this.deps.durable.getFactor(id)) !== null) return { ok: false, error: 'already_registered' };
    const data: CredentialData = {
      credentialId: info.credential.id,
      publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
      counter: info.credential.counter,
      transports: (response.response.transports ?? []).filter((t) => /^[a-z-]{1,20}$/.test(t)).slice(0, 8),
      aaguid: info.aaguid,
      userHandle,
      uv: info.userVerified,
      backedUp: info.credentialBackedUp,
      deviceType: info.credentialDeviceType,
      attestation: info.fmt,
    };
    const now = this.deps.clock.now();
    const factor: FactorRecord = {
      id,
      user,
      kind: 'webauthn',
      name,
      secret: null,
      data: { ...data },
      createdAt: now,
      lastUsedAt: now,
    };
    try {
      await this.deps.durable.addFactor(factor);
    } catch (err) {
      // registered by a concurrent request meanwhile
      if (err instanceof TypeError) return { ok: false, error: 'already_registered' };
      throw err;
    }
    return { ok: true, factor, uv: info.userVerified };
  }

  /**
   * Options for navigator.credentials.get(): for `user`, their credentials (a second factor);
   * for null, any discoverable credential of this site (passwordless; user verification required).
   */
  async authenticationOptions(
    settings: WebAuthnSettings,
    user: string | null,
    ceremony = '',
  ): Promise<Refused | { ok: true; options: PublicKeyCredentialRequestOptionsJSON }> {
    const mine = user === null ? [] : await this.credentials(user);
    if (user !== null && mine.length === 0) return { ok: false, error: 'no_credentials' };
    const options = await (await webauthn())[0].generateAuthenticationOptions({
      rpID: settings.rpId,
      allowCredentials: mine.map(({ data }) => ({ id: data.credentialId, transports: [...data.transports] })),
      challenge: new Uint8Array(this.deps.random.bytes(32)),
      timeout: CHALLENGE_TTL_MS,
      userVerification: user === null ? 'required' : settings.userVerification,
    });
    if (user === null) await this.deps.ephemeral.set(passwordlessKey(options.challenge), '1', CHALLENGE_TTL_MS);
    else await this.deps.ephemeral.set(authKey(user, ceremony), options.challenge, CHALLENGE_TTL_MS);
    return { ok: true, options };
  }

  /**
   * Checks an authentication response. With `user`, it must be one of that user's credentials
   * (a second factor); with null (passwordless), the credential names its user, whose user
   * handle must match, and user verification is required. On success the counter moves on.
   */
  async verifyAuthentication(
    settings: WebAuthnSettings,
    user: string | null,
    response: AuthenticationResponseJSON,
    ceremony = '',
  ): Promise<Refused | { ok: true; factor: FactorRecord; user: string; uv: boolean }> {
    let expected: string | null;
    if (user !== null) {
      expected = await this.deps.ephemeral.take(authKey(user, ceremony));
    } else {
      const challenge = clientChallenge(response.response?.clientDataJSON);
      expected =
        challenge !== null && (await this.deps.ephemeral.take(passwordlessKey(challenge))) !== null ? challenge : null;
    }
    if (expected === null) return { ok: false, error: 'challenge_expired' };
    // the library neither compares id with rawId nor with the credential: done here
    if (typeof response.id !== 'string' || response.id.length > 1400 || response.rawId !== response.id)
      return { ok: false, error: 'unknown_credential' };
    const factor = await this.deps.durable.getFactor(credentialFactorId(response.id));
    const data = factor === null ? null : dataOf(factor);
    if (factor === null || data === null || data.credentialId !== response.id)
      return { ok: false, error: 'unknown_credential' };
    if (user !== null && factor.user !== user) return { ok: false, error: 'unknown_credential', detail: 'other_user' };
    if (user === null && response.response.userHandle !== data.userHandle)
      return { ok: false, error: 'unknown_credential', detail: 'user_handle' };
    const requireUv = user === null || settings.userVerification === 'required';
    let info: Awaited<ReturnType<typeof verifyAuthenticationResponse>>['authenticationInfo'];
    try {
      const verified = await (await webauthn())[0].verifyAuthenticationResponse({
        response,
        expectedChallenge: expected,
        expectedOrigin: [...settings.origins],
        expectedRPID: settings.rpId,
        expectedType: 'webauthn.get',
        // counter 0: the library's counter check runs before the signature; ours runs after
        credential: {
          id: data.credentialId,
          publicKey: new Uint8Array(Buffer.from(data.publicKey, 'base64url')),
          counter: 0,
          transports: [...data.transports],
        },
        requireUserVerification: requireUv,
      });
      if (!verified.verified) return { ok: false, error: 'invalid_response', detail: 'signature' };
      info = verified.authenticationInfo;
    } catch (err) {
      return { ok: false, ...reasonOf(err) };
    }
    if ((info.newCounter > 0 || data.counter > 0) && info.newCounter <= data.counter)
      return {
        ok: false,
        error: 'counter_regression',
        detail: `${info.newCounter} <= ${data.counter}`,
        user: factor.user,
      };
    const next: CredentialData = { ...data, counter: info.newCounter, backedUp: info.credentialBackedUp };
    const updated = await this.deps.durable.updateFactorData(
      factor.user,
      factor.id,
      factor.data,
      { ...next },
      this.deps.clock.now(),
    );
    // another use of this credential won the race with the same counter: one of two is a copy
    if (!updated) return { ok: false, error: 'counter_regression', detail: 'concurrent', user: factor.user };
    return { ok: true, factor, user: factor.user, uv: info.userVerified };
  }
}
