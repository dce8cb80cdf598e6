import type { FastifyInstance } from 'fastify';
import type { FactorName } from '../../session/session.ts';
import type { GatewayState } from '../../state.ts';
import type { FactorRecord } from '../../stores/durable.ts';
import type { PageText } from '../../web/html.ts';
import type { MessageKey } from '../../web/i18n/messages.ts';
import type { PortalDeps } from '../deps.ts';

/** The name of a second factor in the session's proofs: `pwd` and the WebAuthn user-verification mark are not factors of their own. */
export type SecondFactorMethod = Exclude<FactorName, 'pwd' | 'webauthn_uv'>;

/** What the step-up page hands the part of the way it shows. */
export interface StepUpPartOptions {
  readonly rd: string | null;
  /** the "trust this device" box (its HTML; empty when not offered), placed inside the part's form */
  readonly trust: string;
  /** the attributes that mark the part's field invalid after a failed proof (empty otherwise) */
  readonly invalid: string;
}

/** What the enrolment page hands the part of a factor it offers. */
export interface EnrolPartOptions {
  readonly rd: string | null;
  /** the part's own form failed: the message to show in it */
  readonly error?: string;
}

/**
 * A second factor, as the sign-in flow knows it: everything the flow, the step-up and enrolment
 * pages, the account page and the "prove a second factor" path need, without naming it. Each
 * factor is a folder of `factors/` (its ceremony, its routes, its page parts) with one file that
 * exports this description, listed in `factors/index.ts`.
 */
export interface Factor<M extends SecondFactorMethod = SecondFactorMethod> {
  /**
   * Its name everywhere: in `mfa_required`/`enrollment_required` methods, in `?method=`, in the
   * audit events of the prove path (`mfa.<method>.success`), in the session's proofs (`amr`), as
   * the lockout's failure kind, and as the `kind` of the records a user holds of it.
   */
  readonly method: M;
  /** may be remembered on the browser and chosen as the user's default way (account page) */
  readonly choosable: boolean;
  /**
   * stands in for the others (recovery codes): offered beside the factors a user holds, unless
   * the rule names the factors or needs a phishing-resistant one; never held for itself
   */
  readonly standsIn: boolean;
  /** whether the configuration in force turns it on (absent: always); off, it is neither offered nor enrolled */
  available?(state: GatewayState): boolean;
  /** can meet `phishing_resistant` (and so can be offered where a rule needs it) */
  readonly phishingResistant: boolean;
  /**
   * Whether the user holds it among their factor records; `phishingResistant`: only a record that
   * would meet that level counts (a key that verified the user when it was registered).
   */
  holds(records: readonly FactorRecord[], phishingResistant: boolean): boolean;
  /** its JSON API and the posts of its page parts, registered under /.portcullis/ */
  routes(deps: PortalDeps): (app: FastifyInstance) => Promise<void>;
  /** its part of the step-up page */
  readonly stepUp: {
    /** its name on the links to it from the other ways */
    readonly label: MessageKey;
    /** the page scripts the part needs (none: it works without JavaScript) */
    readonly scripts?: readonly string[];
    html(text: PageText, opts: StepUpPartOptions): string;
  };
  /** its part of the enrolment page, when it can be enrolled there (in the order of the list) */
  readonly enrolment?: {
    /** the link to set it up when it is the only one that can be (the no-factor page) */
    readonly setUp: MessageKey;
    /** the page scripts the part needs */
    readonly scripts?: readonly string[];
    /** the part; may start a ceremony for the user (an authenticator secret waiting for its first code) */
    html(deps: PortalDeps, text: PageText, user: string, opts: EnrolPartOptions): Promise<string>;
    /** what stands in its place when it is not offered but others are (empty: nothing) */
    notOffered?(text: PageText, offered: readonly Factor[]): string;
  };
  /** its row on the account page, when the user holds records of it */
  readonly account?: {
    /** what kind of record it is, in words */
    kind(text: PageText, record: FactorRecord): string;
    /** the user may rename a record (a label to tell several apart) */
    readonly rename: boolean;
  };
}
