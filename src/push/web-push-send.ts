/**
 * Sending one Web Push message (RFC 8030) to a subscription, encrypted for it (RFC 8291
 * aes128gcm) and signed with the gateway's VAPID key (RFC 8292). The `web-push` package makes
 * the request (headers, JWT, encrypted body); Node's fetch sends it, because the package's own
 * sender speaks https only and has no timeout that covers a silent server.
 *
 * - Only to an endpoint the operator allows (push-settings.ts): anything else is `refused`
 *   before a byte leaves (a subscription comes from the browser, so from the network).
 * - TTL 60 s (a sign-in does not wait longer), Urgency high (delivered to a sleeping phone),
 *   Topic per user (a newer request replaces an older notification still queued).
 * - Redirects are not followed. One retry on 429 or 5xx; 404 and 410 mean the subscription is
 *   gone (the caller deletes it); no answer within the timeout is `failed`.
 * - The message is JSON without secrets (contract section 8: `{rid, app, exp}`).
 */
import { createHash } from 'node:crypto';
import webpush from 'web-push';
import type { HostAllowlist } from './host-allowlist.ts';
import type { VapidKeys } from './vapid-keys.ts';

export interface PushTarget {
  readonly endpoint: string;
  readonly keys: { readonly p256dh: string; readonly auth: string };
}

export type PushDelivery =
  /** the push service accepted it (201) */
  | { readonly outcome: 'sent' }
  /** 404 or 410: the browser dropped the subscription */
  | { readonly outcome: 'gone'; readonly status: number }
  /** the endpoint is not one the gateway may post to: nothing was sent */
  | { readonly outcome: 'refused' }
  | { readonly outcome: 'failed'; readonly reason: string };

export interface WebPushOptions {
  readonly vapid: VapidKeys;
  /** the VAPID `sub`: mailto: or https: */
  readonly subject: () => string;
  readonly endpoints: () => HostAllowlist;
  /** per attempt; default 10 s */
  readonly timeoutMs?: number;
  /** before the one retry; default 1 s */
  readonly retryDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly fetch?: typeof fetch;
}

export const PUSH_TTL_SECONDS = 60;

/** The Topic of a user's pushes: 32 characters of the URL-safe alphabet (RFC 8030 section 5.4). */
export function pushTopic(user: string): string {
  return createHash('sha256').update(`portcullis-push:${user}`).digest('base64url').slice(0, 32);
}

const RETRY = (status: number) => status === 429 || status >= 500;

export class WebPushSender {
  readonly #o: WebPushOptions;

  constructor(options: WebPushOptions) {
    this.#o = options;
  }

  async send(target: PushTarget, message: Record<string, unknown>, topic: string): Promise<PushDelivery> {
    if (!this.#o.endpoints().allows(target.endpoint)) return { outcome: 'refused' };
    let details: ReturnType<typeof webpush.generateRequestDetails>;
    try {
      details = webpush.generateRequestDetails(
        { endpoint: target.endpoint, keys: { p256dh: target.keys.p256dh, auth: target.keys.auth } },
        JSON.stringify(message),
        {
          vapidDetails: {
            subject: this.#o.subject(),
            publicKey: this.#o.vapid.publicKey,
            privateKey: this.#o.vapid.privateKey,
          },
          TTL: PUSH_TTL_SECONDS,
          urgency: 'high',
          topic,
          contentEncoding: 'aes128gcm',
        },
      );
    } catch (err) {
      // a subscription whose keys are not keys: never the keys themselves in the reason
      return { outcome: 'failed', reason: `bad subscription: ${(err as Error).message.slice(0, 80)}` };
    }
    let last: PushDelivery = { outcome: 'failed', reason: 'not sent' };
    for (let attempt = 0; attempt < 2; attempt++) {
      if (attempt > 0) await (this.#o.sleep ?? delay)(this.#o.retryDelayMs ?? 1000);
      const status = await this.#post(details);
      if (typeof status !== 'number') return { outcome: 'failed', reason: status.reason };
      if (status >= 200 && status < 300) return { outcome: 'sent' };
      if (status === 404 || status === 410) return { outcome: 'gone', status };
      last = { outcome: 'failed', reason: `push service answered ${status}` };
      if (!RETRY(status)) break;
    }
    return last;
  }

  async #post(details: ReturnType<typeof webpush.generateRequestDetails>): Promise<number | { reason: string }> {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(details.headers)) headers[k] = String(v);
    const timeoutMs = this.#o.timeoutMs ?? 10_000;
    try {
      const response = await (this.#o.fetch ?? fetch)(details.endpoint, {
        method: 'POST',
        headers,
        body: details.body ?? null,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.body?.cancel();
      return response.status;
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      if (e.name === 'TimeoutError') return { reason: `no answer within ${timeoutMs / 1000} s` };
      return { reason: `cannot reach the push service (${e.cause?.code ?? e.name})` };
    }
  }
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
