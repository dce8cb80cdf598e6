import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '../json-schema.ts';
import { pageText } from '../web/html.ts';
import { csrfGuard } from './csrf.ts';
import type { PortalDeps } from './deps.ts';
import { choosable } from './factors/index.ts';
import { changePassword, passwordProblemText } from './factors/password/password-change.ts';
import { defaultMethod, setDefaultMethod } from './method-choice.ts';
import { auditFactor, hasFreshSecondFactor, type Signed, signedIn } from './prove-factor.ts';
import { recentSignIns, reportSignIn } from './sign-in-report.ts';

const PasswordBody = Type.Object(
  { current: Type.String({ maxLength: 1024 }), password: Type.String({ maxLength: 1024 }) },
  { additionalProperties: false },
);
const ReportBody = Type.Object(
  { time: Type.Integer({ minimum: 0, maximum: 8.64e15, description: 'ms since the epoch, as the list gives it' }) },
  { additionalProperties: false },
);
const DefaultBody = Type.Object({ method: Type.String({ maxLength: 16 }) }, { additionalProperties: false });

/**
 * The account's self-service in JSON, for scripts and other front ends, with the rules of the
 * account page (account-routes.ts): `POST api/account/password` (a fresh second factor, else 403
 * `step_up_required`), `GET api/account/sign-ins`, `POST api/account/sign-ins/report` ("this
 * wasn't me"), `GET`/`POST api/account/default-method`. A `message` is in the request's language
 * (pageText); the `error` code is the contract.
 */
export function accountApiRoutes(deps: PortalDeps) {
  return async function accountApi(app: FastifyInstance): Promise<void> {
    const json = csrfGuard('json');

    async function session(request: FastifyRequest, reply: FastifyReply): Promise<Signed | null> {
      reply.header('cache-control', 'no-store');
      const s = await signedIn(deps, request, reply);
      if (s === 'unavailable') return null;
      if (s === null) {
        reply.code(401).send({ error: 'authentication_required' });
        return null;
      }
      return s;
    }

    app.post('/api/account/password', { onRequest: json, schema: { body: PasswordBody } }, async (request, reply) => {
      const s = await session(request, reply);
      if (s === null) return reply;
      if (!hasFreshSecondFactor(s, deps.clock.now()))
        return reply
          .code(403)
          .send({ error: 'step_up_required', message: pageText(request).t('errors.stepUpRequired') });
      const body = request.body as { current: string; password: string };
      const result = await changePassword(deps, request, reply, s, { ...body, confirm: body.password });
      if (result.ok) return { status: 'changed', sessions_ended: result.sessionsEnded };
      if (result.reason === 'bad_password') return reply.code(401).send({ error: 'invalid_credentials' });
      return reply.code(result.reason === 'not_local' ? 409 : 400).send({
        error: result.reason === 'not_local' ? 'password_not_local' : 'password_rejected',
        message: passwordProblemText(pageText(request), result.problem),
      });
    });

    app.get('/api/account/sign-ins', async (request, reply) => {
      const s = await session(request, reply);
      if (s === null) return reply;
      const signIns = await recentSignIns(deps, request, s);
      return { sign_ins: signIns.map(({ thisBrowser, ...r }) => ({ ...r, this_browser: thisBrowser })) };
    });

    app.post(
      '/api/account/sign-ins/report',
      { onRequest: json, schema: { body: ReportBody } },
      async (request, reply) => {
        const s = await session(request, reply);
        if (s === null) return reply;
        const result = await reportSignIn(deps, request, reply, s, (request.body as { time: number }).time);
        if (!result.found)
          return reply.code(404).send({ error: 'not_found', message: pageText(request).t('account.signIns.notFound') });
        return { status: 'reported', sessions_ended: result.sessionsEnded, device_forgotten: result.forgotten };
      },
    );

    app.get('/api/account/default-method', async (request, reply) => {
      const s = await session(request, reply);
      if (s === null) return reply;
      return { default_method: await defaultMethod(deps.durable, s.user.name), choices: choosable(request.pc.state) };
    });

    app.post(
      '/api/account/default-method',
      { onRequest: json, schema: { body: DefaultBody } },
      async (request, reply) => {
        const s = await session(request, reply);
        if (s === null) return reply;
        const { method } = request.body as { method: string };
        const held = (await deps.factors.list(s.user.name)).some((f) => f.kind === method);
        if (!held || !(await setDefaultMethod(deps.durable, s.user.name, method)))
          return reply
            .code(400)
            .send({ error: 'bad_request', message: pageText(request).t('account.default.notYours') });
        auditFactor(deps, request, s, 'method.default', 'info', { method });
        return { default_method: method };
      },
    );
  };
}
