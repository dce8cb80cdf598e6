/**
 * A user agent for the test OpenID Provider's pages (oidc-provider.ts) made of fetch: it follows
 * redirects by hand (redirect 'manual'), carries cookies in a small jar and submits the pages
 * that submit themselves (the OP's form_post pages: sign-out, and the sign-out of the previous
 * account when another one signs in), until it is sent somewhere the test names, typically the
 * relying party's redirect_uri, which is returned without being requested.
 */

/** Cookies per origin (scheme, host and port), the way the tests' fetch calls carry them. */
export class CookieJar {
  readonly #cookies = new Map<string, Map<string, string>>();

  /** The Cookie header for a request to url, if any cookie is held for its origin. */
  header(url: URL): string | undefined {
    const held = this.#cookies.get(url.origin);
    if (!held?.size) return undefined;
    return [...held].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /** Keeps the Set-Cookie of a response to url (an expired or emptied cookie is dropped). */
  store(url: URL, response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq < 1) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const attribute = (key: string) =>
        attributes.find((a) => a.trim().toLowerCase().startsWith(`${key}=`))?.split('=')[1] ?? '';
      const expires = attribute('expires');
      const maxAge = attribute('max-age');
      const gone =
        value === '' || (expires !== '' && Date.parse(expires) <= Date.now()) || (maxAge !== '' && Number(maxAge) <= 0);
      const held = this.#cookies.get(url.origin) ?? new Map<string, string>();
      if (gone) held.delete(name);
      else held.set(name, value);
      this.#cookies.set(url.origin, held);
    }
  }
}

function htmlDecode(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The POST form of a page that submits itself (the OP's form_post and sign-out pages). */
function selfSubmittingForm(html: string, base: URL): { action: URL; fields: URLSearchParams } | undefined {
  if (!html.includes('.submit()')) return undefined;
  const form = /<form\b[^>]*\bmethod="post"[^>]*>/i.exec(html)?.[0];
  const action = form && /\baction="([^"]*)"/i.exec(form)?.[1];
  if (action === undefined) return undefined;
  const fields = new URLSearchParams();
  for (const [input] of html.matchAll(/<input\b[^>]*>/gi)) {
    const name = /\bname="([^"]*)"/i.exec(input)?.[1];
    if (name !== undefined) fields.append(htmlDecode(name), htmlDecode(/\bvalue="([^"]*)"/i.exec(input)?.[1] ?? ''));
  }
  return { action: new URL(htmlDecode(action), base), fields };
}

/**
 * Follows a browser's way from start: redirects (fetch with redirect 'manual', cookies from and
 * into jar) and self-submitting forms, until a redirect leads to a URL `until` accepts, which is
 * returned without being requested (e.g. the client's redirect_uri with code or error).
 * Anything else (a page to read, an error) throws with its status and body.
 */
export async function browse(start: URL, jar: CookieJar, until: (url: URL) => boolean): Promise<URL> {
  let url = start;
  let init: RequestInit = { method: 'GET' };
  for (let hop = 0; hop < 20; hop++) {
    const headers = new Headers(init.headers);
    const cookie = jar.header(url);
    if (cookie) headers.set('cookie', cookie);
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    jar.store(url, response);
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      url = new URL(location, url);
      init = { method: 'GET' };
      if (until(url)) return url;
      continue;
    }
    const body = await response.text();
    const form = response.status === 200 ? selfSubmittingForm(body, url) : undefined;
    if (!form) throw new Error(`browse stopped at ${url.href}: ${response.status} ${body.slice(0, 500)}`);
    url = form.action;
    init = { method: 'POST', body: form.fields };
  }
  throw new Error(`browse: more than 20 hops from ${start.href}`);
}
