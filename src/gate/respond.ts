import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorPage } from '../web/pages/error-page.ts';

/** A browser navigation: GET or HEAD that accepts HTML. Others get JSON. */
export function wantsHtml(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const accept = request.headers.accept;
  return typeof accept === 'string' && accept.includes('text/html');
}

const TITLES: Record<number, string> = {
  400: 'Bad request',
  403: 'Access denied',
  404: 'Not found',
  502: 'The application is not responding',
  503: 'Temporarily unavailable',
};

/**
 * One place that turns a refusal into a response: an HTML page for browsers, JSON for the rest.
 * The body never carries upstream or internal detail.
 */
export function refuse(
  request: FastifyRequest,
  reply: FastifyReply,
  status: 400 | 403 | 404 | 502 | 503,
  error: string,
  message: string,
): FastifyReply {
  reply.code(status).header('cache-control', 'no-store');
  if (wantsHtml(request)) {
    return reply.type('text/html; charset=utf-8').send(errorPage(TITLES[status] ?? 'Error', message));
  }
  return reply.send({ error, message });
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
