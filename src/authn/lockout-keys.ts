/**
 * The keys of the lockout counters in the ephemeral store (see lockout.ts for what they mean):
 *
 *   fail:acct:<account>            failures of clients without a device cookie of the account
 *   lock:acct:<account>            present while the account is locked for those clients
 *   fail:dev:<account>:<device>    failures of the one browser holding that device cookie
 *   lock:dev:<account>:<device>    present while that browser is locked
 *   devs:<account>                 the set of the account's device ids that have such keys
 *   fail:ip:<address>              failures from the client address (IPv6: its /64)
 *   throttle:ip:<address>          present while the address is throttled
 *
 * A user name and an address each have exactly one key part, whatever the spelling.
 */
import { createHash } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import { canonicalIp } from '../context/cidr.ts';
import { canonicalUsername } from '../users/canonical.ts';

/**
 * IPv6 clients are counted per network of this many leading bits: one subscriber usually holds a
 * whole /64 and could otherwise rotate through 2^64 addresses to escape the per-address count.
 */
export const IPV6_PREFIX_BITS = 64;

/** A device id as Devices makes them (128 random bits, base64url); anything else is a programming mistake. */
const DEVICE_ID = /^[A-Za-z0-9_-]{22}$/;

const hashed = (text: string) => `~${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;

/**
 * The key part for a user name: its canonical form; a name that has none (too long, invalid
 * characters) is still counted, under a hash of its folded form prefixed with '~' (a character
 * no canonical name starts with, so the two spaces never collide).
 */
export function accountKeyPart(name: string): string {
  const canonical = canonicalUsername(name);
  if (canonical !== null) return canonical;
  return hashed(String(name).normalize('NFKC').trim().toLowerCase());
}

/**
 * The key part for a client address: canonical text (IPv4-mapped IPv6 is IPv4), IPv6 reduced to
 * its /IPV6_PREFIX_BITS network; anything unparsable is hashed, prefixed with '~'.
 */
export function ipKeyPart(ip: string): string {
  const canonical = canonicalIp(ip);
  if (canonical === null) return hashed(String(ip));
  if (!canonical.includes(':')) return canonical;
  const bytes = ipaddr.IPv6.parse(canonical).toByteArray();
  const keep = IPV6_PREFIX_BITS / 8;
  for (let i = keep; i < bytes.length; i++) bytes[i] = 0;
  return `${(ipaddr.fromByteArray(bytes) as ipaddr.IPv6).toRFC5952String()}/${IPV6_PREFIX_BITS}`;
}

function devicePart(device: string): string {
  if (!DEVICE_ID.test(device)) throw new TypeError('a lockout device must be a device id');
  return device;
}

/** Key names from key parts (accountKeyPart, ipKeyPart, a device id). */
export const lockoutKeys = {
  failAcct: (account: string) => `fail:acct:${account}`,
  lockAcct: (account: string) => `lock:acct:${account}`,
  failDev: (account: string, device: string) => `fail:dev:${account}:${devicePart(device)}`,
  lockDev: (account: string, device: string) => `lock:dev:${account}:${devicePart(device)}`,
  devices: (account: string) => `devs:${account}`,
  failIp: (address: string) => `fail:ip:${address}`,
  throttleIp: (address: string) => `throttle:ip:${address}`,
};
