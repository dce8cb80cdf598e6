import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { canonicalIp } from '../context/cidr.ts';
import { clientAddress } from '../context/client-ip.ts';
import { identityHeaderNames } from '../gate/identity-headers.ts';
import { type JudgeDeps, judge } from '../gate/judge.ts';
import { normalizePath } from '../gate/normalize-path.ts';
import { deny, isNavigation } from '../gate/respond.ts';
import { refuseUnavailable } from '../gate/session-lookup.ts';
import { methodOverrides } from '../proxy/strip-headers.ts';
import { describedRequest } from './described-request.ts';

const METHOD = /^[A-Z]{3,10}$/;

/**
 * How a request that must sign in is answered, from `?login=` on the address the proxy asks:
 * - `status` (the default): 401 with `Location`, for nginx, whose `auth_request` passes on only 401
 *   and 403 (a 302 becomes a 500) and redirects with its own `error_page`;
 * - `redirect`: for Caddy and Traefik, which hand a non-2xx answer to the client as it is: what the
 *   gateway itself would answer, a 302 for a browser navigation and 401 JSON for the rest, and a
 *   refusal page for a browser.
 */
type LoginAnswer = 'status' | 'redirect';

function loginAnswer(query: unknown): LoginAnswer | null {
  const value = (query as Record<string, unknown> | undefined)?.login;
  if (value === undefined || value === 'status') return 'status';
  return value === 'redirect' ? 'redirect' : null;
}

/** Forward-auth's refusals: always 403 (nginx `auth_request` passes on only 401 and 403), with the request id. */
function refused(request: FastifyRequest, reply: FastifyReply, error: string, message: string): FastifyReply {
  request.log.info({ req: request, status: 403, error }, 'request refused');
  return reply.code(403).send({ error, message, request_id: request.id });
}

/**
 * The method that the described request's method-override headers name (any spelling, upper-cased as the
 * frameworks read it): undefined when there are none, null when one is not a method or they disagree.
 */
function overrideMethod(headers: Record<string, string | string[] | undefined>): string | null | undefined {
  let named: string | undefined;
  for (const value of methodOverrides(headers)) {
    for (const part of value.split(',')) {
      const method = part.trim().toUpperCase();
      if (!METHOD.test(method) || (named !== undefined && named !== method)) return null;
      named = method;
    }
  }
  return named;
}

/**
 * Forward-auth for an nginx (auth_request), Traefik (forwardAuth) or Caddy (forward_auth) in
 * front: `GET /.portcullis/authz` judges the URL the proxy describes (described-request.ts),
 * believed only when the caller is in `server.trusted_proxies`. The proxy passes the client's
 * method-override headers on to the upstream, so a request that carries them is judged with the
 * method they name as well as its own (the stricter decision holds). Answers 200 with the identity
 * headers for the proxy to copy upstream, 401 with `Location` of the sign-in (or step-up)
 * page, or 403. The same judge as the inline proxy: one session lookup, the compiled policy.
 *
 * The 200 has no body (nginx never reads an auth answer's body and closes the connection instead, so a
 * body would cost it its keep-alive connection) and carries every identity header of the app, empty when
 * there is no value (an `allow` rule, a user without groups or e-mail): Caddy 2.6 to 2.8 otherwise copy
 * the literal placeholder `{http.reverse_proxy.header.Remote-Groups}` to the upstream.
 */
export function forwardAuthRoutes(deps: JudgeDeps) {
  return async function forwardAuth(app: FastifyInstance): Promise<void> {
    app.get('/authz', async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const state = request.pc.state;
      const peer = canonicalIp(request.raw.socket.remoteAddress ?? '');
      if (peer === null || !state.trustedProxies.contains(peer)) {
        return refused(request, reply, 'untrusted_proxy', 'Forward-auth is answered only to trusted proxies.');
      }
      const mode = loginAnswer(request.query);
      if (mode === null) return refused(request, reply, 'bad_request', 'login= is status or redirect.');
      const h = request.headers;
      const described = describedRequest(h);
      if (typeof described === 'string') return refused(request, reply, 'bad_request', described);
      const { proto, host: parsed, uri, method } = described;
      const override = overrideMethod(h);
      if (override === null) {
        return refused(request, reply, 'bad_request', 'The method-override headers do not name one method.');
      }
      const target = state.hosts.lookupHostname(parsed.hostname);
      if (target === undefined)
        return refused(request, reply, 'unknown_host', 'This gateway does not serve that host.');
      const normal = normalizePath(uri);
      if (!normal.ok) return refused(request, reply, 'bad_path', 'The request path is not acceptable.');

      const defaultPort = proto === 'https' ? 443 : 80;
      const origin = `${proto}://${parsed.hostname}${parsed.port === null || parsed.port === defaultPort ? '' : `:${parsed.port}`}`;
      const client = clientAddress(request.raw.socket.remoteAddress, h, state.trustedProxies, {
        proto,
        host: parsed.hostname,
      });
      request.pc = { state, host: parsed.hostname, app: target, ip: client.ip, proto, origin };

      const outcome = await judge(deps, request, target, {
        path: normal.path,
        forward: normal.forward,
        query: normal.query,
        method,
        override,
      });
      // what the client gets when the proxy hands the answer on (login=redirect)
      const navigation = mode === 'redirect' && isNavigation(method, h.accept);
      switch (outcome.kind) {
        case 'unavailable':
          return refuseUnavailable(request, reply);
        case 'deny':
          if (navigation) return deny(request, reply, { url: `${origin}${normal.forward}${normal.query}`, html: true });
          return refused(request, reply, 'access_denied', 'You do not have access to this page.');
        case 'sign-in':
        case 'step-up':
          if (navigation) return reply.redirect(outcome.url, 302);
          return reply
            .code(401)
            .header('location', outcome.url)
            .send({ error: 'authentication_required', login_url: outcome.url });
        case 'pass': {
          deps.metrics.observeRequest(target.name, outcome.identity === undefined ? 'allow' : 'authenticated');
          const identity: Record<string, string> = {};
          for (const name of identityHeaderNames(target)) identity[name] = outcome.identity?.[name] ?? '';
          return reply.code(200).headers(identity).send();
        }
      }
    });
  };
}
