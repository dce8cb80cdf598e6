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
import type webpushType from 'web-push';
import type { HostAllowlist } from './host-allowlist.ts';
import { type Delivery, type OutboundOptions, post } from './outbound.ts';
import type { VapidKeys } from './vapid-keys.ts';

export interface PushTarget {
  readonly endpoint: string;
  readonly keys: { readonly p256dh: string; readonly auth: string };
}

export type PushDelivery = Delivery;

export interface WebPushOptions extends OutboundOptions {
  readonly vapid: VapidKeys;
  /** the VAPID `sub`: mailto: or https: */
  readonly subject: () => string;
  readonly endpoints: () => HostAllowlist;
}

export const PUSH_TTL_SECONDS = 60;

/** The Topic of a user's pushes: 32 characters of the URL-safe alphabet (RFC 8030 section 5.4). */
export function pushTopic(user: string): string {
  return createHash('sha256').update(`portcullis-push:${user}`).digest('base64url').slice(0, 32);
}

export class WebPushSender {
  readonly #o: WebPushOptions;

  constructor(options: WebPushOptions) {
    this.#o = options;
  }

  async send(target: PushTarget, message: Record<string, unknown>, topic: string): Promise<PushDelivery> {
    if (!this.#o.endpoints().allows(target.endpoint)) return { outcome: 'refused' };
    // loaded at the first push: a gateway without push devices does not carry it
    const { default: webpush } = await import('web-push');
    let details: ReturnType<typeof webpushType.generateRequestDetails>;
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
    const headers: Record<string, string> = {};
    // fetch sets Content-Length from the body itself (and refuses it given as a header by some dispatchers)
    for (const [k, v] of Object.entries(details.headers))
      if (k.toLowerCase() !== 'content-length') headers[k] = String(v);
    return post(details.endpoint, headers, details.body ?? '', this.#o);
  }
}
