/**
 * Removes, before proxying, every request header a client could use to impersonate the gateway's identity
 * assertion or to make the upstream read another method than the one that was judged, and the gateway's own
 * cookies.
 *
 * Header names are compared case-insensitively after mapping '_' and '.' to '-', because upstream stacks
 * (CGI, PHP, nginx with underscores_in_headers, some Java containers) fold them together: `REMOTE_USER`,
 * `remote.user` and `Remote-User` are one header to them, as `X_HTTP_METHOD_OVERRIDE` and
 * `X-HTTP-Method-Override` are one to PHP (both are `HTTP_X_HTTP_METHOD_OVERRIDE`). Anything starting with
 * `remote-` or `x-portcullis-` goes as well. Cookie names, on the other hand, are case-sensitive and matched
 * exactly.
 */

export type HeaderBag = Record<string, string | string[] | undefined>;

const STRIPPED_PREFIXES = ['remote-', 'x-portcullis-'];

/**
 * Method-override headers, canonical spelling: Symfony and Laravel (`X-HTTP-Method-Override`), Express's
 * method-override, ASP.NET Core, Rack and others read them as the request's method, so a POST that says
 * DELETE would be a DELETE the policy never judged.
 */
export const METHOD_OVERRIDE_HEADERS: readonly string[] = [
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
];

function canonicalName(name: string): string {
  return name.toLowerCase().replace(/[_.]/g, '-');
}

/**
 * The first three characters of a header name as canonicalName would spell them, as one number (0 past the
 * end): a name or prefix of the stripped set, and every header it catches, share it. Computed without
 * allocating, so the many headers that share only a first letter with the set (`x-forwarded-for`,
 * `x-requested-with`, `referer`) are let through before any string is built.
 */
function head(name: string): number {
  let code = 0;
  for (let i = 0; i < 3; i++) {
    let c = i < name.length ? name.charCodeAt(i) : 0;
    if (c === 0x5f || c === 0x2e) c = 0x2d;
    else if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    code = code * 0x10000 + c;
  }
  return code;
}

/**
 * The stripper of one app, built at config load: its identity header names, the fixed prefixes and the
 * method-override headers, in every spelling.
 */
export function makeHeaderStripper(identityHeaderNames: readonly string[]): (headers: HeaderBag) => void {
  const names = new Set([...identityHeaderNames.map(canonicalName), ...METHOD_OVERRIDE_HEADERS]);
  // what a stripped name can start with: most headers are let through on that alone
  const heads = new Set([...names, ...STRIPPED_PREFIXES].map(head));
  return (headers) => {
    for (const key of Object.keys(headers)) {
      if (!heads.has(head(key))) continue;
      const name = canonicalName(key);
      if (names.has(name) || STRIPPED_PREFIXES.some((prefix) => name.startsWith(prefix))) delete headers[key];
    }
  };
}

/**
 * For forward-auth, where the proxy in front passes the client's headers to the upstream and the gateway
 * cannot remove them: the values of the method-override headers, in every spelling (empty: none).
 */
export function methodOverrides(headers: HeaderBag): string[] {
  const values: string[] = [];
  for (const key of Object.keys(headers)) {
    const value = headers[key];
    if (value === undefined || !METHOD_OVERRIDE_HEADERS.includes(canonicalName(key))) continue;
    if (Array.isArray(value)) values.push(...value);
    else values.push(value);
  }
  return values;
}

const OWS = /^[ \t]+|[ \t]+$/g;
const NOT_EMPTY = /[^ \t;]/;

/**
 * Removes the cookies named in `names` (exact match; every occurrence) from a Cookie header. The remaining
 * text is kept byte-for-byte, except for whitespace at the very start; undefined when nothing is left.
 */
export function stripCookies(cookieHeader: string | undefined, names: ReadonlySet<string>): string | undefined {
  if (cookieHeader === undefined) return undefined;
  let named = false;
  for (const name of names) if (cookieHeader.includes(name)) named = true;
  if (!named) return NOT_EMPTY.test(cookieHeader) ? cookieHeader : undefined;
  const pieces = cookieHeader.split(';');
  const kept = pieces.filter((piece) => {
    const eq = piece.indexOf('=');
    return !names.has((eq === -1 ? piece : piece.slice(0, eq)).replace(OWS, ''));
  });
  const result = kept.length === pieces.length ? cookieHeader : kept.join(';').replace(/^[ \t]+/, '');
  return NOT_EMPTY.test(result) ? result : undefined;
}
