/**
 * Removes, before proxying, every request header a client could use to impersonate the gateway's identity
 * assertion, and the gateway's own cookies.
 *
 * Header names are compared case-insensitively after mapping '_' and '.' to '-', because upstream stacks
 * (CGI, PHP, nginx with underscores_in_headers, some Java containers) fold them together: `REMOTE_USER`,
 * `remote.user` and `Remote-User` are one header to them. Anything starting with `remote-` or
 * `x-portcullis-` goes as well. Cookie names, on the other hand, are case-sensitive and matched exactly.
 */

export type HeaderBag = Record<string, string | string[] | undefined>;

const STRIPPED_PREFIXES = ['remote-', 'x-portcullis-'];

function canonicalName(name: string): string {
  return name.toLowerCase().replace(/[_.]/g, '-');
}

export function makeHeaderStripper(identityHeaderNames: readonly string[]): (headers: HeaderBag) => void {
  const names = new Set(identityHeaderNames.map(canonicalName));
  // first letters (lower-case) a stripped name can start with: most headers are skipped on that alone
  const firsts = new Set([...names, ...STRIPPED_PREFIXES].map((n) => n.charCodeAt(0)));
  return (headers) => {
    for (const key of Object.keys(headers)) {
      if (!firsts.has(key.charCodeAt(0) | 0x20)) continue;
      const name = canonicalName(key);
      if (names.has(name) || STRIPPED_PREFIXES.some((prefix) => name.startsWith(prefix))) delete headers[key];
    }
  };
}

const OWS = /^[ \t]+|[ \t]+$/g;

/**
 * Removes the cookies named in `names` (exact match; every occurrence) from a Cookie header. The remaining
 * text is kept byte-for-byte, except for whitespace at the very start; undefined when nothing is left.
 */
export function stripCookies(cookieHeader: string | undefined, names: ReadonlySet<string>): string | undefined {
  if (cookieHeader === undefined) return undefined;
  const pieces = cookieHeader.split(';');
  const kept = pieces.filter((piece) => {
    const eq = piece.indexOf('=');
    return !names.has((eq === -1 ? piece : piece.slice(0, eq)).replace(OWS, ''));
  });
  const result = kept.length === pieces.length ? cookieHeader : kept.join(';').replace(/^[ \t]+/, '');
  return /[^ \t;]/.test(result) ? result : undefined;
}
