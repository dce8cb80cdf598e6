import type { FastifyInstance } from 'fastify';
import { auditFrom } from '../audit/where.ts';
import { Type } from '../json-schema.ts';
import { canonicalUsername } from '../users/canonical.ts';
import { hashPassword, passwordRuleBroken } from '../users/password.ts';
import { addUser } from '../users/users-file.ts';
import { sendPage as html, pageText } from '../web/html.ts';
import { passwordRuleText } from '../web/pages/password-rule-text.ts';
import { setupPage } from '../web/pages/setup-page.ts';
import { csrfGuard } from './csrf.ts';
import type { PortalDeps } from './deps.ts';
import { startSession } from './sign-in.ts';

const SetupForm = Type.Object(
  {
    token: Type.String({ maxLength: 256 }),
    username: Type.String({ maxLength: 256 }),
    password: Type.String({ maxLength: 1024 }),
    confirm: Type.String({ maxLength: 1024 }),
  },
  { additionalProperties: false },
);

/**
 * The first-administrator set-up: available only while no user exists and only with the
 * one-time token printed at start-up. It writes users.yaml (group `admins`), reloads, signs the
 * new administrator in and leads on to enrolling a second factor, which the account owes from
 * then on: abandoned after the password, it is asked to enrol at its next sign-in, whatever the
 * policy says (sign-in.ts).
 */
export function setupRoutes(deps: PortalDeps) {
  return async function setup(app: FastifyInstance): Promise<void> {
    app.get('/setup', async (request, reply) => {
      const text = pageText(request);
      if (request.pc.state.users.size > 0 || !deps.setup.active)
        return html(reply, setupPage(text, { done: true }), 410);
      return html(reply, setupPage(text, {}));
    });

    app.post('/setup', { onRequest: csrfGuard('form'), schema: { body: SetupForm } }, async (request, reply) => {
      const body = request.body as { token: string; username: string; password: string; confirm: string };
      const state = request.pc.state;
      const text = pageText(request);
      if (state.users.size > 0 || !deps.setup.active) return html(reply, setupPage(text, { done: true }), 410);
      if (!deps.setup.matches(body.token))
        return html(
          reply,
          setupPage(text, { username: body.username, error: text.t('setup.error.token'), field: 'token' }),
          403,
        );
      const name = canonicalUsername(body.username);
      const rule = name === null ? null : passwordRuleBroken(body.password, name);
      const problem =
        name === null
          ? text.t('setup.error.username')
          : body.password !== body.confirm
            ? text.t('setup.error.mismatch')
            : rule === null
              ? null
              : passwordRuleText(text, rule);
      if (problem !== null || name === null) {
        const field = name === null ? 'username' : body.password !== body.confirm ? 'confirm' : 'password';
        return html(reply, setupPage(text, { username: body.username, error: problem ?? 'invalid', field }), 400);
      }
      if (!deps.setup.consume(body.token)) return html(reply, setupPage(text, { done: true }), 410);
      // asked to enrol at every sign-in until it holds a second factor, if the set-up stops here
      await deps.durable.markEnrolmentDue(name, deps.clock.now());
      await addUser(state.files.usersPath, name, {
        name,
        password: await hashPassword(body.password),
        groups: ['admins'],
      });
      await deps.reload();
      deps.audit.record({
        event: 'setup.first_admin',
        outcome: 'success',
        tenant: null,
        user: name,
        ...auditFrom(request),
        app: null,
        rule: null,
        detail: null,
      });
      const user = deps.current().users.get(name);
      if (user === undefined) return html(reply, setupPage(text, { done: true }));
      request.pc = { ...request.pc, state: deps.current() };
      await startSession(deps, request, reply, user);
      // the first administrator enrols a second factor right away
      return reply
        .header('cache-control', 'no-store')
        .redirect(`/.portcullis/enroll?rd=${encodeURIComponent(`${request.pc.origin}/.portcullis/`)}`, 303);
    });
  };
}
