/**
 * Traefik is not packaged in Debian: this replays, on loopback, what Traefik does with the example
 * dynamic configuration (deploy/traefik/dynamic.yml), step by step as its source does it. The source:
 * Traefik v3.7 (github.com/traefik/traefik, master after v3.7.9, commit fd5a576df2), files
 *   pkg/server/server_entrypoint_tcp.go       the entry point: normalizePath, sanitizePath (default on)
 *   pkg/middlewares/forwardedheaders/forwarded_header.go   X-Forwarded-* of an untrusted client
 *   pkg/middlewares/auth/forward.go           ForwardAuth: writeHeader (trustForwardHeader false),
 *                                             the answer: non-2xx handed to the client, 2xx:
 *                                             authResponseHeaders and authResponseHeadersRegex
 *   pkg/middlewares/auth/connectionheader.go  RemoveConnectionHeaders
 *   pkg/middlewares/headers                   customRequestHeaders ("" removes the header)
 * Header names are handled as Go does (net/textproto CanonicalMIMEHeaderKey). Only what the example
 * uses is replayed; any other option in the file is an error, so the file cannot say more than is tested.
 */
import { Agent, createServer, type IncomingMessage, type OutgoingHttpHeaders, request, type Server } from 'node:http';
import { posix } from 'node:path';
import { parse } from 'yaml';
import type { RunningProxy } from './proxies.ts';

/** Go's http.Header: canonical name -> values, in arrival order. */
type GoHeader = Map<string, string[]>;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** net/textproto.CanonicalMIMEHeaderKey: `remote_user` -> `Remote_user`, `x-portcullis-assertion` -> `X-Portcullis-Assertion`. */
export function canonicalKey(name: string): string {
  if (!TOKEN.test(name)) return name;
  let upper = true;
  let out = '';
  for (const c of name) {
    out += upper ? c.toUpperCase() : c.toLowerCase();
    upper = c === '-';
  }
  return out;
}

function headerOf(raw: string[]): { header: GoHeader; host: string } {
  const header: GoHeader = new Map();
  let host = '';
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const key = canonicalKey(raw[i] as string);
    const value = raw[i + 1] as string;
    // net/http moves Host out of the header map into Request.Host
    if (key === 'Host') host = value;
    else header.set(key, [...(header.get(key) ?? []), value]);
  }
  return { header, host };
}

const del = (h: GoHeader, name: string) => h.delete(canonicalKey(name));
const set = (h: GoHeader, name: string, value: string) => h.set(canonicalKey(name), [value]);

function toNode(h: GoHeader): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [key, values] of h) out[key] = values.length === 1 ? values[0] : values;
  return out;
}

/** forwardedheaders.XHeadersSet: the X-headers Traefik manages, matched with `_` for `-` as well. */
const X_HEADERS = new Set(
  [
    'X-Forwarded-Proto',
    'X-Forwarded-Scheme',
    'X-Forwarded-For',
    'X-Forwarded-Host',
    'X-Forwarded-Port',
    'X-Forwarded-Server',
    'X-Forwarded-Uri',
    'X-Forwarded-Method',
    'X-Forwarded-Prefix',
    'X-Forwarded-Tls-Client-Cert',
    'X-Forwarded-Tls-Client-Cert-Info',
    'X-Scheme',
    'X-Real-Ip',
  ].map(canonicalKey),
);

/** forwardedheaders.DeleteXForwardedHeaders */
function deleteXForwardedHeaders(h: GoHeader): void {
  for (const key of [...h.keys()]) {
    if (X_HEADERS.has(key) || X_HEADERS.has(canonicalKey(key.replaceAll('_', '-')))) h.delete(key);
  }
}

/** forward.go hopHeaders */
const HOP_HEADERS = ['Connection', 'Keep-Alive', 'Te', 'Trailers', 'Transfer-Encoding', 'Upgrade'];

/** auth.RemoveConnectionHeaders (no Upgrade: the replay serves no WebSocket) */
function removeConnectionHeaders(h: GoHeader): void {
  for (const value of h.get('Connection') ?? []) {
    for (const name of value.split(',')) if (name.trim() !== '') del(h, name.trim());
  }
  h.delete('Connection');
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/** server_entrypoint_tcp.go normalizePath: unreserved characters decoded, other escapes upper-cased. */
function normalizeEscapes(path: string): string {
  return path.replace(/%([0-9A-Fa-f]{2})/g, (encoded, hex: string) => {
    const c = String.fromCharCode(Number.parseInt(hex, 16));
    return UNRESERVED.test(c) ? c : encoded.toUpperCase();
  });
}

/** server_entrypoint_tcp.go sanitizePath: URL.JoinPath(), i.e. path.Join on the escaped path, a trailing slash kept. */
function sanitizePath(path: string): string {
  const cleaned = posix.normalize(path.startsWith('/') ? path : `/${path}`);
  return path.endsWith('/') || cleaned === '/' ? cleaned : cleaned.replace(/\/$/, '');
}

interface ForwardAuth {
  address: string;
  trustForwardHeader: false;
  authResponseHeaders: string[];
  authResponseHeadersRegex?: RegExp;
}
type Middleware = { forwardAuth: ForwardAuth } | { customRequestHeaders: Record<string, string> };
interface Router {
  host: string;
  pathPrefix?: string;
  /** Traefik's default priority: the length of the rule */
  priority: number;
  middlewares: Middleware[];
  service: URL;
}

function only(what: string, value: object, keys: string[]): void {
  for (const key of Object.keys(value))
    if (!keys.includes(key)) throw new Error(`replay: ${what}.${key} is not replayed`);
}

/** Go's regexp `(?i)` prefix as a JavaScript flag. */
function goRegex(source: string): RegExp {
  return source.startsWith('(?i)') ? new RegExp(source.slice(4), 'i') : new RegExp(source);
}

function readConfig(text: string): Router[] {
  const http = (parse(text) as { http: Record<string, Record<string, Record<string, unknown>>> }).http;
  only('http', http, ['routers', 'middlewares', 'services']);
  const services = new Map<string, URL>();
  for (const [name, spec] of Object.entries(http.services ?? {})) {
    const servers = (spec.loadBalancer as { servers: { url: string }[] }).servers;
    if (servers.length !== 1) throw new Error('replay: one server per service');
    services.set(name, new URL(servers[0]?.url as string));
  }
  const middlewares = new Map<string, Middleware>();
  for (const [name, spec] of Object.entries(http.middlewares ?? {})) {
    only(`middlewares.${name}`, spec, ['forwardAuth', 'headers']);
    if (spec.forwardAuth) {
      const fa = spec.forwardAuth as Record<string, unknown>;
      only(`${name}.forwardAuth`, fa, [
        'address',
        'trustForwardHeader',
        'authResponseHeaders',
        'authResponseHeadersRegex',
      ]);
      if (fa.trustForwardHeader !== false) throw new Error('replay: trustForwardHeader false is replayed');
      middlewares.set(name, {
        forwardAuth: {
          address: fa.address as string,
          trustForwardHeader: false,
          authResponseHeaders: (fa.authResponseHeaders as string[] | undefined) ?? [],
          ...(fa.authResponseHeadersRegex
            ? { authResponseHeadersRegex: goRegex(fa.authResponseHeadersRegex as string) }
            : {}),
        },
      });
    } else {
      const headers = spec.headers as Record<string, unknown>;
      only(`${name}.headers`, headers, ['customRequestHeaders']);
      middlewares.set(name, { customRequestHeaders: headers.customRequestHeaders as Record<string, string> });
    }
  }
  const routers: Router[] = [];
  for (const [name, spec] of Object.entries(http.routers ?? {})) {
    only(`routers.${name}`, spec, ['rule', 'entryPoints', 'middlewares', 'service']);
    const rule = spec.rule as string;
    const router: Router = {
      host: '',
      priority: rule.length,
      middlewares: ((spec.middlewares as string[] | undefined) ?? []).map((m) => {
        const found = middlewares.get(m);
        if (!found) throw new Error(`replay: no middleware ${m}`);
        return found;
      }),
      service: services.get(spec.service as string) as URL,
    };
    for (const part of rule.split('&&')) {
      const match = /^\s*(Host|PathPrefix)\(`([^`]+)`\)\s*$/.exec(part);
      if (!match) throw new Error(`replay: rule ${rule} is not replayed`);
      if (match[1] === 'Host') router.host = (match[2] as string).toLowerCase();
      else router.pathPrefix = match[2] as string;
    }
    routers.push(router);
  }
  return routers.sort((a, b) => b.priority - a.priority);
}

interface Exchange {
  status: number;
  headers: GoHeader;
  body: Buffer;
}

function roundTrip(
  agent: Agent,
  url: URL,
  method: string,
  host: string,
  headers: GoHeader,
  body?: Buffer,
): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method,
        path: `${url.pathname}${url.search}`,
        headers: { host, ...toNode(headers) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: headerOf(res.rawHeaders).header,
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Starts the replay of `dynamicYml` (placeholders filled in) on a loopback port. */
export async function startTraefikReplay(dynamicYml: string): Promise<RunningProxy> {
  const routers = readConfig(dynamicYml);
  const agent = new Agent({ keepAlive: true });
  const log: string[] = [];
  const server: Server = createServer((incoming: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (c: Buffer) => chunks.push(c));
    incoming.on('end', () => {
      serve(incoming, Buffer.concat(chunks)).then(
        (answer) => {
          res.writeHead(answer.status, toNode(answer.headers));
          res.end(answer.body);
        },
        (err: Error) => {
          log.push(err.message);
          res.writeHead(500);
          res.end();
        },
      );
    });
  });

  async function serve(incoming: IncomingMessage, body: Buffer): Promise<Exchange> {
    const { header, host } = headerOf(incoming.rawHeaders);
    const method = incoming.method ?? 'GET';
    const clientIp = incoming.socket.remoteAddress ?? '';
    // the entry point: normalizePath, then sanitizePath; the request URI is rebuilt from them
    const target = incoming.url ?? '/';
    const q = target.indexOf('?');
    const rawPath = sanitizePath(normalizeEscapes(q === -1 ? target : target.slice(0, q)));
    const requestUri = q === -1 ? rawPath : `${rawPath}${target.slice(q)}`;
    // forwardedheaders (the client is not trusted): its X-Forwarded-* go, Traefik's own come
    deleteXForwardedHeaders(header);
    set(header, 'X-Forwarded-Proto', 'http');
    set(header, 'X-Forwarded-Host', host);
    set(header, 'X-Real-Ip', clientIp);
    const hostname = host.replace(/:\d+$/, '').toLowerCase();
    let path: string;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      // net/http refuses a request line whose path does not decode
      return { status: 400, headers: new Map(), body: Buffer.from('400 Bad Request') };
    }
    const router = routers.find(
      (r) => r.host === hostname && (r.pathPrefix === undefined || path.startsWith(r.pathPrefix)),
    );
    if (router === undefined) return { status: 404, headers: new Map(), body: Buffer.from('404 page not found\n') };
    for (const middleware of router.middlewares) {
      if ('customRequestHeaders' in middleware) {
        for (const [name, value] of Object.entries(middleware.customRequestHeaders)) {
          if (value === '') del(header, name);
          else set(header, name, value);
        }
        continue;
      }
      const answer = await forwardAuth(middleware.forwardAuth, { method, host, requestUri, header, clientIp });
      if (answer !== null) return answer;
    }
    // the service: the request as it now is, Host passed on (passHostHeader), hop-by-hop headers removed
    for (const name of HOP_HEADERS) del(header, name);
    const forward = new URL(requestUri, router.service);
    try {
      const answer = await roundTrip(agent, forward, method, host, header, body.length > 0 ? body : undefined);
      for (const name of HOP_HEADERS) del(answer.headers, name);
      return answer;
    } catch {
      return { status: 502, headers: new Map(), body: Buffer.from('Bad Gateway') };
    }
  }

  /** forward.go ServeHTTP: null lets the request on, else the answer the client gets. */
  async function forwardAuth(
    fa: ForwardAuth,
    req: { method: string; host: string; requestUri: string; header: GoHeader; clientIp: string },
  ): Promise<Exchange | null> {
    // writeHeader(req, forwardReq, trustForwardHeader=false, authRequestHeaders=[])
    const forward: GoHeader = new Map([...req.header].map(([k, v]) => [k, [...v]]));
    removeConnectionHeaders(forward);
    for (const name of HOP_HEADERS) del(forward, name);
    deleteXForwardedHeaders(forward);
    set(forward, 'X-Forwarded-For', req.clientIp);
    set(forward, 'X-Forwarded-Method', req.method);
    set(forward, 'X-Forwarded-Proto', 'http');
    set(forward, 'X-Forwarded-Port', /:(\d+)$/.exec(req.host)?.[1] ?? '80');
    set(forward, 'X-Forwarded-Host', req.host);
    set(forward, 'X-Forwarded-Uri', req.requestUri);
    // Go's transport asks for gzip when the request does not say otherwise (and undoes it)
    if (!forward.has('Accept-Encoding')) set(forward, 'Accept-Encoding', 'gzip');
    const address = new URL(fa.address);
    let answer: Exchange;
    try {
      // http.NewRequest(GET, address, nil): no body, Host from the address
      answer = await roundTrip(agent, address, 'GET', address.host, forward);
    } catch {
      // client.Do failed: 500
      return { status: 500, headers: new Map(), body: Buffer.alloc(0) };
    }
    if (answer.headers.has('Content-Encoding')) throw new Error('replay: a compressed auth answer is not replayed');
    if (answer.status < 200 || answer.status >= 300) {
      // the auth answer goes to the client: its headers (hop-by-hop ones removed), status and body
      for (const name of HOP_HEADERS) del(answer.headers, name);
      const location = answer.headers.get('Location')?.[0];
      if (location !== undefined) set(answer.headers, 'Location', new URL(location, address).href);
      answer.headers.delete('Content-Length');
      return answer;
    }
    for (const name of fa.authResponseHeaders) {
      const key = canonicalKey(name);
      req.header.delete(key);
      const values = answer.headers.get(key);
      if (values !== undefined && values.length > 0) req.header.set(key, [...values]);
    }
    if (fa.authResponseHeadersRegex) {
      for (const key of [...req.header.keys()]) if (fa.authResponseHeadersRegex.test(key)) req.header.delete(key);
      for (const [key, values] of answer.headers)
        if (fa.authResponseHeadersRegex.test(key)) req.header.set(key, [...values]);
    }
    return null;
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    output: () => log.join('\n'),
    stop: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
