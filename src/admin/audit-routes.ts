/**
 * `GET /api/v1/audit?tenant=&format=json|html`: the MFA coverage report (src/report/) of the
 * running configuration and stores, lock state included whatever the ephemeral store is. json
 * answers the report object (schema_version 1), html the self-contained file for a client.
 * `tenant` keeps one client's figures and findings (404 `unknown_tenant` for a tenant the
 * configuration does not name). A store that cannot be read is 503 `store_unavailable`: never an
 * incomplete report. Reading it changes nothing, so it is not an admin action in the trail.
 * The report's modules are loaded by the first report asked for, not when the gateway starts.
 */
import type { FastifyInstance } from 'fastify';
import { StoreUnavailableError } from '../errors.ts';
import type { auditReport as AuditReport } from '../report/audit-report.ts';
import { type AdminApiDeps, error, errorSchema } from './api-common.ts';

const nullableString = { anyOf: [{ type: 'string' }, { type: 'null' }] } as const;
const nullableInteger = { anyOf: [{ type: 'integer' }, { type: 'null' }] } as const;
const finding = {
  type: 'object',
  additionalProperties: true,
  required: ['id', 'severity', 'tenant', 'subject', 'title', 'detail', 'remediation'],
  properties: {
    id: { type: 'string' },
    severity: { type: 'string', enum: ['critical', 'high', 'medium', 'low'] },
    tenant: nullableString,
    subject: { type: 'string' },
    title: { type: 'string' },
    detail: { type: 'string' },
    location: { type: 'string', description: 'file:line:column, relative to the folder holding the configuration' },
    remediation: { type: 'string' },
    suppression_expired: { type: 'object', additionalProperties: true },
    suppression: { type: 'object', additionalProperties: true },
  },
} as const;

export const auditReportSchema = {
  type: 'object',
  additionalProperties: true,
  required: ['schema_version', 'generated_at', 'scope', 'tenants', 'findings', 'suppressed', 'notes'],
  properties: {
    schema_version: { type: 'integer', enum: [1] },
    generated_at: { type: 'string', format: 'date-time' },
    scope: { type: 'string', enum: ['all', 'config'] },
    tenants: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: true,
        required: ['tenant', 'coverage'],
        properties: {
          tenant: nullableString,
          coverage: {
            type: 'object',
            additionalProperties: true,
            required: ['users', 'with_mfa', 'privileged', 'privileged_phishing_resistant', 'apps', 'apps_with_rule'],
            properties: {
              users: { type: 'integer' },
              with_mfa: nullableInteger,
              privileged: { type: 'integer' },
              privileged_phishing_resistant: nullableInteger,
              apps: { type: 'integer' },
              apps_with_rule: { type: 'integer' },
            },
          },
        },
      },
    },
    findings: { type: 'array', items: finding },
    suppressed: { type: 'array', items: finding },
    notes: { type: 'array', items: { type: 'string' } },
  },
} as const;

export function registerAuditRoutes(api: FastifyInstance, deps: AdminApiDeps): void {
  api.get(
    '/audit',
    {
      schema: {
        summary: 'The MFA coverage report: per tenant and for the MSP staff (json), or a printable file (html)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            tenant: {
              type: 'string',
              pattern: '^([a-z0-9][a-z0-9_-]*)?$',
              maxLength: 128,
              description: 'one client; empty or absent: every tenant and the MSP staff',
            },
            format: { type: 'string', enum: ['json', 'html'], default: 'json' },
          },
        },
        response: {
          200: {
            description: 'json: the report object; html: one self-contained text/html file',
            ...auditReportSchema,
          },
          400: errorSchema,
          401: errorSchema,
          404: errorSchema,
          429: errorSchema,
          503: errorSchema,
        },
      },
    },
    async (req, reply) => {
      const query = req.query as { tenant?: string; format: 'json' | 'html' };
      const tenant = query.tenant === '' ? undefined : query.tenant;
      const format = query.format;
      const state = deps.state();
      const { auditReport, knownTenant, render } = await import('../report/audit-report.ts');
      let report: Awaited<ReturnType<typeof AuditReport>>;
      try {
        report = await auditReport(
          state,
          { durable: deps.durable, locks: (user) => deps.lockout.status(user) },
          deps.clock,
          tenant,
        );
      } catch (err) {
        if (!(err instanceof StoreUnavailableError)) throw err;
        req.log.error({ err: { code: err.code, message: err.message } }, 'audit: store unavailable');
        return reply.code(503).send(error('store_unavailable'));
      }
      if (tenant !== undefined && !knownTenant(report, tenant)) return reply.code(404).send(error('unknown_tenant'));
      reply.header('cache-control', 'no-store');
      if (format === 'html')
        return reply
          .type('text/html; charset=utf-8')
          .serializer((body: unknown) => body as string)
          .send(render(report, 'html', state));
      return report;
    },
  );
}
