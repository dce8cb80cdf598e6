/**
 * The catalogue of audit findings: each id is stable (scripts, suppressions and SARIF rules name
 * it), with its default severity, what it means, why it matters (with the control it serves) and
 * what to do. docs/audit.md is this table in prose; a test keeps the two in step.
 */

export type Severity = 'critical' | 'high' | 'medium' | 'low';

/** Most severe first. */
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low'];

/** 0 for critical, 3 for low: sorts most severe first. */
export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s);

/** Whether `s` is `threshold` or more severe. */
export const atOrAbove = (s: Severity, threshold: Severity): boolean => severityRank(s) <= severityRank(threshold);

export interface CatalogueEntry {
  readonly id: string;
  readonly severity: Severity;
  readonly title: string;
  /** why it matters, with the references */
  readonly why: string;
  readonly remediation: string;
  readonly references: readonly string[];
  /** what the finding is about: a user, an app, a policy rule or a setting */
  readonly subject: 'user' | 'app' | 'rule' | 'setting';
}

const CIS_63 = 'CIS Controls v8 6.3 (MFA for externally-exposed applications)';
const CIS_64 = 'CIS Controls v8 6.4 (MFA for remote network access)';
const CIS_65 = 'CIS Controls v8 6.5 (MFA for administrative access)';
const CIS_53 = 'CIS Controls v8 5.3 (disable dormant accounts)';
const PCI_84 = 'PCI DSS 4.0 8.4 (MFA for access into the cardholder data environment)';
const PCI_85 = 'PCI DSS 4.0 8.5 (MFA systems are not susceptible to replay and cannot be bypassed)';
const PCI_82 = 'PCI DSS 4.0 8.2.6 (inactive accounts removed or disabled within 90 days)';
const PCI_83 = 'PCI DSS 4.0 8.3.4 (accounts locked after repeated failed attempts)';
const NIST_AAL3 = 'NIST SP 800-63B 5.2.5 (verifier impersonation resistance)';
const NIST_REAUTH = 'NIST SP 800-63B 4.2.3 (reauthentication)';

export const CATALOGUE: readonly CatalogueEntry[] = [
  {
    id: 'no-second-factor',
    severity: 'high',
    title: 'User without a second factor',
    why: 'The account is protected by its password alone wherever a rule asks for no more, and anyone who learns the password can enrol a factor of their own. Critical for a privileged user.',
    remediation:
      'Have the user sign in and enrol one (a rule requiring mfa asks for enrolment at sign-in; a new account gets a link from portcullis user invite), or disable the account in users.yaml if it is no longer needed.',
    references: [CIS_63, CIS_64, CIS_65, PCI_84],
    subject: 'user',
  },
  {
    id: 'privileged-not-phishing-resistant',
    severity: 'high',
    title: 'Privileged user without a phishing-resistant factor',
    why: 'A one-time code can be relayed by a phishing proxy; a WebAuthn key or passkey cannot. Administrators are the first target.',
    remediation:
      'Have the user enrol a security key or passkey (account page, "Add a security key or passkey"), then require level phishing_resistant for the administrative paths.',
    references: [CIS_65, PCI_85, NIST_AAL3],
    subject: 'user',
  },
  {
    id: 'stale-account',
    severity: 'medium',
    title: 'Account without a sign-in for audit.stale_after',
    why: 'Dormant accounts are taken over unnoticed: nobody sees the sign-in that is not theirs.',
    remediation:
      'Confirm the person still needs access; otherwise disable the account (disabled: true in users.yaml) or remove it.',
    references: [CIS_53, PCI_82],
    subject: 'user',
  },
  {
    id: 'recovery-codes-low',
    severity: 'low',
    title: 'Fewer than 3 unused recovery codes',
    why: 'A user who loses their device with no recovery code left needs an administrator, under pressure, to let them in again.',
    remediation: 'Ask the user to make new ones (account page, "New recovery codes") and keep them somewhere safe.',
    references: [],
    subject: 'user',
  },
  {
    id: 'active-access-code',
    severity: 'medium',
    title: 'Temporary access code still valid',
    why: 'Until it is used or expires, the code with the password lets its holder enrol a second factor of their own.',
    remediation:
      'Make sure the user received it over a channel you trust and uses it soon; it ends by itself at its expiry (24 h at most).',
    references: [PCI_85],
    subject: 'user',
  },
  {
    id: 'locked-account',
    severity: 'medium',
    title: 'Account or one of its browsers locked',
    why: 'Repeated failures locked the account: someone may be guessing its password or codes.',
    remediation:
      'Look at the failures (portcullis events --user NAME --type login.failure) and ask the user; unlock with portcullis user unlock NAME once the cause is known.',
    references: [PCI_83],
    subject: 'user',
  },
  {
    id: 'long-device-trust',
    severity: 'low',
    title: 'Device trusted for more than 30 days',
    why: 'A trusted device skips the second factor where a rule allows it; the longer the trust, the longer a stolen laptop stays a way in.',
    remediation:
      'Set session.remember_device to 30d or less in gateway.yaml; the user can forget a device on their account page (or portcullis user forget-device).',
    references: [NIST_REAUTH],
    subject: 'setting',
  },
  {
    id: 'anonymous-rule',
    severity: 'medium',
    title: 'Rule that lets requests through without sign-in',
    why: 'action: allow with no users or groups serves the paths it matches to anyone on the Internet. High when it names no paths: the whole host is public.',
    remediation:
      'Narrow the rule to the paths that must be public (a health check) with paths: and methods:, or make it action: authenticate.',
    references: [CIS_63],
    subject: 'rule',
  },
  {
    id: 'password-only-rule',
    severity: 'medium',
    title: 'Rule that admits with a password alone',
    why: 'require: { level: password } (or action: allow for named users or groups) lets a stolen password in. Low when the rule also has when: conditions (an office network, a trusted device).',
    remediation: 'Require level mfa (or phishing_resistant for administrative paths).',
    references: [CIS_63, CIS_64, PCI_84],
    subject: 'rule',
  },
  {
    id: 'app-without-rule',
    severity: 'low',
    title: 'App without a rule of its own',
    why: 'The app is decided by the shared catch-all rules only (or denied to everyone when none applies): nobody chose its protection.',
    remediation:
      "Add a rule naming the app's host in its tenant's policy file (or, for an MSP app, in a shared file), with the level it needs.",
    references: [CIS_63],
    subject: 'app',
  },
  {
    id: 'push-reported',
    severity: 'high',
    title: 'A push sign-in request was reported as not the user\u2019s',
    why: 'The user said "this wasn\u2019t me" to a push: someone holds their password. Their pushes stay blocked until an administrator unblocks them.',
    remediation:
      'Reset the password and look at the sign-ins of the user; unblock pushes (portcullis user push-unblock NAME) once the account is safe.',
    references: [PCI_85],
    subject: 'user',
  },
  {
    id: 'upstream-mfa-trusted',
    severity: 'low',
    title: 'Identity provider trusted for the second factor',
    why: "With trust_upstream_mfa, a token whose amr says mfa meets level mfa: the provider's own MFA policy (its methods, its exceptions, its trusted locations) stands in for Portcullis's, and Portcullis cannot see what it was.",
    remediation:
      'Keep it only for a provider whose conditional access requires MFA for this application; otherwise remove trust_upstream_mfa so that Portcullis asks its own second factor.',
    references: [CIS_63, PCI_85],
    subject: 'setting',
  },
];

const BY_ID = new Map(CATALOGUE.map((e) => [e.id, e]));

/** The catalogue entry of `id`; a TypeError for an id not in the catalogue (a bug). */
export function entryOf(id: string): CatalogueEntry {
  const e = BY_ID.get(id);
  if (e === undefined) throw new TypeError(`no finding '${id}' in the catalogue`);
  return e;
}

export const isFindingId = (id: string): boolean => BY_ID.has(id);
