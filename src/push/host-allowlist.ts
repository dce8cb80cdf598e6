/**
 * Where the gateway may post on a user's behalf. A Web Push subscription's endpoint comes from
 * the browser and a link channel's URL from the user: either could name an internal service or
 * a cloud metadata address (SSRF). So the gateway posts only to hosts the operator allows:
 *
 * - `host.example` allows https://host.example/... (port 443 only);
 * - `*.example.net` allows https to any subdomain of example.net (not example.net itself);
 * - an origin `http://127.0.0.1:8095` or `https://push.internal:8443` allows exactly that
 *   scheme, host and port (a self-hosted push service, a test's own on loopback).
 *
 * A URL with credentials (`https://user:pw@host/`) is never allowed. Redirects are not followed
 * by the senders, so an allowed host cannot bounce a request elsewhere.
 */

type Entry =
  | { readonly kind: 'host'; readonly host: string }
  | { readonly kind: 'suffix'; readonly suffix: string }
  | { readonly kind: 'origin'; readonly origin: string };

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;

/** The push services of the browsers: Chrome and Android (FCM), Firefox, Safari, Edge. */
export const BROWSER_PUSH_SERVICES: readonly string[] = [
  'fcm.googleapis.com',
  'android.googleapis.com',
  'updates.push.services.mozilla.com',
  '*.push.services.mozilla.com',
  'web.push.apple.com',
  '*.push.apple.com',
  '*.notify.windows.com',
];

/** One entry, or the reason it is not one. */
function parseEntry(text: string): Entry | { readonly problem: string } {
  const value = text.trim().toLowerCase();
  if (value.includes('://')) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return { problem: `'${text}' is not an origin such as https://push.example:8443` };
    }
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password)
      return { problem: `'${text}': an origin is http:// or https://, a host and a port, nothing else` };
    if (url.origin !== value.replace(/\/$/, '') || (url.pathname !== '/' && url.pathname !== ''))
      return { problem: `'${text}': give only the origin (scheme, host, port), no path` };
    return { kind: 'origin', origin: url.origin };
  }
  if (value.startsWith('*.')) {
    const suffix = value.slice(2);
    if (!HOST_NAME.test(suffix) || !suffix.includes('.'))
      return { problem: `'${text}': a wildcard names subdomains of a domain, such as *.push.example` };
    return { kind: 'suffix', suffix };
  }
  if (!HOST_NAME.test(value)) return { problem: `'${text}' is not a host name (or an origin with its scheme)` };
  return { kind: 'host', host: value };
}

export class HostAllowlist {
  private constructor(private readonly entries: readonly Entry[]) {}

  /** The allowlist of `items`, and a problem for each item that is not an entry. */
  static parse(items: readonly string[]): { list: HostAllowlist; problems: { index: number; message: string }[] } {
    const entries: Entry[] = [];
    const problems: { index: number; message: string }[] = [];
    items.forEach((item, index) => {
      const entry = parseEntry(item);
      if ('problem' in entry) problems.push({ index, message: entry.problem });
      else entries.push(entry);
    });
    return { list: new HostAllowlist(entries), problems };
  }

  /** Whether the gateway may post to `target` (a URL string from the network: anything). */
  allows(target: string): boolean {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      return false;
    }
    if (url.username !== '' || url.password !== '') return false;
    const host = url.hostname.toLowerCase();
    for (const entry of this.entries) {
      if (entry.kind === 'origin') {
        if (url.origin === entry.origin) return true;
        continue;
      }
      // host and wildcard entries: https on the default port only
      if (url.protocol !== 'https:' || url.port !== '') continue;
      if (entry.kind === 'host' && host === entry.host) return true;
      if (entry.kind === 'suffix' && host.endsWith(`.${entry.suffix}`)) return true;
    }
    return false;
  }
}
