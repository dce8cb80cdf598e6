/**
 * The ceiling: the least a Node reverse proxy can do per request, written by hand. A node:http
 * server hands each request to an undici Pool (the HTTP client @fastify/http-proxy uses too, with
 * its default of 128 connections and no pipelining): the client's headers go on minus the
 * hop-by-hop ones, the body (if any) is streamed up, and the answer is streamed back with its
 * status and headers, again minus the hop-by-hop ones. No authentication, no routing, no logging:
 * what Portcullis would cost if it did nothing but proxy.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { Pool } from 'undici';

/** RFC 9110 7.6.1, plus what undici refuses in a request (expect, and proxy-connection in practice). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
]);

type Headers = Record<string, string | string[]>;

/** `headers` minus hop-by-hop ones, those its Connection header names included. */
export function endToEnd(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>): Headers {
  const connection = headers.connection;
  const named =
    connection === undefined
      ? null
      : new Set(
          (Array.isArray(connection) ? connection.join(',') : connection)
            .split(',')
            .map((t) => t.trim().toLowerCase())
            .filter((t) => t !== ''),
        );
  const out: Headers = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || HOP_BY_HOP.has(name) || named?.has(name)) continue;
    out[name] = value;
  }
  return out;
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

export async function startReferenceProxy(
  origin: string,
  listenHost: string,
): Promise<{ port: number; close(): Promise<void> }> {
  const pool = new Pool(origin, { connections: 128, pipelining: 1 });
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    pool.stream(
      {
        path: req.url ?? '/',
        method: (req.method ?? 'GET') as 'GET',
        headers: endToEnd(req.headers),
        body: hasBody(req) ? req : null,
      },
      ({ statusCode, headers }) => {
        res.writeHead(statusCode, endToEnd(headers));
        return res;
      },
      (err) => {
        if (err === null) return;
        if (res.headersSent) res.destroy(err);
        else {
          res.writeHead(502, { 'content-type': 'text/plain', 'content-length': '11' });
          res.end('Bad Gateway');
        }
      },
    );
  };
  const server = createServer({ keepAliveTimeout: 65_000 }, handle);
  await new Promise<void>((resolve) => server.listen(0, listenHost, resolve));
  return {
    port: (server.address() as { port: number }).port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.close();
    },
  };
}
