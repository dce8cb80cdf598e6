import type { AssertionSigner } from '../proxy/assertion.ts';
import { amrOf, type Session } from '../session/session.ts';
import type { AppRuntime } from '../state.ts';
import type { DirectoryUser } from '../users/directory.ts';

/** Header values must be visible ASCII; other characters are percent-encoded (documented). */
function headerValue(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : encodeURIComponent(value);
}

/** The header that carries the signed assertion. */
export const ASSERTION_HEADER = 'X-Portcullis-Assertion';

/** Every identity header an upstream of `app` may receive, as the app names them. */
export function identityHeaderNames(app: AppRuntime): string[] {
  const h = app.headers;
  return [h.user, h.groups, h.email, h.name, ASSERTION_HEADER];
}

interface Kept {
  readonly headers: Record<string, string>;
  readonly user: DirectoryUser;
  readonly app: AppRuntime;
  readonly until: number;
}

/** A session's identity headers for one app are built again after this long (the assertion has at least a minute left). */
const KEEP_MS = 30_000;
const KEEP_LIMIT = 10_000;
/** per signer: a new signer (a reload, a new key) starts afresh */
const kept = new WeakMap<AssertionSigner, Map<string, Kept>>();

/**
 * The identity an upstream receives: Remote-User, Remote-Groups, Remote-Email, Remote-Name
 * (names per app) and the signed X-Portcullis-Assertion. Built once per session and app, then
 * reused for half a minute while the user (as configured) and the app are the same: the session id
 * changes at every level rise, so a new proof always yields new headers. The object is shared:
 * callers only read it.
 */
export function identityHeaders(
  app: AppRuntime,
  user: DirectoryUser,
  session: Session,
  sessionId: string,
  signer: AssertionSigner,
  now: number,
): Readonly<Record<string, string>> {
  let cache = kept.get(signer);
  if (cache === undefined) {
    cache = new Map();
    kept.set(signer, cache);
  }
  const key = `${sessionId}|${app.name}`;
  const hit = cache.get(key);
  if (hit !== undefined && hit.user === user && hit.app === app && now < hit.until) return hit.headers;
  const h = app.headers;
  const headers: Record<string, string> = {
    [h.user]: user.name,
    [h.groups]: headerValue(user.groups.join(',')),
  };
  if (user.email) headers[h.email] = headerValue(user.email);
  if (user.displayName) headers[h.name] = headerValue(user.displayName);
  if (app.assertion) {
    headers[ASSERTION_HEADER] = signer.assertion(
      key,
      app.name,
      {
        sub: user.name,
        email: user.email ?? null,
        name: user.displayName ?? null,
        groups: user.groups,
        tenant: user.tenant,
        amr: amrOf(session),
        auth_time: Math.floor(session.authTime / 1000),
      },
      now,
    );
  }
  if (cache.size >= KEEP_LIMIT) cache.clear();
  cache.set(key, { headers: Object.freeze(headers), user, app, until: now + KEEP_MS });
  return headers;
}
