/**
 * The one-time approval links a link channel carries (ntfy, Slack, Teams): `<public_url>/
 * .portcullis/push/link#<token>`. The token sits in the URL's fragment, which browsers never send
 * to a server, so it lands in no access log; the page hands it over in a POST. Only its SHA-256
 * is kept (ephemeral store, shared by the instances), until the request expires.
 *
 * Opening the link shows the request (never approves: a link preview or a mail scanner may open
 * it); an answer uses the token once, and the request it belongs to ends with the first answer
 * from any channel. Whoever can read the channel and see the sign-in screen can approve: weaker
 * than Web Push, and the docs say so.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../../../clock.ts';
import type { DeviceAnswer } from '../../../push/requests/answer-token.ts';
import type { AnswerResult, PushRequest, PushRequests } from '../../../push/requests/push-requests.ts';
import { type Random, token as randomToken } from '../../../random.ts';
import type { EphemeralStore } from '../../../stores/ephemeral.ts';

const digest = (token: string) => createHash('sha256').update(token).digest('base64url');
const key = (token: string) => `push:link:${digest(token)}`;
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

interface LinkGrant {
  readonly rid: string;
  readonly user: string;
  readonly device: string;
}

export class PushLinks {
  constructor(private readonly deps: { store: EphemeralStore; push: PushRequests; clock: Clock; random: Random }) {}

  /** A token for `device` (a link channel of the user) to answer `request` with. */
  async issue(request: PushRequest, device: string): Promise<string> {
    const token = randomToken(this.deps.random, 32);
    const ttl = Math.max(1000, request.expiresAt - this.deps.clock.now());
    const grant: LinkGrant = { rid: request.rid, user: request.user, device };
    await this.deps.store.set(key(token), JSON.stringify(grant), ttl);
    return token;
  }

  /** The request a token shows, while it can be answered; null otherwise (unknown, used, ended). */
  async view(token: unknown): Promise<{ request: PushRequest; device: string } | null> {
    if (typeof token !== 'string' || !TOKEN.test(token)) return null;
    const raw = await this.deps.store.get(key(token));
    if (raw === null) return null;
    const grant = JSON.parse(raw) as LinkGrant;
    const request = await this.deps.push.get(grant.rid, grant.user);
    if (request === null || (await this.deps.push.state(grant.rid, grant.user)) !== 'pending') return null;
    return { request, device: grant.device };
  }

  /** The answer the token's holder gave; the token works once. */
  async answer(
    token: unknown,
    action: 'approve' | 'deny' | 'report',
    choice: number | undefined,
  ): Promise<{ result: AnswerResult; device: string } | null> {
    if (typeof token !== 'string' || !TOKEN.test(token)) return null;
    const raw = await this.deps.store.take(key(token));
    if (raw === null) return null;
    const grant = JSON.parse(raw) as LinkGrant;
    const answer: DeviceAnswer = {
      rid: grant.rid,
      action,
      iat: Math.floor(this.deps.clock.now() / 1000),
      digest: `link:${digest(token)}`,
      ...(action === 'approve' && choice !== undefined ? { choice } : {}),
    };
    return { result: await this.deps.push.answer(grant.user, answer, grant.device), device: grant.device };
  }
}
