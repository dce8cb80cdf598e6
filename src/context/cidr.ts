/**
 * IP address canonicalisation and CIDR sets (trusted proxies, network criteria).
 *
 * Only unambiguous spellings are accepted: IPv4 must be four-part decimal without leading zeros (no `10.1`,
 * `0x0a.0.0.1`, `010.0.0.1`), zone ids (`fe80::1%eth0`) are refused, and an IPv4-mapped IPv6 address
 * (`::ffff:1.2.3.4`) is the IPv4 address. Accordingly a set entry `::ffff:a.b.c.d/n` (n >= 96) is stored as
 * the IPv4 range `a.b.c.d/(n-96)`, and IPv6 ranges never match IPv4 clients (not even `::/0`).
 * An entry with host bits set (`10.0.0.1/8`) is an error: it is ambiguous whether a host or a net was meant.
 */
import ipaddr from 'ipaddr.js';
import { PortcullisError } from '../errors.ts';

export type Address = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * Four-part decimal IPv4 without leading zeros. Checked with a regular expression first:
 * ipaddr.js answers "no" by throwing and catching, which costs tens of microseconds on the
 * hot path (every IPv6 or IPv4-mapped peer address).
 */
const FOUR_PART_DECIMAL = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const isFourPartDecimal = (text: string): boolean => FOUR_PART_DECIMAL.test(text);

/**
 * Parses an IP address, accepting only unambiguous spellings (see above); IPv4-mapped addresses stay IPv6.
 * An embedded dotted IPv4 tail is converted to hex groups here, because ipaddr.js accepts legacy forms in it
 * and reads the IPv4-compatible `::1.2.3.4` as `::ffff:1.2.3.4`.
 */
export function parseIpStrict(text: string): Address | null {
  if (text.length === 0 || text.length > 45 || text.includes('%')) return null;
  if (isFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  const lastColon = text.lastIndexOf(':');
  if (lastColon === -1) return null;
  let v6 = text;
  if (text.includes('.', lastColon)) {
    const tail = text.slice(lastColon + 1);
    if (!isFourPartDecimal(tail)) return null;
    const [a = 0, b = 0, c = 0, d = 0] = ipaddr.IPv4.parse(tail).octets;
    v6 = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  if (v6.includes('.') || !ipaddr.IPv6.isValid(v6)) return null;
  return ipaddr.IPv6.parse(v6);
}

function parseStrict(text: string): Address | null {
  const address = parseIpStrict(text);
  if (address === null || address.kind() === 'ipv4') return address;
  const v6 = address as ipaddr.IPv6;
  return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
}

/**
 * The last address parsed by contains(): every `networks` condition of one request asks about
 * the same IP, so one entry spares all but the first parse. parseStrict is pure and the parsed
 * address is never modified, so sharing it is safe.
 */
let lastText: string | undefined;
let lastAddress: Address | null = null;
function parseCached(text: string): Address | null {
  if (text !== lastText) {
    lastAddress = parseStrict(text);
    lastText = text;
  }
  return lastAddress;
}

function toText(address: Address): string {
  return address.kind() === 'ipv4' ? address.toString() : (address as ipaddr.IPv6).toRFC5952String();
}

/** Canonical text of an IP address (IPv4-mapped → IPv4; IPv6 compressed lower-case), or null when invalid. */
export function canonicalIp(text: string): string | null {
  if (isFourPartDecimal(text)) return text;
  const address = parseStrict(text);
  return address === null ? null : toText(address);
}

export interface CidrError {
  index: number;
  message: string;
}

interface Range {
  address: Address;
  bits: number;
}

function parseEntry(entry: string): Range | string {
  const slash = entry.indexOf('/');
  const addressText = slash === -1 ? entry : entry.slice(0, slash);
  const prefixText = slash === -1 ? null : entry.slice(slash + 1);
  if (addressText.includes('%')) return 'zone ids are not allowed';
  const address = parseStrict(addressText);
  if (address === null) return 'not an IPv4 or IPv6 address';
  const mapped = address.kind() === 'ipv4' && addressText.includes(':');
  const width = address.kind() === 'ipv4' && !mapped ? 32 : 128;
  let bits = width;
  if (prefixText !== null) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText)) return 'prefix length is not a decimal number';
    bits = Number(prefixText);
    if (bits > width) return `prefix length exceeds ${width}`;
  }
  if (mapped) {
    if (bits < 96) {
      return 'an IPv4-mapped range needs a prefix of at least 96';
    }
    bits -= 96;
  }
  const cidr = `${toText(address)}/${bits}`;
  const network =
    address.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(cidr) : ipaddr.IPv6.networkAddressFromCIDR(cidr);
  if (toText(network) !== toText(address)) {
    return `host bits are set (did you mean ${mapped ? '::ffff:' : ''}${toText(network)}/${mapped ? bits + 96 : bits}?)`;
  }
  return { address: network, bits };
}

export class CidrSet {
  readonly #v4: Range[];
  readonly #v6: Range[];

  private constructor(ranges: Range[]) {
    this.#v4 = ranges.filter((r) => r.address.kind() === 'ipv4');
    this.#v6 = ranges.filter((r) => r.address.kind() === 'ipv6');
  }

  /** Parses every entry; bad entries are reported (by index) and left out of the set. */
  static parse(entries: readonly string[]): { set: CidrSet; errors: CidrError[] } {
    const ranges: Range[] = [];
    const errors: CidrError[] = [];
    entries.forEach((entry, index) => {
      const result = typeof entry === 'string' ? parseEntry(entry) : 'not a string';
      if (typeof result === 'string') errors.push({ index, message: `${JSON.stringify(entry)}: ${result}` });
      else ranges.push(result);
    });
    return { set: new CidrSet(ranges), errors };
  }

  /** Like parse, but any bad entry throws a PortcullisError (PC_ERR_CONFIG_INVALID) naming every bad entry. */
  static from(entries: readonly string[], what = 'address list'): CidrSet {
    const { set, errors } = CidrSet.parse(entries);
    if (errors.length > 0) {
      const detail = errors.map((e) => `[${e.index}] ${e.message}`).join('; ');
      throw new PortcullisError('PC_ERR_CONFIG_INVALID', `invalid ${what}: ${detail}`);
    }
    return set;
  }

  get size(): number {
    return this.#v4.length + this.#v6.length;
  }

  /** True when `ip` (any accepted spelling) lies in one of the ranges; an invalid ip never matches. */
  contains(ip: string): boolean {
    if (this.#v4.length === 0 && this.#v6.length === 0) return false;
    const address = parseCached(ip);
    if (address === null) return false;
    const ranges = address.kind() === 'ipv4' ? this.#v4 : this.#v6;
    for (const range of ranges) if (address.match(range.address, range.bits)) return true;
    return false;
  }
}
