import type { FastifyReply, FastifyRequest } from 'fastify';
import { providerChoices } from '../idp/provider-choices.ts';
import { parseCookies } from '../session/cookies.ts';
import { pageText, sendPage } from '../web/html.ts';
import { loginPage } from '../web/pages/login-page.ts';
import { formActionFor } from './continue-to.ts';
import type { PortalDeps } from './deps.ts';
import { type Signed, signedIn } from './prove-factor.ts';

/** The request names a session (it carries the session cookie); whether that one is live is the caller's lookup. */
function namesSession(request: FastifyRequest): boolean {
  return parseCookies(request.headers.cookie).has(request.pc.state.session.cookieName);
}

/**
 * The JSON API's answer where a session is required and there is none: 401 `session_expired`
 * (with a message to show) when the cookie named a session that is not live any more (signed
 * out, expired, revoked), else `authentication_required`.
 */
export function noSession(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.code(401).header('cache-control', 'no-store');
  if (namesSession(request))
    return reply.send({ error: 'session_expired', message: pageText(request).t('login.sessionEnded') });
  return reply.send({ error: 'authentication_required' });
}

/** The signed-in session of a JSON request, or null: the answer is sent (noSession, or 503 when the store is down). */
export async function apiSession(
  deps: PortalDeps,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<Signed | null> {
  const s = await signedIn(deps, request, reply);
  if (s === null) noSession(request, reply);
  return s === null || s === 'unavailable' ? null : s;
}

/**
 * A form of a code page (second factor, step-up, recovery, enrolment) sent without a live
 * session: the sign-in page, saying why, instead of a silent redirect; rd is kept.
 */
export function sessionEndedPage(request: FastifyRequest, reply: FastifyReply, rd: string | null): FastifyReply {
  const text = pageText(request);
  return sendPage(
    reply,
    loginPage(text, { rd, notice: text.t('login.sessionEnded'), providers: providerChoices(request.pc.state, rd) }),
    401,
    formActionFor(request, rd),
  );
}

/**
 * The signed-in session of a page's request, or (null: the answer is sent) a redirect to sign in;
 * a form sent without one gets the sign-in page saying that the session ended. rd is kept.
 */
export async function pageSession(
  deps: PortalDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  rd: string | null,
): Promise<Signed | null> {
  const s = await signedIn(deps, request, reply);
  if (s === 'unavailable') return null;
  if (s === null) {
    if (request.method === 'POST') sessionEndedPage(request, reply, rd);
    else reply.redirect(`/.portcullis/login${rd ? `?rd=${encodeURIComponent(rd)}` : ''}`, 302);
    return null;
  }
  return s;
}
