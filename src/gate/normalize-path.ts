/**
 * Canonicalises the raw request-target (origin-form) of an HTTP request into the path the policy judges and
 * the path that is forwarded upstream. There is exactly one spelling for every accepted path, and anything
 * whose meaning could differ between us and an upstream server is refused rather than guessed.
 *
 * Path parameters: Tomcat, Jetty, Spring, Undertow (and IIS for `file.asp;.jpg`) read everything from the
 * first ';' of a segment to the end of that segment as a parameter, not as part of the name: `/admin;x=1` is
 * `/admin` to them. So the judged `path` is made of the segment names alone, and parameters are removed
 * before dot-segments are resolved (`..;x` and `.;x` are dot-segments). The `forward` path is the same
 * normalised path with the parameters of its (non-dot, non-empty) segments kept, so `;jsessionid=` URL
 * rewriting keeps working: an upstream that reads parameters reads exactly the judged path, and one that
 * does not sees a segment `admin;x`, which it cannot take for `/admin`.
 *
 * Path rules:
 *  - percent-escapes of unreserved characters (ALPHA DIGIT - . _ ~) are decoded; all other escapes are kept
 *    with upper-case hex;
 *  - refused: encoded '/', '\', '?', '#' or ';' (a proxy or container that decodes before it splits the
 *    path would read a different path, query, fragment or parameter than we judged), a literal '\' or '#',
 *    control characters (literal or encoded), malformed escapes, double encoding ('%25' followed by two hex
 *    digits), bytes that are not valid UTF-8 once decoded, and dot-segments climbing above the root;
 *  - duplicate slashes (and segments that are empty once their parameters are removed) are collapsed before
 *    dot-segments are removed (RFC 3986 5.2.4); a trailing slash stays;
 *  - the output is pure ASCII: literal bytes 0x80-0xFF (Node's lenient parser hands them over as latin1
 *    characters; the default strict parser rejects them with a 400) and printable ASCII characters that are
 *    not allowed in a path (space " < > [ ] ^ ` { | }) are percent-encoded; characters above 0xFF are refused.
 *
 * The query (from the first '?') is passed through byte-for-byte, but a literal control character, a
 * character above 0xFF, or '%00' in it is refused.
 */

export const MAX_PATH_LENGTH = 8192;

export type NormalizedTarget =
  | {
      ok: true;
      /** what the policy judges: the segment names, parameters removed */
      path: string;
      /** what is forwarded upstream: `path` with the parameters of its segments kept */
      forward: string;
      query: string;
    }
  | { ok: false; reason: string };

const HEX = '0123456789ABCDEF';
/**
 * Characters that stand for themselves in a canonical path without parameters (no '%': escapes take the
 * slow path; no ';': parameters do).
 */
const CANONICAL = /^[A-Za-z0-9\-._~!$&'()*+,=:@/]*$/;
/** `/.` or `/..` as a whole segment. */
const DOT_SEGMENT = /\/\.\.?(?:\/|$)/;
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
  // Fast path: a path of plain characters, without escapes, parameters, empty or dot segments, is already canonical.
  if (CANONICAL.test(rawPath) && !rawPath.includes('//') && !DOT_SEGMENT.test(rawPath))
    return { ok: true, path: rawPath, forward: rawPath, query };

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
      if (byte === 0x23) return fail('encoded "#"');
      if (byte === 0x3f) return fail('encoded "?"');
      if (byte === 0x3b) return fail('encoded ";"');
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

  // Pass 2: remove the parameters of each segment (the text from its first ';': a literal one, as escapes of
  // ';' were refused), collapse empty segments, then remove dot-segments; `names` is judged, `kept` forwarded.
  const segments = out.split('/');
  const names: string[] = [];
  const kept: string[] = [];
  let trailingSlash = false;
  for (const segment of segments) {
    const semicolon = segment.indexOf(';');
    const name = semicolon === -1 ? segment : segment.slice(0, semicolon);
    trailingSlash = name === '' || name === '.' || name === '..';
    if (name === '' || name === '.') continue;
    if (name === '..') {
      if (names.length === 0) return fail('dot-segment above the root');
      names.pop();
      kept.pop();
      continue;
    }
    names.push(name);
    kept.push(segment);
  }
  const tail = trailingSlash && names.length > 0 ? '/' : '';
  const path = `/${names.join('/')}${tail}`;
  const forward = `/${kept.join('/')}${tail}`;
  if (forward.length > MAX_PATH_LENGTH) return fail('path too long');
  return { ok: true, path, forward, query };
}
