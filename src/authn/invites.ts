import { createHash } from 'node:crypto';
import type { Clock } from '../clock.ts';
import { type Random, token } from '../random.ts';
import type { DurableStore, InviteRecord } from '../stores/durable.ts';

/**
 * One-time invitation links (`portcullis user invite`): the person opens
 * `<public_url>/.portcullis/invite#<token>`, sets a password and enrols a second factor. The
 * token travels in the URL fragment, which browsers never send to a server or put in a log; the
 * durable store keeps only its SHA-256 (the command-line tool and the gateway are different
 * processes, and the gateway's ephemeral store may be its own memory). One live invite per user:
 * a new one replaces it. Single use, expires.
 */
export const INVITE_PATH = '/.portcullis/invite';
export const DEFAULT_INVITE_TTL_MS = 7 * 86_400_000;
export const MAX_INVITE_TTL_MS = 30 * 86_400_000;

/** 256 random bits, base64url: 43 characters. Anything else is not looked up. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export const inviteTokenHash = (t: string): string => createHash('sha256').update(t).digest('base64url');

/** The link to print: the token in the fragment. */
export function inviteLink(publicUrl: string, t: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${INVITE_PATH}#${t}`;
}

/** Issues a new invite for `user`, replacing any earlier one; the token is returned once. */
export async function issueInvite(
  durable: DurableStore,
  clock: Clock,
  random: Random,
  user: string,
  ttlMs: number,
  by: string,
): Promise<{ token: string; expiresAt: number; replaced: boolean }> {
  const t = token(random, 32);
  const now = clock.now();
  const expiresAt = now + ttlMs;
  const replaced = await durable.putInvite({
    user,
    tokenHash: inviteTokenHash(t),
    createdAt: now,
    expiresAt,
    createdBy: by,
  });
  return { token: t, expiresAt, replaced };
}

export type InviteLookup =
  | { readonly status: 'valid'; readonly invite: InviteRecord }
  | { readonly status: 'expired'; readonly invite: InviteRecord }
  /** never issued, already used, replaced by a newer one, or not a token at all */
  | { readonly status: 'unknown' };

/** What a presented token is, without using it. */
export async function lookUpInvite(durable: DurableStore, clock: Clock, candidate: unknown): Promise<InviteLookup> {
  if (typeof candidate !== 'string' || !TOKEN_PATTERN.test(candidate)) return { status: 'unknown' };
  const invite = await durable.findInvite(inviteTokenHash(candidate));
  if (invite === null) return { status: 'unknown' };
  return clock.now() < invite.expiresAt ? { status: 'valid', invite } : { status: 'expired', invite };
}
