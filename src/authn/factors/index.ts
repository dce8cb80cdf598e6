import type { GatewayState } from '../../state.ts';
import type { Factor } from './factor.ts';
import { pushFactor } from './push/push-factor.ts';
import { recoveryFactor } from './recovery/recovery-factor.ts';
import { totpFactor } from './totp/totp-factor.ts';
import { webauthnFactor } from './webauthn/webauthn-factor.ts';

/**
 * Every second factor. To add one, write a folder beside these (its ceremony, its routes, its
 * page parts, and a file describing it as a `Factor`) and list it here: the sign-in flow, the
 * "prove a second factor" path, the step-up, enrolment and account pages and the portal's routes
 * pick it up from this list and never name one.
 *
 * The order is the order of the pages: the ways a step-up offers, the parts of the enrolment
 * page (keys and passkeys first, then the app); stand-ins (recovery codes) last.
 *
 * Only this file imports the factors' descriptions, and nothing reads the list while modules
 * load (the factors' routes import the flow, which imports this list): uses are inside functions.
 */
export const FACTORS = [webauthnFactor, totpFactor, pushFactor, recoveryFactor] as const;

type Listed = (typeof FACTORS)[number];
/** A way to prove a second factor, as `mfa_required` names it. */
export type ProofMethod = Listed['method'];
/** A factor a user can enrol here, as `enrollment_required` names it. */
export type EnrolMethod = Extract<Listed, { readonly enrolment: object }>['method'];
/** A factor that can be remembered on a browser or chosen as the user's default. */
export type ChoosableMethod = Extract<Listed, { readonly choosable: true }>['method'];

/** A factor with its part of the enrolment page. */
export type Enrollable = Factor<EnrolMethod> & { readonly enrolment: NonNullable<Factor['enrolment']> };

/** The factors that can be enrolled here, in the order of the enrolment page. */
export function enrollable(): readonly Enrollable[] {
  return FACTORS.filter((f): f is Extract<Listed, Enrollable> => 'enrolment' in f);
}

/**
 * The factors that can be remembered or chosen as the default, in the list's order; given the
 * state in force, only those its configuration turns on.
 */
export function choosable(state?: GatewayState): readonly ChoosableMethod[] {
  return FACTORS.filter(
    (f): f is Extract<Listed, { choosable: true }> =>
      f.choosable && (state === undefined || !('available' in f) || f.available(state)),
  ).map((f) => f.method);
}

/** The factor of that name, or undefined (not a second factor the gateway knows). */
export function factorOf(method: unknown): Listed | undefined {
  return FACTORS.find((f) => f.method === method);
}

/** The factor of a name the list gave (a method of `ProofMethod`). */
export function factorNamed<M extends ProofMethod>(method: M): Extract<Listed, { method: M }> {
  return FACTORS.find((f) => f.method === method) as Extract<Listed, { method: M }>;
}
