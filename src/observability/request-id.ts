import type { Random } from '../random.ts';

/** Letters and digits that cannot be mistaken for one another when read out or typed (no 0/o, 1/l). */
const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

/** Characters of a request id: 10 of 32 symbols, 50 random bits. */
export const REQUEST_ID_LENGTH = 10;

/** Random bytes are drawn this many at a time: one call per ~400 requests instead of one each. */
const POOL_BYTES = 4096;

/**
 * Request ids: short and random, so that a person can read one out from a refusal page
 * ("Reference: k7qm2xdh4a") and an operator find that one request in the log lines and the audit
 * trail, across instances and restarts. Never taken from the client (Fastify's requestIdHeader
 * is off). The randomness comes in pools (the hot path pays for a slice, not a system call).
 */
export function requestIds(random: Random): () => string {
  let pool: Uint8Array = new Uint8Array(0);
  let at = 0;
  return () => {
    if (at + REQUEST_ID_LENGTH > pool.length) {
      pool = random.bytes(POOL_BYTES);
      at = 0;
    }
    let id = '';
    for (let i = 0; i < REQUEST_ID_LENGTH; i++) id += ALPHABET[(pool[at + i] as number) & 31];
    at += REQUEST_ID_LENGTH;
    return id;
  };
}
