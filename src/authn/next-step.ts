import { lazyGeo, requestFacts } from '../context/request-facts.ts';
import { normalizePath } from '../gate/normalize-path.ts';
import { evaluate } from '../policy/evaluate.ts';
import type { Decision, Requirement } from '../policy/types.ts';
import { meetsRequirement, type Session } from '../session/session.ts';
import type { GatewayState } from '../state.ts';
import type { FactorRecord } from '../stores/durable.ts';
import type { DirectoryUser } from '../users/directory.ts';
import type { Factor } from './factors/factor.ts';
import { type EnrolMethod, enrollable, FACTORS, type ProofMethod } from './factors/index.ts';
import type { SecondFactors } from './second-factors.ts';

export type NextStep =
  | { readonly status: 'authenticated' }
  | { readonly status: 'mfa_required'; readonly methods: readonly string[] }
  | { readonly status: 'enrollment_required'; readonly methods: readonly string[] };

export interface StepContext {
  readonly ip: string | null;
  readonly now: number;
  readonly userAgent?: string | undefined;
  readonly session: Session;
}

/**
 * What the policy decides for `user` (in `session`) on a GET of `rd`, or null when `rd` is not
 * a page of a served app (the portal's own pages, an unparsable path).
 */
export function decisionFor(
  state: GatewayState,
  user: DirectoryUser,
  rd: string,
  context: StepContext,
): Decision | null {
  const url = new URL(rd);
  const host = url.hostname.toLowerCase();
  const app = state.hosts.lookupHostname(host);
  if (app === undefined) return null;
  const normal = normalizePath(`${url.pathname}${url.search}`);
  if (!normal.ok) return null;
  return evaluate(
    state.policy,
    requestFacts({
      host,
      path: normal.path,
      method: 'GET',
      app: app.facts,
      user: user.facts,
      ip: context.ip,
      now: context.now,
      userAgent: context.userAgent,
      geo: lazyGeo(state.geo, context.ip),
      session: context.session,
    }),
  );
}

export type { EnrolMethod, ProofMethod } from './factors/index.ts';

/**
 * The second factors that meet `require` (null: no rule asks, such as the portal's own pages):
 * those the user holds (`prove`; stand-ins such as recovery codes join them unless the rule
 * names the factors or needs a phishing-resistant one) and those they may enrol (`enrol`), in
 * the list's order (factors/index.ts). For `phishing_resistant` only a factor that can meet it
 * counts, and a record of it only when it would (Factor.holds). The JSON API and the pages both
 * answer from this.
 */
export function factorChoices(
  require: Pick<Requirement, 'level' | 'methods'> | null,
  held: readonly FactorRecord[],
  state?: GatewayState,
): { readonly prove: readonly ProofMethod[]; readonly enrol: readonly EnrolMethod[] } {
  const keyOnly = require?.level === 'phishing_resistant';
  const named = require?.methods as readonly string[] | undefined;
  // a factor the configuration turned off (push without mfa.push) is neither offered nor enrolled
  const on = (f: Factor) => state === undefined || f.available === undefined || f.available(state);
  const accepts = (f: Factor) =>
    on(f) && (!keyOnly || f.phishingResistant) && (named === undefined || named.includes(f.method));
  const own = FACTORS.filter((f) => !f.standsIn && accepts(f) && f.holds(held, keyOnly));
  const standIns = own.length > 0 && !keyOnly && named === undefined ? FACTORS.filter((f) => f.standsIn) : [];
  return {
    prove: [...own, ...standIns].map((f) => f.method),
    enrol: enrollable()
      .filter(accepts)
      .map((f) => f.method),
  };
}

/**
 * After the password: what the page the user is going to (`rd`) needs. When its rule asks for
 * more than a password, the user proves a second factor they have that meets it, or enrols one
 * first: `methods` lists every one that would do.
 */
export async function nextStep(
  factors: SecondFactors,
  state: GatewayState,
  user: DirectoryUser,
  rd: string,
  context: StepContext,
): Promise<NextStep> {
  const decision = decisionFor(state, user, rd, context);
  if (context.session.enrol) {
    // the account owes a second factor (set-up, invite): enrol first, whatever the policy says
    const above = decision?.action === 'authenticate' && decision.require.level !== 'password';
    const fit = factorChoices(above ? decision.require : null, [], state).enrol;
    return { status: 'enrollment_required', methods: fit.length > 0 ? fit : factorChoices(null, [], state).enrol };
  }
  if (decision === null || decision.action !== 'authenticate') return { status: 'authenticated' };
  // what the sign-in proved may already be enough (a passkey proves more than a password)
  if (meetsRequirement(context.session, decision.require, context.now)) return { status: 'authenticated' };
  if (decision.require.level === 'password') return { status: 'authenticated' };
  const { prove, enrol } = factorChoices(decision.require, await factors.list(user.name), state);
  return prove.length > 0
    ? { status: 'mfa_required', methods: prove }
    : { status: 'enrollment_required', methods: enrol };
}
