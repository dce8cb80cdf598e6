/**
 * `GET /api/v1/events?tenant=&user=&type=&since=&before=&limit=`: the audit trail, newest first,
 * a page at a time (`next` is the cursor of the following page, null on the last one). The
 * filters are those of `portcullis events` (audit/event-query.ts). Bad input answers 400 with
 * an `error` naming the filter (`bad_limit`, `bad_since`, `bad_cursor`, `bad_type`,
 * `bad_tenant`, `bad_user`, `bad_query` for an unknown parameter) and a `message`; reading
 * changes nothing.
 */
import type { FastifyInstance, FastifySchemaValidationError } from 'fastify';
import { CURSOR_PATTERN, encodeCursor } from '../audit/event-cursor.ts';
import {
  DEFAULT_EVENTS_LIMIT,
  type EventFilters,
  type EventQueryRefusal,
  eventQuery,
  FILTER_REFUSALS,
  TENANT_FILTER_PATTERN,
  TYPE_FILTER_PATTERN,
} from '../audit/event-query.ts';
import { EVENT_FIELDS, eventView } from '../audit/event-view.ts';
import { MAX_AUDIT_PAGE } from '../stores/durable.ts';
import { MAX_USERNAME_LENGTH } from '../users/canonical.ts';
import type { AdminApiDeps } from './api-common.ts';

const nullableText = { type: ['string', 'null'] } as const;
const eventSchema = {
  type: 'object',
  required: [...EVENT_FIELDS],
  properties: {
    time: { type: 'string', format: 'date-time' },
    type: { type: 'string', description: 'e.g. login.failure, access.deny, access_code.issued' },
    outcome: { type: 'string', enum: ['success', 'failure', 'deny', 'challenge', 'info', 'alert'] },
    tenant: nullableText,
    user: nullableText,
    ip: nullableText,
    country: nullableText,
    device: nullableText,
    app: nullableText,
    rule: nullableText,
    request_id: { ...nullableText, description: 'the reference on a refusal page; null when not from a request' },
    detail: { type: ['object', 'null'], additionalProperties: true },
  },
} as const;
const refusal = {
  type: 'object',
  required: ['error'],
  properties: { error: { type: 'string' }, message: { type: 'string' } },
} as const;

/** The refusal of a schema failure: the filter's own, else `bad_query` (an unknown parameter). */
function schemaRefusal(errors: readonly FastifySchemaValidationError[]): EventQueryRefusal {
  const filter = errors[0]?.instancePath.slice(1) ?? '';
  if (Object.hasOwn(FILTER_REFUSALS, filter)) return FILTER_REFUSALS[filter] as EventQueryRefusal;
  return { error: 'bad_query', message: 'the parameters are tenant, user, type, since, before and limit' };
}

export function registerEventsRoutes(api: FastifyInstance, deps: AdminApiDeps): void {
  api.get(
    '/events',
    {
      attachValidation: true,
      schema: {
        summary: 'The audit trail, newest first, a page at a time',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            tenant: {
              type: 'string',
              maxLength: 64,
              pattern: TENANT_FILTER_PATTERN,
              description: '_msp: the MSP staff',
            },
            user: { type: 'string', minLength: 1, maxLength: MAX_USERNAME_LENGTH * 4 },
            type: {
              type: 'string',
              maxLength: 100,
              pattern: TYPE_FILTER_PATTERN,
              description: 'exact (login.failure) or every type under a prefix (access_code.*)',
            },
            since: {
              type: 'string',
              maxLength: 40,
              description: 'a duration back from now (24h, 7d) or an ISO 8601 time',
            },
            before: {
              type: 'string',
              maxLength: 24,
              pattern: CURSOR_PATTERN,
              description: 'the next cursor of the previous page',
            },
            limit: { type: 'integer', minimum: 1, maximum: MAX_AUDIT_PAGE, default: DEFAULT_EVENTS_LIMIT },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['events', 'next'],
            properties: {
              events: { type: 'array', items: eventSchema },
              next: { type: ['string', 'null'], description: 'pass as before= for the next page; null: no more' },
            },
          },
          400: refusal,
          401: refusal,
          429: refusal,
        },
      },
    },
    async (req, reply) => {
      if (req.validationError !== undefined) {
        const errors = (req.validationError as { validation?: FastifySchemaValidationError[] }).validation ?? [];
        return reply.code(400).send(schemaRefusal(errors));
      }
      const parsed = eventQuery(req.query as EventFilters, deps.clock.now());
      if ('error' in parsed) return reply.code(400).send(parsed);
      const page = await deps.durable.queryAuditPage(parsed.query);
      return reply.header('cache-control', 'no-store').send({
        events: page.events.map(eventView),
        next: page.next === null ? null : encodeCursor(page.next),
      });
    },
  );
}
