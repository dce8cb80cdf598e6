import { lazyDevice } from '../context/device.ts';
import { normalizePath } from '../gate/normalize-path.ts';
import { evaluate } from '../policy/evaluate.ts';
import type { GatewayState } from '../state.ts';
import type { DirectoryUser } from '../users/directory.ts';
import type { SecondFactors } from './second-factors.ts';

export type NextStep =
  | { readonly status: 'authenticated' }
  | { readonly status: 'mfa_required'; readonly methods: readonly string[] }
  | { readonly status: 'enrollment_required'; readonly methods: readonly string[] };

/**
 * After the password: what the page the user is going to (`rd`) needs. When its rule asks for
 * more than a password, the user proves a second factor they have, or enrols one first.
 */
export async function nextStep(
  factors: SecondFactors,
  state: GatewayState,
  user: DirectoryUser,
  rd: string,
  context: { ip: string | null; now: number; userAgent?: string | undefined },
): Promise<NextStep> {
  const url = new URL(rd);
  const host = url.hostname.toLowerCase();
  const app = state.hosts.lookupHostname(host);
  if (app === undefined) return { status: 'authenticated' };
  const normal = normalizePath(`${url.pathname}${url.search}`);
  if (!normal.ok) return { status: 'authenticated' };
  const decision = evaluate(state.policy, {
    host,
    path: normal.path,
    method: 'GET',
    app: app.facts,
    user: user.facts,
    ip: context.ip,
    now: context.now,
    device: lazyDevice(context.userAgent),
  });
  if (decision.action !== 'authenticate' || decision.require.level === 'password') return { status: 'authenticated' };
  if (decision.require.level === 'phishing_resistant') return { status: 'enrollment_required', methods: ['webauthn'] };
  const has = new Set((await factors.list(user.name)).map((f) => f.kind));
  const usable = ['totp'].filter(
    (m) =>
      has.has(m as 'totp') &&
      (decision.require.methods === undefined || decision.require.methods.includes(m as 'totp')),
  );
  if (usable.length > 0)
    return { status: 'mfa_required', methods: decision.require.methods ? usable : [...usable, 'recovery'] };
  return { status: 'enrollment_required', methods: ['totp'] };
}
