import { timingSafeEqual } from 'node:crypto';

/**
 * Whether two secrets (hashes, codes, state values) are equal, in time that does not depend on
 * where they differ; texts of different lengths are unequal at once (a length is no secret here).
 */
export function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
