import type { FastifyReply, FastifyRequest } from 'fastify';
import { brandFor, pageText, sendPage } from '../web/html.ts';
import type { MessageKey } from '../web/i18n/messages.ts';
import { type DeniedDetail, errorPage } from '../web/pages/error-page.ts';

/** A browser navigation: GET or HEAD that accepts HTML. */
export function isNavigation(method: string, accept: string | string[] | undefined): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  return typeof accept === 'string' && accept.includes('text/html');
}

/** The request is a browser navigation: it gets pages. Others get JSON. */
export function wantsHtml(request: FastifyRequest): boolean {
  return isNavigation(request.method, request.headers.accept);
}

type RefusalStatus = 400 | 403 | 404 | 429 | 502 | 503 | 504;

const MAX_RD = 4096;

/**
 * One place that turns a refusal into a response: an HTML page for browsers (branded for the
 * app's tenant, with the request id and the help desk), JSON `{error, message, request_id}` for
 * the rest. The request id is on the log line written here and in the audit row of a denial, so
 * an operator finds the request from the reference a person quotes. The body never carries
 * upstream or internal detail. `message` is a catalogue key: the page and the JSON `message` are
 * in the request's language (pageText); `error` is the contract.
 */
export function refuse(
  request: FastifyRequest,
  reply: FastifyReply,
  status: RefusalStatus,
  error: string,
  message: MessageKey,
  denied?: DeniedDetail,
  html = wantsHtml(request),
): FastifyReply {
  request.log.info({ req: request, status, error }, 'request refused');
  const text = pageText(request);
  const words = text.t(message);
  if (html) {
    const brand = brandFor(request);
    return sendPage(reply, errorPage(text, { status, message: words, requestId: request.id, brand, denied }), status);
  }
  return reply.code(status).header('cache-control', 'no-store').send({ error, message: words, request_id: request.id });
}

/**
 * A rule (or tenant isolation) refuses the request: 403, and for a browser the page names who is
 * signed in and the app, and offers to sign out or to sign in as someone else (back to this page).
 * `described`: forward-auth's refusal of the request a proxy describes (its URL, and whether it is a
 * browser navigation), as the client gets it from a proxy that passes the answer on.
 */
export function deny(
  request: FastifyRequest,
  reply: FastifyReply,
  described?: { readonly url: string; readonly html: boolean },
): FastifyReply {
  const pc = request.pc;
  const user = pc.user ? { name: pc.user.name, displayName: pc.user.displayName } : null;
  const url = described?.url ?? `${pc.origin}${request.url}`;
  const detail = {
    user,
    app: pc.app?.name ?? pc.host,
    // rd is at most 4096 characters: a longer page comes back to the app's home
    url: url.length <= MAX_RD ? url : `${pc.origin}/`,
  };
  return refuse(request, reply, 403, 'access_denied', 'errors.accessDenied', detail, described?.html);
}

/** Authentication (or a higher level) is needed: 302 for browsers, 401 JSON for the rest. */
export function challenge(
  request: FastifyRequest,
  reply: FastifyReply,
  loginUrl: string,
  level?: string,
): FastifyReply {
  reply.header('cache-control', 'no-store');
  if (wantsHtml(request)) return reply.redirect(loginUrl, 302);
  return reply.code(401).send({ error: 'authentication_required', login_url: loginUrl, ...(level ? { level } : {}) });
}
