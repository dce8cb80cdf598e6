/**
 * Who is the client? X-Forwarded-* headers are believed only when the TCP peer is a trusted proxy.
 *
 * X-Forwarded-For is walked from the right (the end our own proxies append to), skipping trusted hops; the
 * first untrusted address is the client. An entry that is not a plain IP address (`unknown`, `1.2.3.4:5678`,
 * obfuscated names) stops the walk and the request is attributed to the last trusted hop, so the result is
 * never an attacker-chosen string. Empty list elements (`a,,b`) are skipped as RFC 9110 lists allow.
 * The TCP peer of a link-local IPv6 connection carries a zone (`fe80::1%eth0`, as Node reports it): it names
 * our own interface, not the client, and is dropped; zones in forwarded values are still refused.
 * X-Forwarded-Proto and X-Forwarded-Host use their first value; invalid values fall back to the direct ones.
 */
import { normalizeHost } from '../routing/host-table.ts';
import { type CidrSet, canonicalIp } from './cidr.ts';

export type Proto = 'http' | 'https';

/** Structurally compatible with Node's IncomingHttpHeaders. */
export interface ForwardedHeaders {
  readonly [name: string]: string | string[] | undefined;
  'x-forwarded-for'?: string | string[] | undefined;
  'x-forwarded-proto'?: string | string[] | undefined;
  'x-forwarded-host'?: string | string[] | undefined;
}

export interface ClientAddress {
  /** Canonical IP (see canonicalIp); null only when the peer address itself is missing or invalid. */
  ip: string | null;
  proto: Proto;
  host: string;
}

function joined(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

function firstValue(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined) return undefined;
  const comma = text.indexOf(',');
  return (comma === -1 ? text : text.slice(0, comma)).trim();
}

/** The kernel-reported peer address, canonical, without the zone of a link-local IPv6 peer. */
export function canonicalPeer(peer: string | undefined): string | null {
  if (peer === undefined) return null;
  const zone = peer.indexOf('%');
  return canonicalIp(zone === -1 ? peer : peer.slice(0, zone));
}

export function clientAddress(
  peer: string | undefined,
  headers: ForwardedHeaders,
  trusted: CidrSet,
  direct: { proto: Proto; host: string },
): ClientAddress {
  const peerIp = canonicalPeer(peer);
  if (peerIp === null || !trusted.contains(peerIp)) return { ip: peerIp, proto: direct.proto, host: direct.host };

  let ip = peerIp;
  const xff = joined(headers['x-forwarded-for']);
  if (xff !== undefined) {
    const hops = xff.split(',');
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = (hops[i] as string).trim();
      if (hop === '') continue;
      const hopIp = canonicalIp(hop);
      if (hopIp === null) break;
      ip = hopIp;
      if (!trusted.contains(hopIp)) break;
    }
  }

  const protoText = firstValue(headers['x-forwarded-proto'])?.toLowerCase();
  const proto: Proto = protoText === 'http' || protoText === 'https' ? protoText : direct.proto;
  const hostText = firstValue(headers['x-forwarded-host']);
  const host = (hostText === undefined ? null : normalizeHost(hostText, proto)) ?? direct.host;
  return { ip, proto, host };
}
