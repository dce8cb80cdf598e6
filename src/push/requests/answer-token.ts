/**
 * A device's answer to a push request (contract section 8): a compact JWS, ES256, signed with
 * the non-extractable P-256 key the device made when it was enrolled, header `kid` = the
 * device's id, over `{"rid", "action": "view"|"approve"|"deny"|"report", "choice"?, "iat"}`.
 *
 * Verified here, before anything changes: the header names ES256 and this device; the signature
 * is the device's; the payload is for this request (`rid` of the URL); `iat` is within the last
 * 60 s (and not ahead of the clock by more than a little skew); `action` is one of the four; an
 * `approve` carries a two-digit `choice`. Replay (the same JWS twice) is stopped by the caller,
 * which remembers each accepted token for the 60 s it could be valid (answer-replay in
 * push-requests.ts). Every refusal is one reason word, never the token. `jose` is loaded by the
 * first token verified: a gateway without push devices never loads it.
 */
import { createHash } from 'node:crypto';
import type { JWK } from 'jose';

export type AnswerAction = 'view' | 'approve' | 'deny' | 'report';

export interface DeviceAnswer {
  readonly rid: string;
  readonly action: AnswerAction;
  /** the number the user picked (approve only) */
  readonly choice?: number;
  /** seconds since the epoch */
  readonly iat: number;
  /** SHA-256 of the token, base64url: the replay key */
  readonly digest: string;
}

export type AnswerRefusal =
  | 'malformed'
  | 'wrong_device'
  | 'bad_signature'
  | 'wrong_request'
  | 'stale'
  | 'bad_action'
  | 'bad_choice';

/** How long an answer token is valid after its `iat`. */
export const ANSWER_MAX_AGE_S = 60;
/** How far ahead of the gateway's clock a device's clock may run. */
export const ANSWER_CLOCK_SKEW_S = 5;
const COMPACT_JWS = /^[A-Za-z0-9_-]{1,2048}\.[A-Za-z0-9_-]{1,2048}\.[A-Za-z0-9_-]{1,512}$/;
const ACTIONS: ReadonlySet<string> = new Set(['view', 'approve', 'deny', 'report']);

function headerOf(token: string): { alg?: unknown; kid?: unknown } | null {
  try {
    return JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString('utf8')) as {
      alg?: unknown;
      kid?: unknown;
    };
  } catch {
    return null;
  }
}

/**
 * A compact JWS from the device `device` at `nowMs`: its payload, or why it is refused (not a
 * JWS, another device's key id, a signature that is not the device's, an `iat` older than 60 s
 * or ahead of the clock). Every request a device makes is one of these.
 */
export async function verifyDeviceJws(
  token: unknown,
  device: { readonly id: string; readonly publicKey: JWK },
  nowMs: number,
): Promise<
  | { ok: true; payload: Record<string, unknown>; digest: string }
  | { ok: false; reason: 'malformed' | 'wrong_device' | 'bad_signature' | 'stale' }
> {
  if (typeof token !== 'string' || !COMPACT_JWS.test(token)) return { ok: false, reason: 'malformed' };
  const header = headerOf(token);
  if (header === null || header.alg !== 'ES256') return { ok: false, reason: 'malformed' };
  if (header.kid !== device.id) return { ok: false, reason: 'wrong_device' };
  const { compactVerify, importJWK } = await import('jose');
  let payload: Record<string, unknown>;
  try {
    const key = await importJWK({ ...device.publicKey, alg: 'ES256' }, 'ES256');
    const verified = await compactVerify(token, key, { algorithms: ['ES256'] });
    payload = JSON.parse(new TextDecoder().decode(verified.payload)) as Record<string, unknown>;
  } catch {
    return { ok: false, reason: 'bad_signature' };
  }
  if (payload === null || typeof payload !== 'object') return { ok: false, reason: 'malformed' };
  const iat = payload.iat;
  const now = Math.floor(nowMs / 1000);
  if (
    typeof iat !== 'number' ||
    !Number.isInteger(iat) ||
    iat < now - ANSWER_MAX_AGE_S ||
    iat > now + ANSWER_CLOCK_SKEW_S
  )
    return { ok: false, reason: 'stale' };
  return { ok: true, payload, digest: createHash('sha256').update(token).digest('base64url') };
}

/**
 * The answer in `token` from the device `device` (its id and public JWK) for request `rid`, at
 * `nowMs`; or the reason it is refused.
 */
export async function verifyAnswer(
  token: unknown,
  device: { readonly id: string; readonly publicKey: JWK },
  rid: string,
  nowMs: number,
): Promise<{ ok: true; answer: DeviceAnswer } | { ok: false; reason: AnswerRefusal }> {
  const signed = await verifyDeviceJws(token, device, nowMs);
  if (!signed.ok) return signed;
  const { payload, digest } = signed;
  if (payload.rid !== rid) return { ok: false, reason: 'wrong_request' };
  if (typeof payload.action !== 'string' || !ACTIONS.has(payload.action)) return { ok: false, reason: 'bad_action' };
  const action = payload.action as AnswerAction;
  const choice = payload.choice;
  if (action === 'approve' && (typeof choice !== 'number' || !Number.isInteger(choice) || choice < 10 || choice > 99))
    return { ok: false, reason: 'bad_choice' };
  return {
    ok: true,
    answer: {
      rid,
      action,
      iat: payload.iat as number,
      digest,
      ...(action === 'approve' ? { choice: choice as number } : {}),
    },
  };
}
