/**
 * The phones and browsers a user approves pushes on (contract section 8). Each is a factor
 * record of kind `push`: the Web Push subscription (endpoint and keys, which let anyone who has
 * them send to the device) sealed by the SecretBox and bound to its row, and the device's public
 * key (a P-256 JWK: the device keeps the private key, non-extractable, and signs every answer
 * with it) in the record's public data.
 *
 * A link channel (ntfy, Slack, Teams) is a factor record of the same kind: its URL sealed, its
 * kind public; a push to it carries a one-time approval link (push-links.ts).
 *
 * A subscription's endpoint comes from the browser: only one the operator allows is enrolled
 * (the browsers' push services, `mfa.push.endpoint_hosts`), and it is checked again before each
 * send. A push service that says the subscription is gone (404, 410) removes the record.
 */
import type { JWK } from 'jose';
import { eventOffRequest } from '../../../audit/admin-event.ts';
import type { AuditLog } from '../../../audit/audit.ts';
import type { Clock } from '../../../clock.ts';
import type { SecretBox } from '../../../crypto/secret-box.ts';
import { type LinkChannel, linkRequest, sendLink } from '../../../push/link-send.ts';
import type { Delivery } from '../../../push/outbound.ts';
import type { PushSettings } from '../../../push/push-settings.ts';
import type { PushRequest } from '../../../push/requests/push-requests.ts';
import { loadVapidKeys, type VapidKeys } from '../../../push/vapid-keys.ts';
import { type PushTarget, pushTopic, WebPushSender } from '../../../push/web-push-send.ts';
import { type Random, token } from '../../../random.ts';
import type { DurableStore, FactorRecord } from '../../../stores/durable.ts';
import type { PushLinks } from './push-links.ts';

export interface PushDevicesDeps {
  readonly durable: DurableStore;
  readonly box: SecretBox;
  readonly clock: Clock;
  readonly random: Random;
  readonly audit: AuditLog;
  /** `mfa.push` in force; null: push is off */
  readonly settings: () => PushSettings | null;
  readonly dataDir: string;
  /** the portal's origin, for the approval links of link channels */
  readonly origin: () => string;
  /** the one-time approval links of link channels */
  readonly links: PushLinks;
  /** tests: how the sender posts (a short timeout, no retry delay) */
  readonly send?: { timeoutMs?: number; retryDelayMs?: number; sleep?: (ms: number) => Promise<void> };
}

export interface EnrolWebPush {
  readonly name: string;
  readonly subscription: PushTarget;
  readonly publicKey: JWK;
}

export type EnrolRefusal =
  | 'push_disabled'
  | 'endpoint_not_allowed'
  | 'bad_public_key'
  | 'link_host_not_allowed'
  | 'bad_link';

const B64URL = (n: number) => new RegExp(`^[A-Za-z0-9_-]{${n}}$`);
const context = (user: string, id: string) => `push:${user}:${id}`;

/** A P-256 public key as WebCrypto exports it (no private part), or null. */
export function publicP256(jwk: unknown): JWK | null {
  if (jwk === null || typeof jwk !== 'object') return null;
  const k = jwk as Record<string, unknown>;
  if (k.kty !== 'EC' || k.crv !== 'P-256' || 'd' in k) return null;
  if (typeof k.x !== 'string' || typeof k.y !== 'string' || !B64URL(43).test(k.x) || !B64URL(43).test(k.y)) return null;
  return { kty: 'EC', crv: 'P-256', x: k.x, y: k.y };
}

export class PushDevices {
  readonly #d: PushDevicesDeps;
  #vapid: Promise<VapidKeys> | null = null;

  constructor(deps: PushDevicesDeps) {
    this.#d = deps;
  }

  /** The VAPID public key (the browsers' applicationServerKey), or null when push is off. */
  async vapidPublicKey(): Promise<string | null> {
    const settings = this.#d.settings();
    return settings === null ? null : (await this.#keys(settings)).publicKey;
  }

  /** Enrols a browser or phone; its id, or why not (nothing stored then). */
  async enrolWebPush(
    user: string,
    e: EnrolWebPush,
  ): Promise<{ ok: true; id: string } | { ok: false; error: EnrolRefusal }> {
    const settings = this.#d.settings();
    if (settings === null) return { ok: false, error: 'push_disabled' };
    if (!settings.endpoints.allows(e.subscription.endpoint)) return { ok: false, error: 'endpoint_not_allowed' };
    const publicKey = publicP256(e.publicKey);
    if (publicKey === null) return { ok: false, error: 'bad_public_key' };
    const id = token(this.#d.random, 16);
    const now = this.#d.clock.now();
    const secret = JSON.stringify({
      endpoint: e.subscription.endpoint,
      keys: { p256dh: e.subscription.keys.p256dh, auth: e.subscription.keys.auth },
    });
    await this.#d.durable.addFactor({
      id,
      user,
      kind: 'push',
      name: e.name,
      secret: this.#d.box.seal(secret, context(user, id)),
      data: { channel: 'webpush', public_key: publicKey },
      createdAt: now,
      lastUsedAt: null,
    });
    return { ok: true, id };
  }

  /**
   * Enrols a link channel (ntfy topic, Slack or Teams webhook): only to a host of
   * `mfa.push.link_hosts`; the URL (a credential: whoever has it can post) is sealed.
   */
  async enrolLink(
    user: string,
    name: string,
    channel: LinkChannel,
  ): Promise<{ ok: true; id: string } | { ok: false; error: EnrolRefusal }> {
    const settings = this.#d.settings();
    if (settings === null) return { ok: false, error: 'push_disabled' };
    if (!settings.links.allows(channel.url)) return { ok: false, error: 'link_host_not_allowed' };
    if (linkRequest(channel, { app: 'x', link: 'https://x.example/' }) === null)
      return { ok: false, error: 'bad_link' };
    const id = token(this.#d.random, 16);
    await this.#d.durable.addFactor({
      id,
      user,
      kind: 'push',
      name,
      secret: this.#d.box.seal(JSON.stringify({ kind: channel.kind, url: channel.url }), context(user, id)),
      data: { channel: channel.kind },
      createdAt: this.#d.clock.now(),
      lastUsedAt: null,
    });
    return { ok: true, id };
  }

  /**
   * The browser renewed a device's push subscription (`pushsubscriptionchange`): the new one
   * replaces the old, if its endpoint is allowed. The caller has checked the device's signature.
   */
  async resubscribe(id: string, subscription: PushTarget): Promise<boolean> {
    const settings = this.#d.settings();
    const record = await this.#d.durable.getFactor(id);
    if (settings === null || record === null || record.kind !== 'push' || record.data?.channel !== 'webpush')
      return false;
    if (!settings.endpoints.allows(subscription.endpoint)) return false;
    const secret = JSON.stringify({
      endpoint: subscription.endpoint,
      keys: { p256dh: subscription.keys.p256dh, auth: subscription.keys.auth },
    });
    await this.#d.durable.removeFactor(record.user, id);
    await this.#d.durable.addFactor({ ...record, secret: this.#d.box.seal(secret, context(record.user, id)) });
    return true;
  }

  /** The device that signs with `id` (a JWS `kid`): its user and public key, or null. */
  async signer(id: unknown): Promise<{ user: string; id: string; publicKey: JWK } | null> {
    if (typeof id !== 'string' || !B64URL(22).test(id)) return null;
    const record = await this.#d.durable.getFactor(id);
    const key = record?.kind === 'push' ? publicP256(record.data?.public_key) : null;
    return record === null || key === null ? null : { user: record.user, id: record.id, publicKey: key };
  }

  /** The user's push devices. */
  async list(user: string): Promise<FactorRecord[]> {
    return (await this.#d.durable.listFactors(user)).filter((f) => f.kind === 'push');
  }

  /**
   * Sends the request to `devices` (the user's, as the start chose them): `{rid, app, exp}` and nothing else (no
   * number, no secret). How many took it; a gone subscription is removed (and audited).
   */
  async deliver(
    request: PushRequest,
    devices: readonly FactorRecord[],
  ): Promise<{ sent: number; failed: number; gone: number }> {
    const settings = this.#d.settings();
    const tally = { sent: 0, failed: 0, gone: 0 };
    if (settings === null) return tally;
    const sender = new WebPushSender({
      vapid: await this.#keys(settings),
      subject: () => settings.subject,
      endpoints: () => settings.endpoints,
      ...this.#d.send,
    });
    const message = { rid: request.rid, app: request.app, exp: Math.floor(request.expiresAt / 1000) };
    for (const device of devices) {
      if (device.secret === null) continue;
      const opened = JSON.parse(this.#d.box.open(device.secret, context(device.user, device.id))) as
        | PushTarget
        | LinkChannel;
      let delivery: Delivery;
      if ('kind' in opened) {
        const link = `${this.#d.origin()}/.portcullis/push/link#${await this.#d.links.issue(request, device.id)}`;
        delivery = await sendLink(opened, { app: request.app, link }, settings.links, this.#d.send ?? {});
      } else {
        delivery = await sender.send(opened, message, pushTopic(request.user));
      }
      if (delivery.outcome === 'sent') {
        tally.sent++;
      } else if (delivery.outcome === 'gone') {
        tally.gone++;
        await this.#d.durable.removeFactor(device.user, device.id);
        this.#d.audit.record(
          eventOffRequest('push.device_gone', { user: device.user, tenant: request.tenant }, { device: device.id }),
        );
      } else {
        tally.failed++;
      }
    }
    return tally;
  }

  #keys(settings: PushSettings): Promise<VapidKeys> {
    this.#vapid ??= loadVapidKeys({ configured: settings.vapid, dataDir: this.#d.dataDir }).catch((err) => {
      this.#vapid = null;
      throw err;
    });
    return this.#vapid;
  }
}
