import { POSITIVE_DURATION_PATTERN, parseDuration } from '../config/duration.ts';
import type { AuditPageQuery } from '../stores/durable.ts';
import { MAX_AUDIT_PAGE } from '../stores/durable.ts';
import { canonicalUsername } from '../users/canonical.ts';
import { decodeCursor } from './event-cursor.ts';

/** The tenant filter that names the MSP's own staff (and events without a tenant). */
export const MSP_TENANT = '_msp';
export const DEFAULT_EVENTS_LIMIT = 100;

/** A tenant name (gateway.yaml apps, users.yaml) or `_msp`. */
export const TENANT_FILTER_PATTERN = '^(_msp|[a-z0-9][a-z0-9_-]*)$';
/** An event type (`login.failure`), or every type under a prefix (`access_code.*`). */
export const TYPE_FILTER_PATTERN = '^[a-z0-9_]+(\\.[a-z0-9_]+)*(\\.\\*)?$';

/** The filters of `GET /api/v1/events` and `portcullis events`, as given (text). */
export interface EventFilters {
  readonly tenant?: string | undefined;
  readonly user?: string | undefined;
  readonly type?: string | undefined;
  readonly since?: string | undefined;
  readonly before?: string | undefined;
  readonly limit?: number | undefined;
}

/** Per filter: the error code and message of a refusal (never echoing the value). */
export const FILTER_REFUSALS: Readonly<Record<string, EventQueryRefusal>> = {
  tenant: { error: 'bad_tenant', message: 'tenant must be a tenant name, or _msp for the MSP staff' },
  user: { error: 'bad_user', message: 'user must be a user name (letters, digits, . _ @ -)' },
  type: {
    error: 'bad_type',
    message: 'type must be an event type such as login.failure, or a prefix such as access_code.*',
  },
  since: { error: 'bad_since', message: 'since must be a duration such as 24h or 7d, or an ISO 8601 time' },
  before: { error: 'bad_cursor', message: 'before must be the next cursor of an earlier page' },
  limit: { error: 'bad_limit', message: `limit must be an integer from 1 to ${MAX_AUDIT_PAGE}` },
};
const refusal = (filter: string): EventQueryRefusal => FILTER_REFUSALS[filter] as EventQueryRefusal;

export interface EventQueryRefusal {
  /** bad_tenant, bad_user, bad_type, bad_since, bad_cursor, bad_limit */
  readonly error: string;
  readonly message: string;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/**
 * `since`: a duration back from `now` (`24h`, `7d`), or an ISO 8601 time with its zone
 * (`2026-03-01T08:00:00Z`, `2026-03-01T09:00+01:00`), or a day (`2026-03-01`: 00:00 UTC).
 * Null when it is none of these.
 */
export function parseSince(text: string, now: number): number | null {
  if (new RegExp(POSITIVE_DURATION_PATTERN).test(text)) {
    const ms = parseDuration(text);
    return Number.isSafeInteger(ms) ? now - ms : null;
  }
  if (!ISO_TIME.test(text)) return null;
  const time = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
  return Number.isNaN(time) ? null : time;
}

/**
 * The store query of the filters, or the first refusal, with a message that names the filter
 * (never echoing its value). `type` ending in `.*` is every type under that prefix
 * (`access_code.*`: issued, used, expired, failure); otherwise exact. `tenant=_msp` is the MSP
 * staff. `user` follows the canonical user name rules; a user no longer in users.yaml still has
 * a history.
 */
export function eventQuery(filters: EventFilters, now: number): { query: AuditPageQuery } | EventQueryRefusal {
  const limit = filters.limit ?? DEFAULT_EVENTS_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_AUDIT_PAGE) return refusal('limit');
  const q: { -readonly [K in keyof AuditPageQuery]: AuditPageQuery[K] } = { limit };
  if (filters.tenant !== undefined) {
    if (filters.tenant.length > 64 || !new RegExp(TENANT_FILTER_PATTERN).test(filters.tenant)) return refusal('tenant');
    q.tenant = filters.tenant === MSP_TENANT ? null : filters.tenant;
  }
  if (filters.user !== undefined) {
    const user = canonicalUsername(filters.user);
    if (user === null) return refusal('user');
    q.user = user;
  }
  if (filters.type !== undefined) {
    if (filters.type.length > 100 || !new RegExp(TYPE_FILTER_PATTERN).test(filters.type)) return refusal('type');
    if (filters.type.endsWith('.*')) q.typePrefix = filters.type.slice(0, -1);
    else q.type = filters.type;
  }
  if (filters.since !== undefined) {
    const since = filters.since.length <= 40 ? parseSince(filters.since, now) : null;
    if (since === null) return refusal('since');
    q.since = since;
  }
  if (filters.before !== undefined) {
    const before = decodeCursor(filters.before);
    if (before === null) return refusal('before');
    q.before = before;
  }
  return { query: q };
}
