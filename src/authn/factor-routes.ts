import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { type FoundSession, readSession } from '../gate/session-lookup.ts';
import type { FactorName } from '../session/session.ts';
import { csrfGuard } from './csrf.ts';
import type { PortalDeps } from './deps.ts';
import { setSessionCookie } from './session-cookie.ts';

const CodeBody = Type.Object({ code: Type.String({ maxLength: 64 }) }, { additionalProperties: false });
const Empty = Type.Object({}, { additionalProperties: false });
/** Adding a factor next to existing ones needs a second factor proven this recently. */
const FRESH_MFA_MS = 10 * 60_000;

type Signed = FoundSession & {
  session: NonNullable<FoundSession['session']>;
  user: NonNullable<FoundSession['user']>;
  sessionId: string;
};

/** The signed-in session of the request, or a 401 sent (or a 503 when the store is down). */
async function signedIn(deps: PortalDeps, request: FastifyRequest, reply: FastifyReply): Promise<Signed | null> {
  const found = await readSession(request, reply, deps.sessions, deps.metrics);
  if (found === 'unavailable') return null;
  if (found.session === null || found.user === null || found.sessionId === undefined) {
    reply.code(401).header('cache-control', 'no-store').send({ error: 'authentication_required' });
    return null;
  }
  return found as Signed;
}

/** The one way a session rises: record the factor, move to a new id, set the cookie. */
async function raise(
  deps: PortalDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  s: Signed,
  factor: FactorName,
): Promise<void> {
  const { id } = await deps.sessions.raise(s.sessionId, s.session, factor);
  setSessionCookie(reply, request.pc.state, id);
}

/**
 * Second-factor API: TOTP enrolment (start/finish), proving a TOTP code or a recovery code.
 * Failures count towards the lockout like password failures, and a locked account gets the
 * same answer as a wrong code. Every outcome is an audit event; no code ever reaches a log.
 */
export function factorRoutes(deps: PortalDeps) {
  return async function factors(app: FastifyInstance): Promise<void> {
    const json = csrfGuard('json');
    const audit = (
      request: FastifyRequest,
      s: Signed,
      event: string,
      outcome: 'success' | 'failure' | 'info',
      detail: Record<string, unknown>,
    ) =>
      deps.audit.record({
        event,
        outcome,
        tenant: s.user.tenant,
        user: s.user.name,
        ip: request.pc.ip,
        country: null,
        device: null,
        app: request.pc.app?.name ?? null,
        rule: null,
        detail,
      });

    /** Runs one proof attempt under the lockout; answers 401 invalid_code on any failure. */
    async function attempt(
      request: FastifyRequest,
      reply: FastifyReply,
      s: Signed,
      kind: 'totp' | 'recovery',
      prove: () => Promise<{ ok: boolean; reason?: string; remaining?: number }>,
    ) {
      const locked = await deps.lockout.isLocked(s.user.name, request.pc.ip);
      const result = locked ? { ok: false, reason: 'locked' } : await prove();
      reply.header('cache-control', 'no-store');
      if (!result.ok) {
        const counted = await deps.lockout.recordFailure(s.user.name, request.pc.ip, kind);
        if (counted.locked) audit(request, s, 'lockout', 'info', { failures: counted.failures });
        audit(request, s, `mfa.${kind}.failure`, 'failure', { reason: result.reason ?? 'invalid' });
        deps.metrics.observeLogin('failure');
        return reply.code(401).send({ error: 'invalid_code' });
      }
      await deps.lockout.recordSuccess(s.user.name);
      await raise(deps, request, reply, s, kind);
      audit(
        request,
        s,
        `mfa.${kind}.success`,
        'success',
        result.remaining === undefined ? {} : { remaining: result.remaining },
      );
      deps.metrics.observeLogin('success');
      return reply.send({
        status: 'authenticated',
        ...(result.remaining === undefined ? {} : { remaining_recovery_codes: result.remaining }),
      });
    }

    app.post(
      '/api/enroll/totp/start',
      { onRequest: json, schema: { body: Type.Optional(Empty) } },
      async (request, reply) => {
        const s = await signedIn(deps, request, reply);
        if (s === null) return reply;
        const existing = await deps.factors.list(s.user.name);
        const lastMfa = Math.max(
          s.session.factors.totp ?? 0,
          s.session.factors.webauthn ?? 0,
          s.session.factors.push ?? 0,
          s.session.factors.recovery ?? 0,
        );
        if (existing.length > 0 && deps.clock.now() - lastMfa > FRESH_MFA_MS) {
          return reply
            .code(403)
            .header('cache-control', 'no-store')
            .send({ error: 'step_up_required', message: 'Prove a second factor first.' });
        }
        const started = await deps.factors.startTotp(s.user.name);
        return reply
          .header('cache-control', 'no-store')
          .send({ secret: started.secret, otpauth_url: started.otpauthUrl, qr_svg: started.qrSvg });
      },
    );

    app.post('/api/enroll/totp/finish', { onRequest: json, schema: { body: CodeBody } }, async (request, reply) => {
      const s = await signedIn(deps, request, reply);
      if (s === null) return reply;
      const result = await deps.factors.finishTotp(s.user.name, (request.body as { code: string }).code);
      reply.header('cache-control', 'no-store');
      if (!result.ok) {
        audit(request, s, 'enroll.totp.failure', 'failure', { reason: result.reason });
        return reply
          .code(result.reason === 'no_enrollment' ? 409 : 401)
          .send({ error: result.reason === 'no_enrollment' ? 'no_enrollment' : 'invalid_code' });
      }
      await raise(deps, request, reply, s, 'totp');
      audit(request, s, 'enroll.totp', 'success', {
        factor: result.factor.id,
        recovery_codes_issued: result.recoveryCodes.length,
      });
      return reply.send({ status: 'authenticated', recovery_codes: result.recoveryCodes });
    });

    app.post('/api/mfa/totp', { onRequest: json, schema: { body: CodeBody } }, async (request, reply) => {
      const s = await signedIn(deps, request, reply);
      if (s === null) return reply;
      return attempt(request, reply, s, 'totp', () =>
        deps.factors.proveTotp(s.user.name, (request.body as { code: string }).code),
      );
    });

    app.post('/api/mfa/recovery', { onRequest: json, schema: { body: CodeBody } }, async (request, reply) => {
      const s = await signedIn(deps, request, reply);
      if (s === null) return reply;
      return attempt(request, reply, s, 'recovery', () =>
        deps.factors.proveRecovery(s.user.name, (request.body as { code: string }).code),
      );
    });
  };
}
