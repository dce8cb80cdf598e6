import { randomBytes } from 'node:crypto';

/** Randomness, injected so tests can make it predictable. */
export interface Random {
  bytes(n: number): Buffer;
}

export const systemRandom: Random = { bytes: (n) => randomBytes(n) };

/** A URL-safe random token with `bytes` bytes of entropy. */
export function token(random: Random, bytes = 32): string {
  return random.bytes(bytes).toString('base64url');
}
