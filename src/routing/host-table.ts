/**
 * Host header parsing and the host → value table used to pick a protected application.
 *
 * Matching uses the hostname only: any port in the Host header is validated and then ignored, as reverse
 * proxies do (a gateway listening on several ports serves the same hosts on all of them). Hostnames are
 * compared lower-case without a trailing dot. Patterns are an exact host (`rmm.acme.example`, `[::1]`) or a
 * wildcard `*.acme.example`, which matches one or more labels in place of '*' but not `acme.example` itself.
 * Exact patterns win over wildcards, and longer wildcard suffixes over shorter ones. A lookup costs one map
 * probe per label; there is no scan over the entries.
 */
import type ipaddr from 'ipaddr.js';
import { parseIpStrict } from '../context/cidr.ts';
import { PortcullisError } from '../errors.ts';

export interface HostEntry<T> {
  pattern: string;
  value: T;
}

export interface ParsedHost {
  /** Lower-case, no trailing dot; an IPv6 literal is bracketed and compressed (`[::1]`). */
  hostname: string;
  port: number | null;
}

const MAX_HOST_LENGTH = 300;
const LABEL = /^[a-z0-9_-]{1,63}$/;

function parseHostname(text: string): string | null {
  let name = text.toLowerCase();
  if (name.endsWith('.')) name = name.slice(0, -1);
  if (name.length === 0 || name.length > 253) return null;
  for (const label of name.split('.')) if (!LABEL.test(label)) return null;
  return name;
}

function parseIpv6Literal(inner: string): string | null {
  const address = parseIpStrict(inner);
  if (address === null || address.kind() !== 'ipv6') return null;
  return `[${(address as ipaddr.IPv6).toRFC5952String()}]`;
}

/** The origin a client used: scheme and host, the port only when it is not the scheme's own. */
export function originOf(proto: 'http' | 'https', host: ParsedHost): string {
  const defaultPort = proto === 'https' ? 443 : 80;
  return `${proto}://${host.hostname}${host.port === null || host.port === defaultPort ? '' : `:${host.port}`}`;
}

/** Parses a Host header (or X-Forwarded-Host value); null when malformed. */
export function parseHost(hostHeader: string): ParsedHost | null {
  if (hostHeader.length === 0 || hostHeader.length > MAX_HOST_LENGTH) return null;
  // Printable ASCII only, checked before lower-casing (U+212A KELVIN SIGN lower-cases to an ASCII 'k').
  if (!/^[\x21-\x7e]+$/.test(hostHeader)) return null;
  let hostname: string | null;
  let rest: string;
  if (hostHeader.startsWith('[')) {
    const close = hostHeader.indexOf(']');
    if (close === -1) return null;
    hostname = parseIpv6Literal(hostHeader.slice(1, close));
    rest = hostHeader.slice(close + 1);
  } else {
    const colon = hostHeader.indexOf(':');
    hostname = parseHostname(colon === -1 ? hostHeader : hostHeader.slice(0, colon));
    rest = colon === -1 ? '' : hostHeader.slice(colon);
  }
  if (hostname === null) return null;
  if (rest === '') return { hostname, port: null };
  if (!/^:[0-9]{1,5}$/.test(rest)) return null;
  const port = Number(rest.slice(1));
  if (port < 1 || port > 65535) return null;
  return { hostname, port };
}

/**
 * Normalises a Host header to `hostname` or `hostname:port`; null when malformed. When `scheme` is given,
 * its default port (80 for http, 443 for https) is dropped.
 */
export function normalizeHost(hostHeader: string, scheme?: 'http' | 'https'): string | null {
  const parsed = parseHost(hostHeader);
  if (parsed === null) return null;
  const { hostname, port } = parsed;
  if (port === null) return hostname;
  if ((scheme === 'http' && port === 80) || (scheme === 'https' && port === 443)) return hostname;
  return `${hostname}:${port}`;
}

function invalidPattern(pattern: string, why: string): PortcullisError {
  return new PortcullisError('PC_ERR_CONFIG_INVALID', `invalid host pattern ${JSON.stringify(pattern)}: ${why}`);
}

export class HostTable<T> {
  readonly #exact = new Map<string, T>();
  /** Keyed by the suffix after `*.`. */
  readonly #wildcard = new Map<string, T>();

  /** Throws a PortcullisError (PC_ERR_CONFIG_INVALID) for a malformed or duplicate pattern. */
  constructor(entries: readonly HostEntry<T>[]) {
    for (const { pattern, value } of entries) {
      const isWildcard = pattern.startsWith('*.');
      const body = isWildcard ? pattern.slice(2) : pattern;
      if (body.includes('*')) throw invalidPattern(pattern, "'*' is only allowed as the whole first label");
      const parsed = parseHost(body);
      if (parsed === null) throw invalidPattern(pattern, 'not a valid hostname');
      if (parsed.port !== null) throw invalidPattern(pattern, 'ports are not part of host patterns');
      if (isWildcard && parsed.hostname.startsWith('[')) throw invalidPattern(pattern, 'wildcard over an IP literal');
      const map = isWildcard ? this.#wildcard : this.#exact;
      if (map.has(parsed.hostname)) throw invalidPattern(pattern, 'duplicate pattern');
      map.set(parsed.hostname, value);
    }
  }

  /** The value for a Host header, or undefined when the header is malformed or no pattern matches. */
  lookup(hostHeader: string): T | undefined {
    const parsed = parseHost(hostHeader);
    return parsed === null ? undefined : this.lookupHostname(parsed.hostname);
  }

  /** Like lookup, for a hostname already produced by parseHost. */
  lookupHostname(hostname: string): T | undefined {
    const exact = this.#exact.get(hostname);
    if (exact !== undefined || this.#exact.has(hostname)) return exact;
    if (hostname.startsWith('[') || this.#wildcard.size === 0) return undefined;
    // Longest suffix first: for a.b.c.d try b.c.d, then c.d, then d.
    for (let dot = hostname.indexOf('.'); dot !== -1; dot = hostname.indexOf('.', dot + 1)) {
      const suffix = hostname.slice(dot + 1);
      const value = this.#wildcard.get(suffix);
      if (value !== undefined || this.#wildcard.has(suffix)) return value;
    }
    return undefined;
  }
}
