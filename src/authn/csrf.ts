import type { FastifyReply, FastifyRequest } from 'fastify';
import { pageText } from '../web/html.ts';

/**
 * The CSRF rule of the portal: a JSON POST must carry `Content-Type: application/json` and an
 * `Origin` equal to the served host's origin; an HTML form POST must carry that Origin too
 * (browsers always send it on POST). Anything else: 403 and no side effect (`message` in the
 * request's language).
 */
export function csrfGuard(kind: 'json' | 'form', allowedOrigin?: (request: FastifyRequest) => string) {
  return async function csrf(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    const expected = kind === 'json' ? 'application/json' : 'application/x-www-form-urlencoded';
    const origin = request.headers.origin;
    const wanted = allowedOrigin ? allowedOrigin(request) : request.pc.origin;
    if (contentType !== expected || typeof origin !== 'string' || origin.toLowerCase() !== wanted) {
      return reply
        .code(403)
        .header('cache-control', 'no-store')
        .send({ error: 'csrf', message: pageText(request).t('errors.csrf') });
    }
    return undefined;
  };
}
