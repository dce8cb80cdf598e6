import type { FastifyReply, FastifyRequest } from 'fastify';
import { cookieValue, serializeCookie } from '../session/cookies.ts';
import type { DurableStore } from '../stores/durable.ts';
import { type ChoosableMethod, choosable as choosableFactors, FACTORS, type ProofMethod } from './factors/index.ts';
import { setCookie } from './session-cookie.ts';

/**
 * Which second factor the step-up page shows first, when several would do: the one asked for
 * (`?method=`), else the last one used on this browser (a small cookie, not secret), else the
 * user's default (a preference in the durable store, chosen on the account page), else the
 * first offered (keys, then the app). A recovery code is never remembered nor a default: it is
 * the way out when the others fail, so it comes first only when asked for or alone.
 */
export const METHOD_COOKIE = 'portcullis_method';
/** The name of the user's default second factor among their preferences. */
export const DEFAULT_METHOD = 'default_method';
const ONE_YEAR_S = 365 * 24 * 3600;

const choosable = (value: unknown): ChoosableMethod | null =>
  typeof value === 'string' && (choosableFactors() as readonly string[]).includes(value)
    ? (value as ChoosableMethod)
    : null;

/**
 * The way shown when none is on offer (a form sent again after the rule changed): the first one
 * that works without JavaScript.
 */
const withoutScript = (): ProofMethod => FACTORS.find((f) => !('scripts' in f.stepUp))?.method ?? FACTORS[0].method;

/** The method the step-up page opens with, among those `offered` (not empty). */
export function firstMethod(
  offered: readonly ProofMethod[],
  prefer: { asked?: unknown; lastUsed?: unknown; userDefault?: unknown },
): ProofMethod {
  const asked = typeof prefer.asked === 'string' ? offered.find((m) => m === prefer.asked) : undefined;
  if (asked !== undefined) return asked;
  for (const candidate of [choosable(prefer.lastUsed), choosable(prefer.userDefault)])
    if (candidate !== null && offered.includes(candidate)) return candidate;
  return offered[0] ?? withoutScript();
}

/** The method this browser used last, as its cookie says (anything else: undefined). */
export function lastUsedMethod(request: FastifyRequest): ChoosableMethod | undefined {
  return choosable(cookieValue(request.headers.cookie, METHOD_COOKIE)) ?? undefined;
}

/**
 * Remembers the method this browser just proved: host-only, path /.portcullis/ (the pages and
 * the API only: never sent to an upstream), HttpOnly, SameSite=Lax, Secure on an https portal.
 */
export function rememberMethod(reply: FastifyReply, secure: boolean, method: string): void {
  const m = choosable(method);
  if (m === null) return;
  setCookie(
    reply,
    METHOD_COOKIE,
    serializeCookie(METHOD_COOKIE, m, {
      path: '/.portcullis/',
      secure,
      httpOnly: true,
      sameSite: 'Lax',
      maxAgeSeconds: ONE_YEAR_S,
    }),
  );
}

/** The user's default second factor, or null (never chosen, or no longer one the gateway knows). */
export async function defaultMethod(durable: DurableStore, user: string): Promise<ChoosableMethod | null> {
  return choosable(await durable.getPreference(user, DEFAULT_METHOD));
}

/** Sets the user's default second factor; false when it is not one that can be chosen. */
export async function setDefaultMethod(durable: DurableStore, user: string, method: unknown): Promise<boolean> {
  const m = choosable(method);
  if (m === null) return false;
  await durable.setPreference(user, DEFAULT_METHOD, m);
  return true;
}
