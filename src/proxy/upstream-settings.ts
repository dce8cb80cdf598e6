/** How the gateway talks to one app's upstream (apps[].upstream_options, resolved at config load). */
export interface UpstreamSettings {
  /** most connections open to the upstream at once; requests beyond wait for one */
  readonly connections: number;
  /** how long an idle connection is kept for reuse (the upstream's own Keep-Alive hint may shorten it) */
  readonly keepAliveMs: number;
  /** opening a connection (TLS handshake included) past this: 504 */
  readonly connectTimeoutMs: number;
  /** the response's status and headers not all there this long after the request was sent: 504 */
  readonly headersTimeoutMs: number;
  /** no byte of the response body for this long: the response is cut (its status is already sent) */
  readonly bodyTimeoutMs: number;
  /** TLS towards an https upstream */
  readonly tls: UpstreamTls;
}

export interface UpstreamTls {
  /** PEM certificates trusted for this upstream instead of the system's (a private CA, or the upstream's own) */
  readonly ca: string | null;
  /** SHA-256 fingerprints (upper-case hex with colons, as Node prints them) one of which the upstream's certificate must have */
  readonly pins: readonly string[];
  /** the name the certificate must carry, when the upstream is addressed by IP or another name */
  readonly serverName: string | null;
}

export const DEFAULT_UPSTREAM: UpstreamSettings = Object.freeze({
  connections: 128,
  keepAliveMs: 60_000,
  connectTimeoutMs: 10_000,
  headersTimeoutMs: 60_000,
  bodyTimeoutMs: 300_000,
  tls: Object.freeze({ ca: null, pins: [], serverName: null }),
});

/** A fingerprint as Node prints it (`fingerprint256`): upper-case hex pairs joined by colons. */
export function canonicalFingerprint(pin: string): string {
  const hex = pin.replace(/:/g, '').toUpperCase();
  return hex.match(/../g)?.join(':') ?? hex;
}
