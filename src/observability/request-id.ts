import type { Random } from '../random.ts';

/** Letters and digits that cannot be mistaken for one another when read out or typed (no 0/o, 1/l). */
const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

/** Characters of a request id: 10 of 32 symbols, 50 random bits. */
export const REQUEST_ID_LENGTH = 10;

/**
 * A request id: short and random, so that a person can read it out from a refusal page ("Reference:
 * k7qm2xdh4a") and an operator find that one request in the log lines and the audit trail, across
 * instances and restarts. Never taken from the client (Fastify's requestIdHeader is off).
 */
export function requestId(random: Random): string {
  const bytes = random.bytes(REQUEST_ID_LENGTH);
  let id = '';
  for (const b of bytes) id += ALPHABET[b & 31];
  return id;
}
