import type { TSchema } from '../json-schema.ts';

/**
 * The policy library is pure: no Fastify, no store, no I/O. It compiles policy files once at
 * config load and evaluates the compiled form per request.
 */

export type Level = 'password' | 'mfa' | 'phishing_resistant';
export type SecondFactorName = 'totp' | 'webauthn' | 'push';

/** What the policy needs to know about an app (from gateway.yaml). */
export interface AppFacts {
  readonly name: string;
  readonly tenant: string | null;
  /** The app's host pattern as configured, lower-case, no trailing dot: `rmm.acme.example` or `*.acme.example`. */
  readonly host: string;
  readonly caseInsensitivePaths: boolean;
}

export interface UserFacts {
  /** canonical (lower-case) user name */
  readonly name: string;
  readonly groups: readonly string[];
  readonly tenant: string | null;
}

/**
 * Everything a rule may look at. Gathered once per request by context/request-facts.ts, the
 * one place that builds it (so every caller gives it the same shape). Costly facts (device,
 * geography) are functions a criterion calls only when it needs them; the session's facts
 * (trusted device, risk) were settled at sign-in and cost nothing here.
 */
export interface RequestFacts {
  /** lower-case, no port, no trailing dot */
  readonly host: string;
  /** the normalised path (see gate/normalize-path.ts), without the query */
  readonly path: string;
  /** upper-case */
  readonly method: string;
  readonly app: AppFacts;
  /** null: anonymous */
  readonly user: UserFacts | null;
  /** canonical client IP (IPv4-mapped IPv6 already folded to IPv4), or null when unknown */
  readonly ip: string | null;
  /** ms since the epoch, from the injected clock (schedule conditions); absent: no time known */
  readonly now?: number;
  /** the client's device, parsed from the User-Agent on first use (device conditions) */
  readonly device?: () => DeviceFacts;
  /** the client IP's country and location, looked up on first use (country conditions) */
  readonly geo?: () => GeoFacts | null;
  /** the session was signed in from a device the user trusts (absent: anonymous) */
  readonly trustedDevice?: boolean;
  /** the risk signals of the session's sign-in, as RISK_BITS (absent: anonymous) */
  readonly risk?: number;
}

/** Where the client IP is: see context/geo.ts for the sources. */
export interface GeoFacts {
  /** ISO 3166-1 alpha-2, upper-case; null when unknown (private and unknown addresses) */
  readonly country: string | null;
  readonly latitude: number | null;
  readonly longitude: number | null;
}

/**
 * What can make a sign-in look risky, assessed once when the password is proven (see
 * risk/assess.ts) and kept with the session as a bit set, so evaluating a `risk` condition is
 * one AND.
 */
export const RISK_SIGNALS = [
  'new_device',
  'new_country',
  'impossible_travel',
  'recent_failures',
  'push_reported',
] as const;
export type RiskSignal = (typeof RISK_SIGNALS)[number];
export const RISK_BITS: Readonly<Record<RiskSignal, number>> = {
  new_device: 1,
  new_country: 2,
  impossible_travel: 4,
  recent_failures: 8,
  push_reported: 16,
};

/** The signal names of a bit set, in RISK_SIGNALS order. */
export function riskNames(bits: number): RiskSignal[] {
  return RISK_SIGNALS.filter((s) => (bits & RISK_BITS[s]) !== 0);
}

/** What a device condition can see. Names are normalised (see context/device.ts). */
export interface DeviceFacts {
  /** `desktop` when the User-Agent names no other type */
  readonly type: 'desktop' | 'mobile' | 'tablet' | 'other';
  /** e.g. `windows`, `macos`, `ios`, `android`, `linux`, `chromeos`; null when unknown */
  readonly os: string | null;
  /** e.g. `chrome`, `edge`, `firefox`, `safari`, `opera`; null when unknown */
  readonly browser: string | null;
}

/** The answer of one criterion for one request. */
export const Verdict = {
  No: 0,
  Yes: 1,
  /** Cannot tell without knowing who the user is (anonymous request, identity criterion). */
  NeedsUser: 2,
} as const;
export type Verdict = (typeof Verdict)[keyof typeof Verdict];

export type Matcher = (facts: RequestFacts) => Verdict;

/**
 * A matcher may carry `forApp`: its form for the requests the host index gives that app
 * (`facts.app` is the app and `facts.host` lies within the app's host pattern), or null when it
 * holds for every such request. compilePolicies builds each app's own copy of its rules from
 * these, so a request pays only for what the index cannot settle.
 */
export type AppAwareMatcher = Matcher & { readonly forApp?: (app: AppFacts) => Matcher | null };

/** Where in a policy file a value sits; used to locate problems as file:line:column. */
export type YamlPath = readonly (string | number)[];

export interface Problem {
  readonly severity: 'error' | 'warning';
  /** `file:line:column: message` */
  readonly message: string;
}

/** Passed to each criterion's compile step. */
export interface CompileContext {
  /** named networks of the file being compiled (already parsed) merged over shared ones */
  readonly networks: ReadonlyMap<string, readonly string[]>;
  /** records a problem at a YAML path relative to the criterion's own value */
  error(at: YamlPath, message: string): void;
  warn(at: YamlPath, message: string): void;
}

/**
 * A criterion: one condition a rule can state. Each lives in its own file under criteria/ and
 * is listed in criteria/index.ts; the evaluator never names one.
 */
export interface Criterion<Spec = unknown> {
  /** the YAML key: `hosts`, `paths`, ... or, under `when`, `networks`, ... */
  readonly key: string;
  readonly place: 'rule' | 'when';
  readonly schema: TSchema;
  /** the reason recorded on a decision when this criterion matched (e.g. `network-matched`) */
  readonly reason: string;
  /** true when the criterion is about who the user is (anonymous requests yield NeedsUser) */
  readonly identity: boolean;
  compile(spec: Spec, ctx: CompileContext): Matcher;
}

/**
 * The shortest `max_age` a rule may state besides 0, and what 0 ("prove it now") means: a proof
 * of the last minute. Shorter would lapse before the browser is back on the page it proved it for.
 */
export const MIN_MAX_AGE_MS = 60_000;

export interface Requirement {
  readonly level: Level;
  /** ms: 0, or at least MIN_MAX_AGE_MS; undefined: no freshness demand */
  readonly maxAgeMs?: number;
  readonly methods?: readonly SecondFactorName[];
  /** false: the rule does not let a user trust the device on the way to its pages */
  readonly rememberDevice?: boolean;
}

export interface RuleRef {
  readonly name: string;
  /** policy file name (base name) */
  readonly file: string;
  /** 1-based position across all loaded rules, in evaluation order */
  readonly index: number;
  readonly tenant: string | null;
}

/** Why a decision was made: stable, machine-readable words. */
export type Reason =
  | 'rule-matched'
  | 'no-rule-matched'
  | 'tenant-mismatch'
  | 'user-unauthenticated'
  | 'user-disabled'
  | (string & {});

export type Decision =
  | { readonly action: 'allow'; readonly rule: RuleRef; readonly reasons: readonly Reason[] }
  | { readonly action: 'deny'; readonly rule: RuleRef | null; readonly reasons: readonly Reason[] }
  | {
      readonly action: 'authenticate';
      readonly rule: RuleRef;
      readonly require: Requirement;
      readonly reasons: readonly Reason[];
    };
