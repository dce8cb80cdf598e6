/**
 * Canonicalises the raw request-target (origin-form) of an HTTP request. The resulting path is both what the
 * policy judges and what is forwarded upstream, so there is exactly one spelling for every accepted path and
 * anything whose meaning could differ between us and an upstream server is refused rather than guessed.
 *
 * Path rules:
 *  - percent-escapes of unreserved characters (ALPHA DIGIT - . _ ~) are decoded; all other escapes are kept
 *    with upper-case hex;
 *  - refused: encoded '/' or '\', a literal '\' or '#', control characters (literal or encoded), malformed
 *    escapes, double encoding ('%25' followed by two hex digits), bytes that are not valid UTF-8 once decoded,
 *    dot-segments carrying parameters ('..;x', '.;x' — Tomcat treats them as dot-segments), and dot-segments
 *    climbing above the root;
 *  - duplicate slashes are collapsed before dot-segments are removed (RFC 3986 5.2.4); a trailing slash stays;
 *  - the output is pure ASCII: literal bytes 0x80-0xFF (Node's lenient parser hands them over as latin1
 *    characters; the default strict parser rejects them with a 400) and printable ASCII characters that are
 *    not allowed in a path (space " < > [ ] ^ ` { | }) are percent-encoded; characters above 0xFF are refused.
 *
 * The query (from the first '?') is passed through byte-for-byte, but a literal control character, a
 * character above 0xFF, or '%00' in it is refused.
 */

export const MAX_PATH_LENGTH = 8192;

export type NormalizedTarget = { ok: true; path: string; query: string } | { ok: false; reason: string };

const HEX = '0123456789ABCDEF';
/** Characters that stand for themselves in a canonical path (no '%': escapes take the slow path). */
const CANONICAL = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/;
/** `/.` or `/..` as a whole segment, or followed by `;` (Tomcat's dot-segments with parameters). */
const DOT_SEGMENT = /\/\.\.?(?:[/;]|$)/;
const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

/** 0: keep literal, 1: percent-encode, 2: refuse. Indexed by char code 0x00-0x7F. */
const ASCII_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (c < 0x20 || c === 0x7f || ch === '\\' || ch === '#') ASCII_CLASS[c] = 2;
  else if (/[A-Za-z0-9\-._~!$&'()*+,;=:@/%]/.test(ch)) ASCII_CLASS[c] = 0;
  else ASCII_CLASS[c] = 1;
}

function isUnreserved(byte: number): boolean {
  return (
    (byte >= 0x41 && byte <= 0x5a) ||
    (byte >= 0x61 && byte <= 0x7a) ||
    (byte >= 0x30 && byte <= 0x39) ||
    byte === 0x2d ||
    byte === 0x2e ||
    byte === 0x5f ||
    byte === 0x7e
  );
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

function pct(byte: number): string {
  return '%' + HEX[byte >> 4] + HEX[byte & 15];
}

function fail(reason: string): NormalizedTarget {
  return { ok: false, reason };
}

export function normalizePath(rawTarget: string): NormalizedTarget {
  if (!rawTarget.startsWith('/')) return fail('request-target must start with "/"');
  const q = rawTarget.indexOf('?');
  const rawPath = q === -1 ? rawTarget : rawTarget.slice(0, q);
  const query = q === -1 ? '' : rawTarget.slice(q);
  if (rawPath.length > MAX_PATH_LENGTH) return fail('path too long');

  for (let i = 0; i < query.length; i++) {
    const c = query.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return fail('control character in query');
    if (c > 0xff) return fail('character outside 0x00-0xFF in query');
  }
  if (query.includes('%00')) return fail('encoded NUL in query');
  // Fast path: a path of plain characters, without escapes, empty or dot segments, is already canonical.
  if (CANONICAL.test(rawPath) && !rawPath.includes('//') && !DOT_SEGMENT.test(rawPath))
    return { ok: true, path: rawPath, query };

  // Pass 1: decode/encode every character into canonical text, collecting decoded bytes for the UTF-8 check.
  let out = '';
  const bytes = new Uint8Array(rawPath.length);
  let byteCount = 0;
  let sawHighByte = false;
  for (let i = 0; i < rawPath.length; i++) {
    const c = rawPath.charCodeAt(i);
    if (c === 0x25) {
      const hi = i + 2 < rawPath.length ? hexValue(rawPath.charCodeAt(i + 1)) : -1;
      const lo = hi === -1 ? -1 : hexValue(rawPath.charCodeAt(i + 2));
      if (lo === -1) return fail('malformed percent-escape');
      const byte = hi * 16 + lo;
      i += 2;
      if (byte < 0x20 || byte === 0x7f) return fail('encoded control character');
      if (byte === 0x2f) return fail('encoded "/"');
      if (byte === 0x5c) return fail('encoded "\\"');
      if (byte >= 0x80) sawHighByte = true;
      bytes[byteCount++] = byte;
      out += isUnreserved(byte) ? String.fromCharCode(byte) : pct(byte);
    } else if (c < 0x80) {
      const cls = ASCII_CLASS[c];
      if (cls === 2) return fail(c === 0x5c ? 'literal "\\"' : c === 0x23 ? 'literal "#"' : 'control character');
      bytes[byteCount++] = c;
      out += cls === 0 ? rawPath[i] : pct(c);
    } else if (c <= 0xff) {
      sawHighByte = true;
      bytes[byteCount++] = c;
      out += pct(c);
    } else {
      return fail('character outside 0x00-0xFF in path');
    }
  }
  // Checked on the canonical text so '%25%34%31' (which becomes '%2541') is caught as well as '%2541'.
  if (/%25[0-9A-Fa-f]{2}/.test(out)) return fail('double percent-encoding');
  if (sawHighByte) {
    try {
      fatalUtf8.decode(bytes.subarray(0, byteCount));
    } catch {
      return fail('path is not valid UTF-8');
    }
  }

  // Pass 2: collapse empty segments, then remove dot-segments.
  const segments = out.split('/');
  const last = segments[segments.length - 1];
  const trailingSlash = last === '' || last === '.' || last === '..';
  const stack: string[] = [];
  for (const segment of segments) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (stack.length === 0) return fail('dot-segment above the root');
      stack.pop();
      continue;
    }
    if (/^\.\.?(;|%3B)/.test(segment)) return fail('dot-segment with parameters');
    stack.push(segment);
  }
  let path = '/' + stack.join('/');
  if (trailingSlash && stack.length > 0) path += '/';
  if (path.length > MAX_PATH_LENGTH) return fail('path too long');
  return { ok: true, path, query };
}
