import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PortalDeps } from '../../deps.ts';
import { proveFactor, type Signed } from '../../prove-factor.ts';

export type PushOutcome =
  | { readonly status: 'pending' }
  | { readonly status: 'authenticated'; readonly signed: Signed }
  | { readonly status: 'refused'; readonly error: 'push_denied' | 'push_expired' | 'unknown_request' };

/**
 * Where the sign-in's push stands, and once the phone approved it, the session raised (the one
 * "prove a second factor" path: the lockout is looked at, the approval is taken once, the
 * session moves to a new id). The JSON API and the page both end a push here.
 */
export async function settlePush(
  deps: PortalDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  s: Signed,
  rid: string,
): Promise<PushOutcome> {
  const state = await deps.push.state(rid, s.user.name);
  if (state === null) return { status: 'refused', error: 'unknown_request' };
  if (state === 'pending') return { status: 'pending' };
  if (state === 'expired') return { status: 'refused', error: 'push_expired' };
  if (state !== 'approved') return { status: 'refused', error: 'push_denied' };
  const proof = await proveFactor(deps, request, reply, s, 'push', async () => ({
    ok: await deps.push.takeApproval(rid, s.user.name),
    reason: 'approval_used',
  }));
  return proof.ok ? { status: 'authenticated', signed: proof.signed } : { status: 'refused', error: 'push_denied' };
}
