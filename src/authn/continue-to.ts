import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { token } from '../random.ts';
import type { Session } from '../session/session.ts';
import { pageText, sendPage } from '../web/html.ts';
import { handoffPage } from '../web/pages/login-page.ts';
import type { PortalDeps } from './deps.ts';
import { cookieScope } from './session-cookie.ts';

const HANDOFF_TTL_MS = 60_000;

export function handoffKey(code: string): string {
  return `sso:${createHash('sha256').update(code).digest('base64url')}`;
}

/** True when the session cookie set on this host also reaches `host` (one cookie scope). */
function cookieReaches(request: FastifyRequest, host: string): boolean {
  return cookieScope(request.pc.state, host) === cookieScope(request.pc.state, request.pc.host);
}

/**
 * The CSP `form-action` of a page whose form finishes a step on the way to `rd` (a URL that
 * safeRedirect accepted). A page's form-action also governs every redirect after its form is
 * sent, so when the step ends with a redirect to rd on another origin (the session cookie
 * reaches it: continueTo), that one origin is allowed too; never a wildcard, never every host.
 * When the cookie does not reach rd, the step answers with the hand-off page, whose own CSP
 * allows rd's origin: this page keeps `'self'`.
 */
export function formActionFor(request: FastifyRequest, rd: string | null): string {
  if (rd === null) return "'self'";
  const target = new URL(rd);
  if (target.origin === request.pc.origin || !cookieReaches(request, target.hostname.toLowerCase())) return "'self'";
  return `'self' ${target.origin}`;
}

/**
 * The one way a finished step (a sign-in, a second factor, a step-up, or a page opened while
 * signed in) goes on to `rd`: a 303 when the session cookie reaches rd's host (same host, or
 * session.cookie_domain covers both), else the single sign-on hand-off page itself (no extra
 * redirect), which POSTs a one-time code (60 s, single use, bound to rd's host) to
 * `<rd's origin>/.portcullis/sso`. The hand-off page's CSP allows exactly rd's origin.
 * `session`: the session going on (the hand-off gives rd's host a handle of its own on it).
 */
export async function continueTo(
  deps: Pick<PortalDeps, 'ephemeral' | 'random'>,
  request: FastifyRequest,
  reply: FastifyReply,
  rd: string,
  session: Session,
): Promise<FastifyReply> {
  const target = new URL(rd);
  const host = target.hostname.toLowerCase();
  if (cookieReaches(request, host)) return reply.header('cache-control', 'no-store').redirect(rd, 303);
  const code = token(deps.random, 32);
  await deps.ephemeral.set(handoffKey(code), JSON.stringify({ sid: session.sid, host }), HANDOFF_TTL_MS);
  return sendPage(
    reply,
    handoffPage(pageText(request), { action: `${target.origin}/.portcullis/sso`, code, rd }),
    200,
    `'self' ${target.origin}`,
  );
}

/**
 * The link a page offers to go on to `rd` once the step is done (the recovery codes' Continue):
 * rd itself when the session cookie reaches it, else the sign-in page of this host, which sees
 * the session and goes on through continueTo.
 */
export function onwardLink(request: FastifyRequest, rd: string): string {
  return cookieReaches(request, new URL(rd).hostname.toLowerCase())
    ? rd
    : `/.portcullis/login?rd=${encodeURIComponent(rd)}`;
}
