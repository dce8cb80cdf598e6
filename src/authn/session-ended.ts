import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseCookies } from '../session/cookies.ts';
import { pageText, sendPage } from '../web/html.ts';
import { loginPage } from '../web/pages/login-page.ts';
import { formActionFor } from './continue-to.ts';

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

/**
 * A form of a code page (second factor, step-up, recovery, enrolment) sent without a live
 * session: the sign-in page, saying why, instead of a silent redirect; rd is kept.
 */
export function sessionEndedPage(request: FastifyRequest, reply: FastifyReply, rd: string | null): FastifyReply {
  const text = pageText(request);
  return sendPage(
    reply,
    loginPage(text, { rd, notice: text.t('login.sessionEnded') }),
    401,
    formActionFor(request, rd),
  );
}
