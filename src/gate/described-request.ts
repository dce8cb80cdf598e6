import { type ParsedHost, parseHost } from '../routing/host-table.ts';

type Headers = Record<string, string | string[] | undefined>;

/** The request a proxy asks forward-auth about. */
export interface DescribedRequest {
  readonly proto: 'http' | 'https';
  readonly host: ParsedHost;
  /** path and query, as the client sent them */
  readonly uri: string;
  readonly method: string;
}

const METHOD = /^[A-Z]{3,10}$/;

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The request a proxy describes: `X-Original-URL` (+ `X-Original-Method`), which the nginx set-up sends,
 * or `X-Forwarded-Proto/Host/Uri` (+ `X-Forwarded-Method`), which Caddy and Traefik send. A proxy sets
 * its own description and passes the client's other headers on: nginx a client's `X-Forwarded-Uri`, Caddy
 * and Traefik a client's `X-Original-URL`. So when both describe the request, they must name the same
 * host, path and query, and method, or the request is refused: otherwise a client could have the gateway
 * judge a public page while the proxy forwards another. (The scheme may differ: a load balancer in front
 * of nginx sets `X-Forwarded-Proto`; the description that wins gives it.) A string names what is wrong.
 */
export function describedRequest(h: Headers): DescribedRequest | string {
  let proto = first(h['x-forwarded-proto'])?.toLowerCase();
  let host = first(h['x-forwarded-host']);
  let uri = first(h['x-forwarded-uri']);
  const original = first(h['x-original-url']);
  if (original !== undefined) {
    const match = /^(https?):\/\/([^/?#\s]+)([^#\s]*)$/i.exec(original);
    if (match === null) return 'X-Original-URL is not an absolute http(s) URL.';
    const [, oProto, oHost = '', oUri] = match;
    if ((uri !== undefined && uri !== (oUri || '/')) || (host !== undefined && !sameHost(host, oHost))) {
      return 'X-Original-URL and X-Forwarded-Host/Uri describe different requests.';
    }
    [proto, host, uri] = [oProto?.toLowerCase(), oHost, oUri || '/'];
  }
  const originalMethod = first(h['x-original-method'])?.toUpperCase();
  const forwardedMethod = first(h['x-forwarded-method'])?.toUpperCase();
  if (originalMethod !== undefined && forwardedMethod !== undefined && originalMethod !== forwardedMethod) {
    return 'X-Original-Method and X-Forwarded-Method name different methods.';
  }
  const method = originalMethod ?? forwardedMethod ?? 'GET';
  const parsed = host === undefined ? null : parseHost(host);
  if ((proto !== 'http' && proto !== 'https') || parsed === null || uri === undefined || !METHOD.test(method)) {
    return 'The forwarded request is not described completely.';
  }
  return { proto, host: parsed, uri, method };
}

function sameHost(a: string, b: string): boolean {
  const x = parseHost(a);
  const y = parseHost(b);
  return x !== null && y !== null && x.hostname === y.hostname;
}
