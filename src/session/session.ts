import { type Level, MIN_MAX_AGE_MS, type SecondFactorName } from '../policy/types.ts';

/**
 * The factors a session can hold proofs of. `pwd` is the password; the rest are second factors.
 * `webauthn_uv` is a WebAuthn proof with user verification (PIN or biometrics on the
 * authenticator): the phishing-resistant level, and on its own a multi-factor sign-in (passkey).
 */
export type FactorName = 'pwd' | SecondFactorName | 'recovery' | 'webauthn_uv' | 'oidc' | 'oidc_mfa';

/**
 * Who an identity provider said the user is, for the session it signed in (idp/): the hot path
 * knows a provider's user from this, without a lookup. Refreshed at each sign-in, so a change
 * upstream (groups, removal) applies at the next one.
 */
export interface SessionIdentity {
  /** the provider's name */
  readonly p: string;
  /** the provider's subject */
  readonly s: string;
  /** display name */
  readonly n: string;
  readonly e: string | null;
  readonly g: readonly string[];
  readonly t: string | null;
}

/**
 * A server-side session. Each host's cookie holds only a random handle on it (see
 * session-store.ts); the store keeps the handles' hashes, so a dump of the store does not yield
 * usable cookies. The session records when each factor
 * was last proven: the data that levels, step-up and `max_age` need.
 */
export interface Session {
  readonly v: 1;
  /** the record's id: random, never sent to a browser (each host's cookie holds a handle of its own) */
  readonly sid: string;
  /** canonical user name */
  readonly user: string;
  /** ms: when the session was created (absolute lifetime counts from here) */
  readonly createdAt: number;
  /** ms: the first authentication of this session */
  readonly authTime: number;
  /** ms: when each factor was last proven */
  readonly factors: Readonly<Partial<Record<FactorName, number>>>;
  /** the id of the device (its device cookie) the session signed in from, when it had a valid one */
  readonly device?: string;
  /** the device is one the user trusts (policy `trusted_device`) */
  readonly trusted?: boolean;
  /** the risk signals of the sign-in (policy `risk`), as RISK_BITS; absent: none */
  readonly risk?: number;
  /**
   * The account owes a second factor (made by the set-up page or an invite, none enrolled yet):
   * the session meets no requirement and may do nothing but enrol one; enrolling clears it.
   */
  readonly enrol?: true;
  /** signed in through an identity provider (`oidc` proof): who it said the user is */
  readonly idp?: SessionIdentity;
}

const SECOND_FACTORS: readonly SecondFactorName[] = ['totp', 'webauthn', 'push'];

/** The authentication methods references (RFC 8176 words) of a session, for headers and the assertion. */
export function amrOf(session: Session): string[] {
  const amr: string[] = [];
  if (session.factors.pwd !== undefined) amr.push('pwd');
  // a recovery code is a one-time password too
  if (session.factors.totp !== undefined || session.factors.recovery !== undefined) amr.push('otp');
  if (session.factors.webauthn !== undefined) amr.push('hwk');
  if (session.factors.push !== undefined) amr.push('mca');
  // a verified passkey is something held and something known or been (PIN, biometrics)
  if (amr.length > 1 || session.factors.webauthn_uv !== undefined || session.factors.oidc_mfa !== undefined)
    amr.push('mfa');
  return amr;
}

/**
 * Whether a session meets a requirement now. `maxAgeMs` demands that the deciding factor was
 * proven within that time. `phishing_resistant` needs WebAuthn with user verification.
 */
export function meetsRequirement(
  session: Session,
  req: { level: Level; maxAgeMs?: number; methods?: readonly SecondFactorName[] },
  now: number,
): boolean {
  // max_age 0 ("prove it now") still has to survive the redirect back to the page: one minute
  // (policy validation refuses anything else below it)
  const maxAge = req.maxAgeMs === 0 ? MIN_MAX_AGE_MS : req.maxAgeMs;
  const fresh = (t: number | undefined) => t !== undefined && (maxAge === undefined || now - t <= maxAge);
  if (session.enrol) return false;
  if (req.level === 'password') {
    // any proof counts as the first factor (a passkey sign-in, later, proves more than a password)
    return Object.values(session.factors).some((t) => fresh(t));
  }
  if (req.level === 'mfa') {
    // a recovery code stands in for any second factor, unless the rule names the methods
    if (req.methods === undefined && fresh(session.factors.recovery)) return true;
    // the provider's own MFA, where trust_upstream_mfa allows it: any second factor, not a named one
    if (req.methods === undefined && fresh(session.factors.oidc_mfa)) return true;
    const allowed = req.methods ?? SECOND_FACTORS;
    return allowed.some((m) => fresh(session.factors[m]));
  }
  return fresh(session.factors.webauthn_uv) && (req.methods === undefined || req.methods.includes('webauthn'));
}
