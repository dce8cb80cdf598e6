/**
 * The temporary access code of a user who lost their second factor, after the password: the
 * page (`/.portcullis/access-code`, linked from the step-up page) and the JSON API
 * (`POST /.portcullis/api/mfa/access-code {code}`). A valid code is used up and leaves the
 * session able to do one thing: enrol a new factor (`enrol`, which meets no rule); the
 * enrolment then raises the session like any proof (prove-factor.ts raiseSession).
 *
 * Lockout as for any factor: a locked account or browser is refused like a wrong code, and a
 * wrong code counts. A malformed one is answered without looking anything up or counting. The
 * right code after its expiry says so (the user asks for a new one) and is audited
 * `access_code.expired`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '../../json-schema.ts';
import { sendPage as html, pageText } from '../../web/html.ts';
import { accessCodePage } from '../../web/pages/access-code-page.ts';
import { csrfGuard } from '../csrf.ts';
import type { PortalDeps } from '../deps.ts';
import { factorChoices } from '../next-step.ts';
import {
  auditFactor,
  countFailure,
  hasFreshSecondFactor,
  lockoutClient,
  type Signed,
  signedIn,
} from '../prove-factor.ts';
import { safeRedirect } from '../redirect.ts';
import { requestScope, setSessionCookie } from '../session-cookie.ts';
import { noSession, pageSession } from '../session-ended.ts';
import { redeemAccessCode } from './access-codes.ts';

const RdQuery = Type.Object({ rd: Type.Optional(Type.String({ maxLength: 4096 })) });
const CodeForm = Type.Object(
  { code: Type.String({ maxLength: 64 }), rd: Type.Optional(Type.String({ maxLength: 4096 })) },
  { additionalProperties: false },
);
const CodeBody = Type.Object({ code: Type.String({ maxLength: 64 }) }, { additionalProperties: false });

type Used = { ok: true } | { ok: false; reason: 'invalid' | 'malformed' | 'expired' };

/** Uses the code for the session's user; on success the session may only enrol (a new handle, set as the cookie). */
async function useAccessCode(
  deps: PortalDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  s: Signed,
  code: string,
): Promise<Used> {
  // already able to enrol: nothing to use up
  if (s.session.enrol === true) return { ok: true };
  const client = await lockoutClient(deps, request, s);
  if ((await deps.lockout.lockedBy(client)) !== null) {
    await countFailure(deps, request, s, client, 'access_code', 'access_code.failure', 'locked');
    return { ok: false, reason: 'invalid' };
  }
  const result = await redeemAccessCode(deps, s.user.name, code);
  if (!result.ok) {
    if (result.reason === 'invalid')
      await countFailure(deps, request, s, client, 'access_code', 'access_code.failure', 'invalid');
    if (result.reason === 'expired')
      auditFactor(deps, request, s, 'access_code.expired', 'failure', {
        issued_by: result.code.createdBy,
        expired_at: new Date(result.code.expiresAt).toISOString(),
        presented: true,
      });
    return { ok: false, reason: result.reason };
  }
  const { id } = await deps.sessions.amend(s.sessionId, s.session, { enrol: true }, requestScope(request));
  setSessionCookie(reply, request.pc.state, id);
  auditFactor(deps, request, s, 'access_code.used', 'success', {
    issued_by: result.code.createdBy,
    issued_at: new Date(result.code.createdAt).toISOString(),
  });
  return { ok: true };
}

const PAGE_ERRORS = {
  invalid: 'accessCode.error.invalid',
  malformed: 'accessCode.error.malformed',
  expired: 'accessCode.error.expired',
} as const;

export function accessCodeRoutes(deps: PortalDeps) {
  return async function accessCodes(app: FastifyInstance): Promise<void> {
    const form = csrfGuard('form');
    const json = csrfGuard('json');
    const rdOf = (request: FastifyRequest, value: unknown) => safeRedirect(value, request.pc.state, request.pc.origin);
    const toEnrol = (reply: FastifyReply, rd: string | null, status: 302 | 303) =>
      reply
        .header('cache-control', 'no-store')
        .redirect(`/.portcullis/enroll${rd ? `?rd=${encodeURIComponent(rd)}` : ''}`, status);
    /** a second factor proven a moment ago, or enrolment already allowed: no code needed */
    const needsNoCode = (s: Signed) => s.session.enrol === true || hasFreshSecondFactor(s, deps.clock.now());

    app.get('/access-code', { schema: { querystring: RdQuery } }, async (request, reply) => {
      const rd = rdOf(request, (request.query as { rd?: string }).rd);
      const s = await pageSession(deps, request, reply, rd);
      if (s === null) return reply;
      if (needsNoCode(s)) return toEnrol(reply, rd, 302);
      return html(reply, accessCodePage(pageText(request), { user: s.user.name, rd }));
    });

    app.post('/access-code', { onRequest: form, schema: { body: CodeForm } }, async (request, reply) => {
      const body = request.body as { code: string; rd?: string };
      const rd = rdOf(request, body.rd);
      const s = await pageSession(deps, request, reply, rd);
      if (s === null) return reply;
      if (needsNoCode(s)) return toEnrol(reply, rd, 303);
      const used = await useAccessCode(deps, request, reply, s, body.code);
      if (used.ok) return toEnrol(reply, rd, 303);
      const text = pageText(request);
      return html(
        reply,
        accessCodePage(text, { user: s.user.name, rd, error: text.t(PAGE_ERRORS[used.reason]) }),
        used.reason === 'malformed' ? 400 : 401,
      );
    });

    app.post('/api/mfa/access-code', { onRequest: json, schema: { body: CodeBody } }, async (request, reply) => {
      const s = await signedIn(deps, request, reply);
      if (s === 'unavailable') return reply;
      if (s === null) return noSession(request, reply);
      reply.header('cache-control', 'no-store');
      const enrol = factorChoices(null, [], request.pc.state).enrol;
      if (needsNoCode(s)) return reply.send({ status: 'enrollment_required', methods: enrol });
      const used = await useAccessCode(deps, request, reply, s, (request.body as { code: string }).code);
      if (used.ok) return reply.send({ status: 'enrollment_required', methods: enrol });
      if (used.reason === 'expired')
        return reply
          .code(401)
          .send({ error: 'access_code_expired', message: pageText(request).t(PAGE_ERRORS.expired) });
      return reply.code(401).send({ error: 'invalid_code' });
    });
  };
}
