import type { FastifyInstance } from 'fastify';
import { Type } from '../../../json-schema.ts';
import { pageText } from '../../../web/html.ts';
import { csrfGuard } from '../../csrf.ts';
import type { PortalDeps } from '../../deps.ts';
import { auditFactor, mayEnrol, proveFactor, raiseSession } from '../../prove-factor.ts';
import { apiSession } from '../../session-ended.ts';

const CodeBody = Type.Object({ code: Type.String({ maxLength: 64 }) }, { additionalProperties: false });
const Empty = Type.Object({}, { additionalProperties: false });

/**
 * The authenticator app's JSON API: enrolment (start/finish) and proving a code. The page posts
 * (totp-page-routes.ts) use the same steps.
 */
export function totpRoutes(deps: PortalDeps) {
  return async function totp(app: FastifyInstance): Promise<void> {
    const json = csrfGuard('json');

    app.post(
      '/api/enroll/totp/start',
      { onRequest: json, schema: { body: Type.Optional(Empty) } },
      async (request, reply) => {
        const s = await apiSession(deps, request, reply);
        if (s === null) return reply;
        if (!mayEnrol(s, (await deps.factors.list(s.user.name)).length, deps.clock.now())) {
          return reply
            .code(403)
            .header('cache-control', 'no-store')
            .send({ error: 'step_up_required', message: pageText(request).t('errors.stepUpRequired') });
        }
        const started = await deps.factors.totp.start(s.user.name);
        return reply
          .header('cache-control', 'no-store')
          .send({ secret: started.secret, otpauth_url: started.otpauthUrl, qr_svg: started.qrSvg });
      },
    );

    app.post('/api/enroll/totp/finish', { onRequest: json, schema: { body: CodeBody } }, async (request, reply) => {
      const s = await apiSession(deps, request, reply);
      if (s === null) return reply;
      const result = await deps.factors.totp.finish(s.user.name, (request.body as { code: string }).code);
      reply.header('cache-control', 'no-store');
      if (!result.ok) {
        auditFactor(deps, request, s, 'enroll.totp.failure', 'failure', { reason: result.reason });
        const none = result.reason === 'no_enrollment';
        return reply.code(none ? 409 : 401).send({ error: none ? 'no_enrollment' : 'invalid_code' });
      }
      await raiseSession(deps, request, reply, s, 'totp');
      auditFactor(deps, request, s, 'enroll.totp', 'success', {
        factor: result.factor.id,
        recovery_codes_issued: result.recoveryCodes.length,
      });
      return reply.send({ status: 'authenticated', recovery_codes: result.recoveryCodes });
    });

    app.post('/api/mfa/totp', { onRequest: json, schema: { body: CodeBody } }, async (request, reply) => {
      const s = await apiSession(deps, request, reply);
      if (s === null) return reply;
      const code = (request.body as { code: string }).code;
      const result = await proveFactor(deps, request, reply, s, 'totp', () =>
        deps.factors.totp.prove(s.user.name, code),
      );
      reply.header('cache-control', 'no-store');
      if (!result.ok) return reply.code(401).send({ error: 'invalid_code' });
      return reply.send({ status: 'authenticated' });
    });
  };
}
