import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { pageText } from '../web/html.ts';
import { csrfGuard } from './csrf.ts';
import type { PortalDeps } from './deps.ts';
import { auditFactor, mayEnrol, proveFactor, raiseSession, type Signed, signedIn } from './prove-factor.ts';
import { noSession } from './session-ended.ts';

const CodeBody = Type.Object({ code: Type.String({ maxLength: 64 }) }, { additionalProperties: false });
const Empty = Type.Object({}, { additionalProperties: false });

/**
 * Second-factor JSON API: TOTP enrolment (start/finish), proving a TOTP code or a recovery
 * code. The pages in factor-pages.ts use the same steps.
 */
export function factorRoutes(deps: PortalDeps) {
  return async function factors(app: FastifyInstance): Promise<void> {
    const json = csrfGuard('json');

    async function session(request: FastifyRequest, reply: FastifyReply): Promise<Signed | null> {
      const s = await signedIn(deps, request, reply);
      if (s === null) noSession(request, reply);
      return s === null || s === 'unavailable' ? null : s;
    }

    app.post(
      '/api/enroll/totp/start',
      { onRequest: json, schema: { body: Type.Optional(Empty) } },
      async (request, reply) => {
        const s = await session(request, reply);
        if (s === null) return reply;
        if (!mayEnrol(s, (await deps.factors.list(s.user.name)).length, deps.clock.now())) {
          return reply
            .code(403)
            .header('cache-control', 'no-store')
            .send({ error: 'step_up_required', message: pageText(request).t('errors.stepUpRequired') });
        }
        const started = await deps.factors.startTotp(s.user.name);
        return reply
          .header('cache-control', 'no-store')
          .send({ secret: started.secret, otpauth_url: started.otpauthUrl, qr_svg: started.qrSvg });
      },
    );

    app.post('/api/enroll/totp/finish', { onRequest: json, schema: { body: CodeBody } }, async (request, reply) => {
      const s = await session(request, reply);
      if (s === null) return reply;
      const result = await deps.factors.finishTotp(s.user.name, (request.body as { code: string }).code);
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

    for (const kind of ['totp', 'recovery'] as const) {
      app.post(`/api/mfa/${kind}`, { onRequest: json, schema: { body: CodeBody } }, async (request, reply) => {
        const s = await session(request, reply);
        if (s === null) return reply;
        const code = (request.body as { code: string }).code;
        const result = await proveFactor(deps, request, reply, s, kind, () =>
          kind === 'totp' ? deps.factors.proveTotp(s.user.name, code) : deps.factors.proveRecovery(s.user.name, code),
        );
        reply.header('cache-control', 'no-store');
        if (!result.ok) return reply.code(401).send({ error: 'invalid_code' });
        return reply.send({
          status: 'authenticated',
          ...(result.remaining === undefined ? {} : { remaining_recovery_codes: result.remaining }),
        });
      });
    }
  };
}
