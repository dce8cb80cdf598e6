/**
 * How a target's benchmarked request is authenticated, which decides its sign-in and its checks:
 * - none: a proxy without authentication (bare http-proxy, the node:http + undici reference);
 * - inline: Portcullis proxies, the session at `level` (mfa: an authenticator app enrolled at
 *   sign-in); the upstream must see the identity and never the session cookie;
 * - forward-auth: nginx asks an auth service (`portcullis`: Portcullis's /.portcullis/authz, else
 *   the trivial one); the upstream must see the identity, and sees the cookie (nginx passes it on).
 */
export type TargetAuth =
  | { readonly kind: 'none' }
  | { readonly kind: 'inline'; readonly level: 'password' | 'mfa' }
  | { readonly kind: 'forward-auth'; readonly portcullis: boolean };

/** A proxy under test, however it was started: where it listens, how to sign in, what CPU it has used. */
export interface ServedTarget {
  readonly port: number;
  /** the session cookie's name; null without authentication */
  readonly cookieName: string | null;
  readonly auth: TargetAuth;
  /** how many times the pre-flight check sends the benchmarked request (more than one per worker) */
  readonly verifyRepeat: number;
  /**
   * CPU time (user + system, µs) used so far by each process that serves the target, by name
   * ('proxy'; or 'primary', 'worker 1', ...; or 'nginx', 'auth'); null where it cannot be measured.
   */
  cpu(): Promise<Record<string, number> | null>;
  /** Throws when the target is no longer the one that was measured (a worker died and was replaced). */
  check(): void;
  close(): Promise<void>;
}
