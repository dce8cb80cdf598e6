/**
 * `mfa.push` of gateway.yaml: push approval with number matching (contract section 8). Absent:
 * push is off (no channel can be enrolled, `methods: [push]` is never met).
 *
 * Checked here, located: the VAPID subject is a `mailto:` or `https:` address the push services
 * can reach (Apple refuses localhost), the timeout is 10 s to 5 min, and every entry of
 * `endpoint_hosts` and `link_hosts` is a host, a `*.` wildcard or an origin (host-allowlist.ts).
 */
import { parseDuration } from '../config/duration.ts';
import type { LoadedFiles } from '../config/load.ts';
import type { GatewayState } from '../state.ts';
import { BROWSER_PUSH_SERVICES, HostAllowlist } from './host-allowlist.ts';
import { DEFAULT_PUSH_LIMITS, type PushLimits } from './requests/push-limits.ts';

export interface PushSettings {
  /** `mailto:` or `https:` address, the VAPID `sub` claim */
  readonly subject: string;
  /** how long a push request waits for the answer */
  readonly timeoutMs: number;
  /** where a Web Push subscription may point: the browsers' push services and `endpoint_hosts` */
  readonly endpoints: HostAllowlist;
  /** where a link channel may post: `link_hosts` only (default none) */
  readonly links: HostAllowlist;
  readonly alertWebhook: string | null;
  /** the configured VAPID pair; absent: data/vapid.json */
  readonly vapid: { readonly public_key: string; readonly private_key: string } | undefined;
}

export const MIN_PUSH_TIMEOUT_MS = 10_000;
export const MAX_PUSH_TIMEOUT_MS = 5 * 60_000;

/** A host no push service can reach back: loopback and local names. */
function isLocalHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return (
    h === 'localhost' ||
    h.endsWith('.localhost') ||
    h.endsWith('.local') ||
    /^127\./.test(h) ||
    h === '::1' ||
    h === '0.0.0.0'
  );
}

/** The host of a VAPID subject (`mailto:ops@msp.example` -> msp.example), or null. */
function subjectHost(subject: string): string | null {
  if (subject.startsWith('mailto:')) return subject.slice(subject.lastIndexOf('@') + 1) || null;
  try {
    return new URL(subject).hostname;
  } catch {
    return null;
  }
}

export function pushSettings(files: LoadedFiles, problems: string[]): PushSettings | null {
  const p = files.gateway.mfa?.push;
  if (p === undefined) return null;
  const at = (...path: (string | number)[]) => files.locateGateway(['mfa', 'push', ...path]);

  const host = subjectHost(p.subject);
  if (host === null || isLocalHost(host))
    problems.push(
      `${at('subject')}: '${p.subject}' must be an address the push services can reach (Apple refuses localhost): mailto:security@your-msp.example or https://your-msp.example`,
    );

  const timeoutMs = parseDuration(p.timeout ?? '60s');
  if (timeoutMs < MIN_PUSH_TIMEOUT_MS || timeoutMs > MAX_PUSH_TIMEOUT_MS)
    problems.push(`${at('timeout')}: a push request waits 10s to 5m, not ${p.timeout}`);

  const lists = { endpoint_hosts: p.endpoint_hosts ?? [], link_hosts: p.link_hosts ?? [] };
  const parsed = (key: keyof typeof lists, base: readonly string[]) => {
    const { list, problems: bad } = HostAllowlist.parse([...base, ...lists[key]]);
    for (const b of bad) {
      const i = b.index - base.length;
      problems.push(`${at(key, i)}: mfa.push.${key}[${i}]: ${b.message}`);
    }
    return list;
  };

  return {
    subject: p.subject,
    timeoutMs,
    endpoints: parsed('endpoint_hosts', BROWSER_PUSH_SERVICES),
    links: parsed('link_hosts', []),
    alertWebhook: p.alert_webhook ?? null,
    vapid: p.vapid,
  };
}

/** The limits in force: the defaults, with `mfa.push.timeout` (60 s when push is off). */
export function pushLimits(state: Pick<GatewayState, 'push'>): PushLimits {
  return { ...DEFAULT_PUSH_LIMITS, timeoutMs: state.push?.timeoutMs ?? 60_000 };
}
