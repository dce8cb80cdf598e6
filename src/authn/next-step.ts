import { lazyGeo, requestFacts } from '../context/request-facts.ts';
import { normalizePath } from '../gate/normalize-path.ts';
import { evaluate } from '../policy/evaluate.ts';
import type { Decision } from '../policy/types.ts';
import { meetsRequirement, type Session } from '../session/session.ts';
import type { GatewayState } from '../state.ts';
import type { DirectoryUser } from '../users/directory.ts';
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

/**
 * After the password: what the page the user is going to (`rd`) needs. When its rule asks for
 * more than a password, the user proves a second factor they have, or enrols one first.
 */
export async function nextStep(
  factors: SecondFactors,
  state: GatewayState,
  user: DirectoryUser,
  rd: string,
  context: StepContext,
): Promise<NextStep> {
  const decision = decisionFor(state, user, rd, context);
  if (decision === null || decision.action !== 'authenticate') return { status: 'authenticated' };
  // what the sign-in proved may already be enough (a passkey proves more than a password)
  if (meetsRequirement(context.session, decision.require, context.now)) return { status: 'authenticated' };
  if (decision.require.level === 'password') return { status: 'authenticated' };
  const has = new Set((await factors.list(user.name)).map((f) => f.kind));
  if (decision.require.level === 'phishing_resistant')
    return has.has('webauthn')
      ? { status: 'mfa_required', methods: ['webauthn'] }
      : { status: 'enrollment_required', methods: ['webauthn'] };
  const usable = (['webauthn', 'totp'] as const).filter(
    (m) => has.has(m) && (decision.require.methods === undefined || decision.require.methods.includes(m)),
  );
  if (usable.length > 0)
    return { status: 'mfa_required', methods: decision.require.methods ? usable : [...usable, 'recovery'] };
  // nothing usable: enrol what the rule accepts (an authenticator app unless it names only keys)
  if (decision.require.methods !== undefined && !decision.require.methods.includes('totp'))
    return { status: 'enrollment_required', methods: ['webauthn'] };
  return { status: 'enrollment_required', methods: ['totp'] };
}
