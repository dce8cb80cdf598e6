import type { IncomingMessage } from 'node:http';
import { canonicalIp } from '../context/cidr.ts';
import { clientAddress } from '../context/client-ip.ts';
import { methodOverrides } from '../proxy/strip-headers.ts';
import { originOf } from '../routing/host-table.ts';
import type { AppRuntime } from '../state.ts';
import { describedRequest } from './described-request.ts';
import { identityHeaderNames } from './identity-headers.ts';
import { type JudgeDeps, judge, type Outcome } from './judge.ts';
import { normalizePath } from './normalize-path.ts';
import type { JudgedRequest, RequestContext } from './request-context.ts';
import { isNavigation } from './respond.ts';

/**
 * How a request that must sign in is answered, from `?login=` on the address the proxy asks:
 * - `status` (the default): 401 with `Location`, for nginx, whose `auth_request` passes on only 401
 *   and 403 (a 302 becomes a 500) and redirects with its own `error_page`;
 * - `redirect`: for Caddy and Traefik, which hand a non-2xx answer to the client as it is: what the
 *   gateway itself would answer, a 302 for a browser navigation and 401 JSON for the rest, and a
 *   refusal page for a browser.
 */
export type LoginAnswer = 'status' | 'redirect';

/** The forward-auth question as asked: `login` from its query (null: a value that is neither). */
export interface AuthzQuestion extends JudgedRequest {
  /** the context identified for the asking proxy; the described request's once it is known */
  pc: RequestContext;
  readonly raw: IncomingMessage;
}

/** What forward-auth decides: refused before judging (always 403), or the judge's outcome. */
export type AuthzDecision =
  | { readonly kind: 'refused'; readonly error: string; readonly message: string }
  | {
      readonly kind: 'judged';
      readonly outcome: Outcome;
      readonly app: AppRuntime;
      /** the described request's address, as the upstream reads it */
      readonly url: string;
      /** the proxy hands a non-2xx answer to a browser as it is (login=redirect, a navigation) */
      readonly navigation: boolean;
    };

const METHOD = /^[A-Z]{3,10}$/;

function refused(error: string, message: string): AuthzDecision {
  return { kind: 'refused', error, message };
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
 * Forward-auth's decision about the request a proxy describes (described-request.ts), believed only
 * when the caller is in `server.trusted_proxies`. The proxy passes the client's method-override
 * headers on to the upstream, so a request that carries them is judged with the method they name as
 * well as its own (the stricter decision holds). The same judge as the inline proxy: one session
 * lookup, the compiled policy. Shared by the Fastify route (authn/forward-auth.ts), which answers
 * every decision, and the proxied path, which answers a pass itself. Sets `question.pc` to the
 * described request's context (its tenant's brand, client address and session).
 */
export async function decideAuthz(
  deps: JudgeDeps,
  question: AuthzQuestion,
  login: LoginAnswer | null,
): Promise<AuthzDecision> {
  const state = question.pc.state;
  const raw = question.raw;
  const peer = canonicalIp(raw.socket.remoteAddress ?? '');
  if (peer === null || !state.trustedProxies.contains(peer)) {
    return refused('untrusted_proxy', 'Forward-auth is answered only to trusted proxies.');
  }
  if (login === null) return refused('bad_request', 'login= is status or redirect.');
  const h = question.headers;
  const described = describedRequest(h);
  if (typeof described === 'string') return refused('bad_request', described);
  const { proto, host: parsed, uri, method } = described;
  const override = overrideMethod(h);
  if (override === null) return refused('bad_request', 'The method-override headers do not name one method.');
  const app = state.hosts.lookupHostname(parsed.hostname);
  if (app === undefined) return refused('unknown_host', 'This gateway does not serve that host.');
  const normal = normalizePath(uri);
  if (!normal.ok) return refused('bad_path', 'The request path is not acceptable.');

  const origin = originOf(proto, parsed);
  const client = clientAddress(raw.socket.remoteAddress, h, state.trustedProxies, { proto, host: parsed.hostname });
  question.pc = { state, host: parsed.hostname, app, ip: client.ip, proto, origin };

  const outcome = await judge(deps, question, app, {
    path: normal.path,
    forward: normal.forward,
    query: normal.query,
    method,
    override,
  });
  return {
    kind: 'judged',
    outcome,
    app,
    url: `${origin}${normal.forward}${normal.query}`,
    navigation: login === 'redirect' && isNavigation(method, h.accept),
  };
}

/**
 * The headers of forward-auth's 200: every identity header of the app, empty when there is no value
 * (an `allow` rule, a user without groups or e-mail): Caddy 2.6 to 2.8 otherwise copy the literal
 * placeholder `{http.reverse_proxy.header.Remote-Groups}` to the upstream.
 */
export function passHeaders(
  app: AppRuntime,
  identity: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  const headers: Record<string, string> = { 'cache-control': 'no-store' };
  for (const name of identityHeaderNames(app)) headers[name] = identity?.[name] ?? '';
  return headers;
}
