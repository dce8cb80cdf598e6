import { sign } from 'node:crypto';
import type { SigningKey } from './signing-keys.ts';

/** The claims of X-Portcullis-Assertion (times in seconds, as JWT wants). */
export interface AssertionClaims {
  sub: string;
  email: string | null;
  name: string | null;
  groups: readonly string[];
  tenant: string | null;
  amr: readonly string[];
  auth_time: number;
}

const LIFETIME_S = 120;
/** An assertion is reused while it has at least this long left. */
const REUSE_MARGIN_S = 60;
const CACHE_LIMIT = 10_000;

/**
 * Signs the short-lived ES256 JWT an upstream can verify against /.portcullis/jwks.json
 * (iss = public_url, aud = app name). Signing costs far more than the rest of a proxied
 * request, so a signed assertion is reused for the same session and app while it has more
 * than a minute to live; the cache key includes the session id, which changes at every level
 * rise, so a new proof always yields a new assertion.
 */
export class AssertionSigner {
  private readonly header: string;
  private readonly cache = new Map<string, { jwt: string; exp: number }>();

  constructor(
    private readonly key: SigningKey,
    private readonly issuer: string,
  ) {
    this.header = Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'JWT', kid: key.kid })).toString('base64url');
  }

  assertion(cacheKey: string, audience: string, claims: AssertionClaims, nowMs: number): string {
    const now = Math.floor(nowMs / 1000);
    const hit = this.cache.get(cacheKey);
    if (hit !== undefined && hit.exp - now > REUSE_MARGIN_S) return hit.jwt;
    const exp = now + LIFETIME_S;
    const payload = { iss: this.issuer, aud: audience, iat: now, nbf: now - 5, exp, ...claims };
    const body = `${this.header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    const signature = sign('sha256', Buffer.from(body), { key: this.key.privateKey, dsaEncoding: 'ieee-p1363' });
    const jwt = `${body}.${signature.toString('base64url')}`;
    if (this.cache.size >= CACHE_LIMIT) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(cacheKey, { jwt, exp });
    return jwt;
  }
}
