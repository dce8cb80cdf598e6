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

/**
 * The identity an upstream receives: Remote-User, Remote-Groups, Remote-Email, Remote-Name
 * (names per app) and the signed X-Portcullis-Assertion.
 */
export function identityHeaders(
  app: AppRuntime,
  user: DirectoryUser,
  session: Session,
  sessionId: string,
  signer: AssertionSigner,
  now: number,
): Record<string, string> {
  const h = app.headers;
  const headers: Record<string, string> = {
    [h.user]: user.name,
    [h.groups]: headerValue(user.groups.join(',')),
  };
  if (user.email) headers[h.email] = headerValue(user.email);
  if (user.displayName) headers[h.name] = headerValue(user.displayName);
  if (app.assertion) {
    headers[ASSERTION_HEADER] = signer.assertion(
      `${sessionId}|${app.name}`,
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
  return headers;
}
