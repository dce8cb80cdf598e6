/**
 * `portcullis events [--tenant T] [--user U] [--type T] [--since 24h] [--limit N]
 * [--format text|json|csv] [--config F]`: the audit trail, newest first (audit/event-query.ts
 * for the filters: `--tenant _msp` is the MSP staff, `--type access_code.*` every type under a
 * prefix). At most `--limit` events (default 100), read a page at a time.
 *
 * Asks the running gateway (`GET /api/v1/events`, following `next`); when no gateway answers,
 * reads the durable store directly, with a notice on stderr. A gateway that answers with a
 * refusal is an error. Exit codes: 0 printed (perhaps no event), 1 the gateway refused or a
 * store is unreachable (or the configuration is invalid), 2 usage.
 */
import { encodeCursor } from '../audit/event-cursor.ts';
import { type EventFilters, eventQuery } from '../audit/event-query.ts';
import { type EventView, eventView } from '../audit/event-view.ts';
import { systemClock } from '../clock.ts';
import type { LoadedFiles } from '../config/load.ts';
import { StoreUnavailableError } from '../errors.ts';
import { type AuditCursor, MAX_AUDIT_PAGE } from '../stores/durable.ts';
import { openDurable } from '../stores/open.ts';
import { loadFilesOrReport } from './config-or-exit.ts';
import { EVENT_FORMATS, type EventFormat, formatEvents } from './event-formats.ts';
import { parseFlags } from './flags.ts';
import { answerError, gatewayClient } from './gateway-client.ts';
import type { CliIo } from './io.ts';

const USAGE =
  'portcullis events [--tenant T] [--user U] [--type T] [--since 24h] [--limit N] [--format text|json|csv] [--config F]';
/** The most events one command prints. */
export const MAX_EVENTS = 100_000;

type Fetched = { events: EventView[] } | { refused: string } | { unreachable: string };

export async function runEvents(args: string[], io: CliIo): Promise<number> {
  const parsed = parseFlags(args, {
    config: 'string',
    tenant: 'string',
    user: 'string',
    type: 'string',
    since: 'string',
    limit: 'string',
    format: 'string',
  });
  const usage = (message: string) => {
    io.stderr.write(`portcullis: ${message}\nusage: ${USAGE}\n`);
    return 2;
  };
  if ('error' in parsed) return usage(parsed.error);
  if (parsed.positional.length > 0) return usage('events takes no argument, only options');
  const f = parsed.flags as Record<string, string | undefined>;
  const format = (f.format ?? 'text') as EventFormat;
  if (!EVENT_FORMATS.includes(format)) return usage('--format is text, json or csv');
  let limit = 100;
  if (f.limit !== undefined) {
    limit = /^[0-9]{1,6}$/.test(f.limit) ? Number(f.limit) : 0;
    if (limit < 1 || limit > MAX_EVENTS) return usage(`--limit is a number from 1 to ${MAX_EVENTS}`);
  }
  const filters: EventFilters = { tenant: f.tenant, user: f.user, type: f.type, since: f.since };
  // checked here too, so that a mistake is a usage error whoever answers
  const checked = eventQuery({ ...filters, limit: Math.min(limit, MAX_AUDIT_PAGE) }, systemClock.now());
  // the messages start with the filter's name
  if ('error' in checked) return usage(`--${checked.message}`);

  const files = await loadFilesOrReport(io, f.config);
  if (files === null) return 1;
  const client = gatewayClient(files, io.env ? { env: io.env } : {});
  const fromGateway = await viaGateway(client, filters, limit);
  let events: EventView[];
  if ('unreachable' in fromGateway) {
    io.stderr.write(`notice: ${fromGateway.unreachable}; reading the durable store directly\n`);
    try {
      events = await fromStore(files, filters, limit);
    } catch (err) {
      if (!(err instanceof StoreUnavailableError)) throw err;
      io.stderr.write(`portcullis: the durable store is unreachable: ${err.message}\n`);
      return 1;
    }
  } else if ('refused' in fromGateway) {
    io.stderr.write(`portcullis: the gateway at ${client.origin} refused: ${fromGateway.refused}\n`);
    return 1;
  } else events = fromGateway.events;
  io.stdout.write(formatEvents(events, format));
  return 0;
}

function search(filters: EventFilters, limit: number, before: string | null): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filters)) if (typeof v === 'string') q.set(k, v);
  q.set('limit', String(limit));
  if (before !== null) q.set('before', before);
  return `events?${q.toString()}`;
}

/** Pages from the gateway until `limit` events or the end; `unreachable` when the first call finds nobody. */
async function viaGateway(
  client: ReturnType<typeof gatewayClient>,
  filters: EventFilters,
  limit: number,
): Promise<Fetched> {
  const events: EventView[] = [];
  let before: string | null = null;
  do {
    const answer = await client.call('GET', search(filters, Math.min(MAX_AUDIT_PAGE, limit - events.length), before));
    if (answer.kind === 'unreachable') {
      if (before === null) return { unreachable: answer.reason };
      throw new Error(`the gateway at ${client.origin} stopped answering: ${answer.reason}`);
    }
    if (answer.status !== 200) return { refused: `${answer.status} ${answerError(answer.body)}` };
    const page = answer.body as { events: EventView[]; next: string | null };
    events.push(...page.events);
    before = page.next;
  } while (before !== null && events.length < limit);
  return { events };
}

/** The same pages, read from the durable store of the configuration. */
async function fromStore(files: LoadedFiles, filters: EventFilters, limit: number): Promise<EventView[]> {
  const durable = await openDurable(files.gateway.stores.durable, files.baseDir);
  try {
    const events: EventView[] = [];
    let before: AuditCursor | null = null;
    const now = systemClock.now();
    do {
      const size = Math.min(MAX_AUDIT_PAGE, limit - events.length);
      const built = eventQuery(
        { ...filters, limit: size, before: before === null ? undefined : encodeCursor(before) },
        now,
      );
      if ('error' in built) throw new TypeError(built.message);
      const page = await durable.queryAuditPage(built.query);
      events.push(...page.events.map(eventView));
      before = page.next;
    } while (before !== null && events.length < limit);
    return events;
  } finally {
    await durable.close();
  }
}
