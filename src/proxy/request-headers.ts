import type { IncomingMessage } from 'node:http';
import { canonicalPeer } from '../context/client-ip.ts';
import type { RequestContext } from '../gate/request-context.ts';
import { stripCookies } from './strip-headers.ts';

export type Headers = Record<string, string | string[] | undefined>;

/**
 * Hop-by-hop request headers (RFC 9110 7.6.1) and the ones undici refuses outright: they mean
 * nothing past the gateway, and forwarded as they came, `Expect: 100-continue` (curl sends it for
 * any body over 1 KiB), `Keep-Alive` or a stray `Upgrade` would turn a good request into a 502.
 * Node has already answered any 100-continue; real upgrades take the WebSocket path. `Host` is the
 * upstream's own (the client's is in X-Forwarded-Host).
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
  'host',
  'http2-settings',
]);

const ONLY_OPTION = new Set(['keep-alive', 'close']);

/** The header names a Connection header lists (lower case), which are hop-by-hop too. */
export function connectionNames(connection: string | string[] | undefined): string[] {
  // almost every request says only keep-alive or close: nothing to split
  if (connection === undefined || (typeof connection === 'string' && ONLY_OPTION.has(connection.toLowerCase())))
    return [];
  const names: string[] = [];
  for (const token of (Array.isArray(connection) ? connection.join(',') : connection).split(',')) {
    const name = token.trim().toLowerCase();
    if (name !== '' && name !== 'close' && name !== 'keep-alive') names.push(name);
  }
  return names;
}

/**
 * The client's headers minus the hop-by-hop ones, and minus those its Connection header names,
 * removed first so that a client cannot name a header the gateway adds and have it dropped.
 */
export function endToEndRequestHeaders(incoming: IncomingMessage['headers']): Headers {
  const out: Headers = {};
  for (const name in incoming) {
    if (!HOP_BY_HOP.has(name)) out[name] = incoming[name];
  }
  if (incoming.connection !== undefined) for (const name of connectionNames(incoming.connection)) delete out[name];
  return out;
}

/** What the gateway adds to the Via header of a request it forwards (RFC 9110 7.6.3). */
export const VIA = '1.1 portcullis';

/**
 * What the upstream sees: the client's end-to-end headers minus anything that could pass for an
 * identity (any spelling), minus the gateway's own cookies, plus X-Forwarded-* and Via written by
 * the gateway and the identity headers the gate computed. `incoming` is changed in place and
 * returned. Used for HTTP and WebSocket alike.
 */
export function upstreamHeaders(raw: IncomingMessage, pc: RequestContext, incoming: Headers): Headers {
  const app = pc.app;
  if (app === null) throw new TypeError('upstreamHeaders called for a request without an app');
  app.stripIdentityHeaders(incoming);
  delete incoming.expect;
  const cookie = stripCookies(typeof incoming.cookie === 'string' ? incoming.cookie : undefined, pc.state.ownCookies);
  if (cookie === undefined) delete incoming.cookie;
  else incoming.cookie = cookie;

  const peer = raw.socket.remoteAddress ?? '';
  const prior = raw.headers['x-forwarded-for'];
  // A prior X-Forwarded-For is kept only when the peer is a trusted proxy. Asked in that order:
  // without a prior header the answer is `peer` whatever the peer is, and contains() parses the
  // address on every call (the hot path usually has no prior header and no trusted proxies). The
  // peer is read as client-ip.ts reads it (zone id dropped), so the two always agree.
  incoming['x-forwarded-for'] =
    prior && pc.state.trustedProxies.contains(canonicalPeer(peer) ?? '')
      ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${peer}`
      : peer;
  incoming['x-forwarded-proto'] = pc.proto;
  incoming['x-forwarded-host'] = pc.origin.slice(pc.proto.length + 3);
  delete incoming.forwarded;
  // a prior Via the client's Connection header named is gone already
  const via = incoming.via;
  incoming.via = via === undefined ? VIA : `${via}, ${VIA}`;
  if (pc.upstreamHeaders !== undefined) Object.assign(incoming, pc.upstreamHeaders);
  return incoming;
}
