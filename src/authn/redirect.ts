import { parseHost } from '../routing/host-table.ts';
import type { GatewayState } from '../state.ts';

/**
 * `rd` is accepted only when it points to a host this gateway serves (an app host or the
 * portal), over http(s), without credentials; anything else falls back to the portal root.
 * Relative paths are taken on the current origin; `//host` and `/\host` are refused. The host
 * must be a plain host name (letters, digits, `-`, `_`, dots) or an IP literal, as in a Host
 * header: a wildcard app would otherwise accept `x;y.wild.example`, and rd's origin goes into
 * the pages' CSP (form-action) and the hand-off form.
 */
export function safeRedirect(rd: unknown, state: GatewayState, currentOrigin: string): string | null {
  if (typeof rd !== 'string' || rd.length === 0 || rd.length > 4096) return null;
  if (/[\u0000-\u001f\u007f\\]/.test(rd)) return null;
  let url: URL;
  try {
    if (rd.startsWith('/')) {
      if (rd.startsWith('//')) return null;
      url = new URL(rd, currentOrigin);
    } else {
      url = new URL(rd);
    }
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username !== '' || url.password !== '') return null;
  const host = parseHost(url.host)?.hostname;
  if (host === undefined) return null;
  if (host !== state.portalHost && state.hosts.lookupHostname(host) === undefined) return null;
  // `host.` and `host` are one host: the name is written as Host headers name it
  if (url.hostname !== host) url.hostname = host;
  return url.href;
}

/**
 * The fallback destination: the portal's root when an app is served there, else the account
 * page (the portal's own `/` would be a 404).
 */
export function defaultRedirect(state: GatewayState): string {
  return state.hosts.lookupHostname(state.portalHost) === undefined
    ? `${state.publicUrl.origin}/.portcullis/`
    : `${state.publicUrl.origin}/`;
}
