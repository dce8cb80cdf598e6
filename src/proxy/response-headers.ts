import { connectionNames } from './request-headers.ts';

/**
 * Hop-by-hop response headers (RFC 9110 7.6.1): they describe the upstream's connection to the
 * gateway, not the gateway's to the client, which Node writes itself. Names are matched by length
 * first, so most headers are let through without building a lower-case copy.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
]);
const HOP_LENGTHS = new Set([...HOP_BY_HOP].map((h) => h.length));

/**
 * The raw headers of an upstream answer (name, value, name, value... as undici gives them) as the
 * flat list the client gets: names and values as the upstream sent them (latin1, order and
 * repetitions kept), minus the hop-by-hop ones and those its Connection header names.
 */
export function clientResponseHeaders(raw: readonly Buffer[]): string[] {
  let named: Set<string> | null = null;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as Buffer;
    if (name.length === 10 && name.toString('latin1').toLowerCase() === 'connection') {
      named ??= new Set();
      for (const n of connectionNames((raw[i + 1] as Buffer).toString('latin1'))) named.add(n);
    }
  }
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as Buffer).toString('latin1');
    if (HOP_LENGTHS.has(name.length) || named !== null) {
      const lower = name.toLowerCase();
      if (HOP_BY_HOP.has(lower) || named?.has(lower)) continue;
    }
    out.push(name, (raw[i + 1] as Buffer).toString('latin1'));
  }
  return out;
}

/** The same for headers as an object (lower-case names), as reply-from gives them. */
export function endToEndResponseHeaders<V>(headers: Record<string, V>): Record<string, V> {
  const connection = headers.connection;
  const named = new Set(connection === undefined ? [] : connectionNames(String(connection)));
  const out: Record<string, V> = {};
  for (const name in headers) {
    if (!HOP_BY_HOP.has(name) && !named.has(name)) out[name] = headers[name] as V;
  }
  return out;
}
