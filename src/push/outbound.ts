/**
 * How the gateway posts to a push service or a link channel: only to a URL the operator's
 * allowlist accepts (checked by the caller before anything is built), never following a
 * redirect (an allowed host cannot bounce the request to an internal address), with a timeout
 * that covers a silent server, and one retry on 429 or 5xx. The outcome names a status or a
 * reason, never the URL (a webhook URL is a credential) nor the body.
 */

export type Delivery =
  /** the service accepted it (2xx) */
  | { readonly outcome: 'sent' }
  /** 404 or 410: the subscription or webhook no longer exists */
  | { readonly outcome: 'gone'; readonly status: number }
  /** not a URL the gateway may post to: nothing was sent */
  | { readonly outcome: 'refused' }
  | { readonly outcome: 'failed'; readonly reason: string };

export interface OutboundOptions {
  /** per attempt; default 10 s */
  readonly timeoutMs?: number;
  /** before the one retry; default 1 s */
  readonly retryDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly fetch?: typeof fetch;
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const RETRY = (status: number) => status === 429 || status >= 500;

/** POSTs `body` to `url` (at most twice); what became of it. */
export async function post(
  url: string,
  headers: Record<string, string>,
  body: Uint8Array | string,
  options: OutboundOptions = {},
): Promise<Delivery> {
  let last: Delivery = { outcome: 'failed', reason: 'not sent' };
  for (let attempt = 0; attempt < 2; attempt++) {
    if (attempt > 0) await (options.sleep ?? delay)(options.retryDelayMs ?? 1000);
    const status = await postOnce(url, headers, body, options);
    if (typeof status !== 'number') return { outcome: 'failed', reason: status.reason };
    if (status >= 200 && status < 300) return { outcome: 'sent' };
    if (status === 404 || status === 410) return { outcome: 'gone', status };
    last = { outcome: 'failed', reason: `the service answered ${status}` };
    if (!RETRY(status)) break;
  }
  return last;
}

async function postOnce(
  url: string,
  headers: Record<string, string>,
  body: Uint8Array | string,
  options: OutboundOptions,
): Promise<number | { reason: string }> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  try {
    const response = await (options.fetch ?? fetch)(url, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel();
    return response.status;
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    if (e.name === 'TimeoutError') return { reason: `no answer within ${timeoutMs / 1000} s` };
    return { reason: `cannot reach the service (${e.cause?.code ?? e.name})` };
  }
}
