/**
 * A link channel (contract section 8): for users who prefer a message they already read over an
 * app, the gateway posts a one-time approval link to their personal ntfy topic, Slack incoming
 * webhook or Teams workflow webhook. The message says which app waits and carries the link,
 * never the number (the sign-in page shows it) nor anything else secret; the link opens the
 * approval page, where a GET never approves (link previews, mail scanners).
 *
 * Weaker than Web Push: whoever can read the channel and see the sign-in screen can approve.
 *
 * Only to a host in `mfa.push.link_hosts` (the user typed the URL: it must not reach internal
 * services), no redirect followed, a timeout, one retry on 429/5xx (outbound.ts).
 *
 *   ntfy   JSON publish to the server's root with the topic in the body, a `view` action only
 *          (no `http` action: the phone itself would call a URL)
 *   slack  Block Kit: a section and one button with the URL
 *   teams  an Adaptive Card with Action.OpenUrl (the workflow's "post card" template)
 */
import type { HostAllowlist } from './host-allowlist.ts';
import { type Delivery, type OutboundOptions, post } from './outbound.ts';

export type LinkKind = 'ntfy' | 'slack' | 'teams';

export interface LinkChannel {
  readonly kind: LinkKind;
  /** ntfy: https://ntfy.sh/<topic>; slack: the incoming webhook URL; teams: the workflow URL */
  readonly url: string;
}

/** What the message says: the app that waits, the approval link. */
export interface LinkMessage {
  readonly app: string;
  readonly link: string;
}

const TITLE = 'Sign-in waiting for you';
const text = (m: LinkMessage) =>
  `Someone is signing in to ${m.app} as you. If it is you, open the link, check the details and pick the number the sign-in page shows. If not, deny it there.`;
const ACTION = 'Review sign-in';

/** The URL posted to and the JSON body, per kind; null when the channel URL is not usable. */
export function linkRequest(channel: LinkChannel, message: LinkMessage): { url: string; body: unknown } | null {
  let url: URL;
  try {
    url = new URL(channel.url);
  } catch {
    return null;
  }
  switch (channel.kind) {
    case 'ntfy': {
      // https://host[/base]/<topic>: the JSON publish goes to the base, the topic in the body
      const parts = url.pathname.split('/').filter(Boolean);
      const topic = parts.pop();
      if (topic === undefined || !/^[A-Za-z0-9_-]{1,64}$/.test(topic) || url.search !== '') return null;
      return {
        url: `${url.origin}/${parts.map((p) => `${p}/`).join('')}`,
        body: {
          topic,
          title: TITLE,
          message: text(message),
          priority: 4,
          tags: ['lock'],
          actions: [{ action: 'view', label: ACTION, url: message.link, clear: true }],
        },
      };
    }
    case 'slack':
      return {
        url: url.href,
        body: {
          text: `${TITLE}: ${message.app}`,
          blocks: [
            { type: 'section', text: { type: 'plain_text', text: text(message) } },
            {
              type: 'actions',
              elements: [
                { type: 'button', text: { type: 'plain_text', text: ACTION }, url: message.link, style: 'primary' },
              ],
            },
          ],
        },
      };
    case 'teams':
      return {
        url: url.href,
        body: {
          type: 'message',
          attachments: [
            {
              contentType: 'application/vnd.microsoft.card.adaptive',
              content: {
                $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
                type: 'AdaptiveCard',
                version: '1.4',
                body: [
                  { type: 'TextBlock', text: TITLE, weight: 'Bolder', size: 'Medium' },
                  { type: 'TextBlock', text: text(message), wrap: true },
                ],
                actions: [{ type: 'Action.OpenUrl', title: ACTION, url: message.link }],
              },
            },
          ],
        },
      };
    default:
      return null;
  }
}

/** Posts the message to the channel, if its host is allowed. */
export async function sendLink(
  channel: LinkChannel,
  message: LinkMessage,
  allowed: HostAllowlist,
  options: OutboundOptions = {},
): Promise<Delivery> {
  if (!allowed.allows(channel.url)) return { outcome: 'refused' };
  const request = linkRequest(channel, message);
  if (request === null || !allowed.allows(request.url)) return { outcome: 'refused' };
  return post(request.url, { 'content-type': 'application/json' }, JSON.stringify(request.body), options);
}
