/**
 * The sign-ins under way at a provider: what the callback needs (the PKCE verifier, the nonce,
 * where to go afterwards), in the ephemeral store so that the callback may land on another
 * instance, under the SHA-256 of `state` (a dump of the store yields no usable state), for ten
 * minutes, and taken once: a callback replayed, or one whose state this gateway never made, finds
 * nothing. The browser that started the sign-in holds `state` in a cookie too (login-cookie.ts):
 * a callback address sent to someone else's browser signs nobody in (login CSRF).
 */
import { createHash } from 'node:crypto';
import { type Random, token } from '../random.ts';
import type { EphemeralStore } from '../stores/ephemeral.ts';

export const LOGIN_STATE_TTL_MS = 10 * 60_000;

export interface LoginState {
  /** the provider's name */
  readonly provider: string;
  readonly verifier: string;
  readonly nonce: string;
  /** where the sign-in goes on to (already checked by safeRedirect) */
  readonly rd: string;
  /** seconds: the max_age asked of the provider, if any */
  readonly maxAge?: number;
}

function keyOf(state: string): string {
  return `oidc:${createHash('sha256').update(state).digest('base64url')}`;
}

export async function putLoginState(
  store: EphemeralStore,
  random: Random,
  value: Omit<LoginState, 'verifier' | 'nonce'>,
): Promise<{ state: string; login: LoginState }> {
  const state = token(random, 32);
  const login: LoginState = { ...value, verifier: token(random, 32), nonce: token(random, 32) };
  await store.set(keyOf(state), JSON.stringify(login), LOGIN_STATE_TTL_MS);
  return { state, login };
}

/** The sign-in `state` names, once; null when unknown, expired or already taken. */
export async function takeLoginState(store: EphemeralStore, state: string): Promise<LoginState | null> {
  const raw = await store.take(keyOf(state));
  if (raw === null) return null;
  try {
    const login = JSON.parse(raw) as LoginState;
    return typeof login.provider === 'string' && typeof login.verifier === 'string' && typeof login.nonce === 'string'
      ? login
      : null;
  } catch {
    return null;
  }
}
