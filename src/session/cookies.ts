/**
 * Cookie header parsing and Set-Cookie serialisation (RFC 6265).
 *
 * Parsing is tolerant but bounded: only the first 8 KiB of the header are read (a pair cut by that limit is
 * dropped, never truncated), at most 100 distinct cookies are kept, the first occurrence of a name wins,
 * and pairs whose name is not a token or whose value has characters outside cookie-octet are ignored.
 * Values are returned as sent (surrounding double quotes removed), without any percent-decoding.
 * Serialisation is strict: a bad name, value or attribute is a programming mistake and throws a TypeError.
 */

export const MAX_COOKIE_HEADER_LENGTH = 8192;
export const MAX_COOKIES = 100;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const COOKIE_OCTETS = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/;
const PATH_VALUE = /^\/[\x20-\x3A\x3C-\x7E]*$/;
const DOMAIN = /^[a-z0-9-]{1,63}(\.[a-z0-9-]{1,63})*$/i;
const OWS = /^[ \t]+|[ \t]+$/g;

export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (header === undefined) return cookies;
  const pieces = header.slice(0, MAX_COOKIE_HEADER_LENGTH).split(';');
  if (header.length > MAX_COOKIE_HEADER_LENGTH && header[MAX_COOKIE_HEADER_LENGTH] !== ';') pieces.pop();
  for (const piece of pieces) {
    if (cookies.size >= MAX_COOKIES) break;
    const eq = piece.indexOf('=');
    if (eq === -1) continue;
    const name = piece.slice(0, eq).replace(OWS, '');
    let value = piece.slice(eq + 1).replace(OWS, '');
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (!TOKEN.test(name) || !COOKIE_OCTETS.test(value) || cookies.has(name)) continue;
    cookies.set(name, value);
  }
  return cookies;
}

/**
 * The value of one cookie, as parseCookies(header).get(name) gives it (the first well-formed
 * occurrence in the first 8 KiB wins), without building the map: the session lookup of every
 * request reads one cookie. Unlike parseCookies it does not stop after 100 other cookies, a bound
 * that only limits the map's size. `name` must be a token.
 */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  const limit = Math.min(header.length, MAX_COOKIE_HEADER_LENGTH);
  // a pair cut by the limit is dropped, never truncated
  const cut = header.length > MAX_COOKIE_HEADER_LENGTH && header[MAX_COOKIE_HEADER_LENGTH] !== ';';
  for (let at = header.indexOf(name); at !== -1 && at < limit; at = header.indexOf(name, at + 1)) {
    // the name starts a pair: only whitespace between it and the previous ';' (or the start)
    let before = at - 1;
    while (before >= 0 && isOws(header.charCodeAt(before))) before--;
    if (before >= 0 && header.charCodeAt(before) !== 0x3b) continue;
    // and only whitespace between it and its '='
    let eq = at + name.length;
    while (eq < limit && isOws(header.charCodeAt(eq))) eq++;
    if (eq >= limit || header.charCodeAt(eq) !== 0x3d) continue;
    let end = header.indexOf(';', eq + 1);
    if (end === -1 || end >= limit) {
      if (cut) return undefined;
      end = limit;
    }
    let value = header.slice(eq + 1, end).replace(OWS, '');
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (COOKIE_OCTETS.test(value)) return value;
  }
  return undefined;
}

function isOws(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

export type SameSite = 'Strict' | 'Lax' | 'None';

export interface CookieOptions {
  maxAgeSeconds?: number;
  expires?: Date;
  /** Default '/'. */
  path?: string;
  domain?: string;
  secure: boolean;
  /** Default true. */
  httpOnly?: boolean;
  /** Default 'Lax'. */
  sameSite?: SameSite;
}

export type ClearCookieOptions = Omit<CookieOptions, 'maxAgeSeconds' | 'expires'>;

export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  const { maxAgeSeconds, expires, path = '/', domain, secure, httpOnly = true, sameSite = 'Lax' } = options;
  if (typeof name !== 'string' || !TOKEN.test(name)) throw new TypeError(`invalid cookie name ${JSON.stringify(name)}`);
  if (typeof value !== 'string' || !COOKIE_OCTETS.test(value)) throw new TypeError(`invalid value for cookie ${name}`);
  if (typeof secure !== 'boolean') throw new TypeError('cookie option "secure" must be a boolean');
  if (typeof httpOnly !== 'boolean') throw new TypeError('cookie option "httpOnly" must be a boolean');
  if (sameSite !== 'Strict' && sameSite !== 'Lax' && sameSite !== 'None') {
    throw new TypeError(`invalid SameSite ${JSON.stringify(sameSite)}`);
  }
  if (sameSite === 'None' && !secure) throw new TypeError('SameSite=None requires Secure');
  if (typeof path !== 'string' || !PATH_VALUE.test(path))
    throw new TypeError(`invalid cookie path ${JSON.stringify(path)}`);
  if (domain !== undefined && (typeof domain !== 'string' || !DOMAIN.test(domain) || domain.length > 253)) {
    throw new TypeError(`invalid cookie domain ${JSON.stringify(domain)}`);
  }
  const lowerName = name.toLowerCase();
  if (lowerName.startsWith('__secure-') && !secure) throw new TypeError(`${name} requires Secure`);
  if (lowerName.startsWith('__host-') && (!secure || path !== '/' || domain !== undefined)) {
    throw new TypeError(`${name} requires Secure, Path=/ and no Domain`);
  }

  let cookie = `${name}=${value}`;
  if (maxAgeSeconds !== undefined) {
    if (!Number.isSafeInteger(maxAgeSeconds) || maxAgeSeconds < 0) {
      throw new TypeError(`invalid maxAgeSeconds ${String(maxAgeSeconds)}`);
    }
    cookie += `; Max-Age=${maxAgeSeconds}`;
  }
  if (expires !== undefined) {
    if (!(expires instanceof Date) || Number.isNaN(expires.getTime())) throw new TypeError('invalid expires date');
    cookie += `; Expires=${expires.toUTCString()}`;
  }
  if (domain !== undefined) cookie += `; Domain=${domain}`;
  cookie += `; Path=${path}`;
  if (secure) cookie += '; Secure';
  if (httpOnly) cookie += '; HttpOnly';
  cookie += `; SameSite=${sameSite}`;
  return cookie;
}

/** A Set-Cookie value deleting the cookie; path and domain must equal those it was set with. */
export function clearCookie(name: string, options: ClearCookieOptions): string {
  return serializeCookie(name, '', { ...options, maxAgeSeconds: 0, expires: new Date(0) });
}
