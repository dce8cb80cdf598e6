import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { auditFrom } from '../audit/where.ts';
import { Type } from '../json-schema.ts';
import type { InviteRecord } from '../stores/durable.ts';
import type { DirectoryUser } from '../users/directory.ts';
import { hashPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, passwordRuleBroken } from '../users/password.ts';
import { setUserField } from '../users/users-file.ts';
import { sendPage as html, pageText } from '../web/html.ts';
import { inviteGonePage, inviteOpenPage, invitePasswordPage } from '../web/pages/invite-page.ts';
import { passwordRuleText } from '../web/pages/password-rule-text.ts';
import { csrfGuard } from './csrf.ts';
import type { PortalDeps } from './deps.ts';
import { inviteTokenHash, lookUpInvite } from './invites.ts';
import { defaultRedirect } from './redirect.ts';
import { goOnAfterFirstFactor, startSession } from './sign-in.ts';

const OpenForm = Type.Object({ token: Type.String({ maxLength: 256 }) }, { additionalProperties: false });
const PasswordForm = Type.Object(
  {
    token: Type.String({ maxLength: 256 }),
    // the read-only field that tells password managers whose password this is; not read
    username: Type.Optional(Type.String({ maxLength: 256 })),
    // code points are counted by the rules; a code point is at most two UTF-16 units
    password: Type.String({ maxLength: 2 * MAX_PASSWORD_LENGTH }),
    confirm: Type.String({ maxLength: 2 * MAX_PASSWORD_LENGTH }),
  },
  { additionalProperties: false },
);

/**
 * The invitation pages (`portcullis user invite`): the link opens /.portcullis/invite, whose
 * script sends the token from the fragment; the person then sets a password (the rules of
 * passwordRuleBroken) and is signed in, and, owing a second factor, goes on to enrol one. The
 * invite is used (deleted) only when the password is accepted: a refused password can be
 * corrected with the same link. An expired link is audited (`invite.expired`) and removed.
 */
export function inviteRoutes(deps: PortalDeps) {
  return async function invite(app: FastifyInstance): Promise<void> {
    const form = csrfGuard('form');

    /** The account an invite is for, as the state in force has it (reloaded once when the CLI just wrote it). */
    async function accountOf(invite: InviteRecord): Promise<DirectoryUser | null> {
      let user = deps.current().users.get(invite.user);
      if (user === undefined) {
        await deps.reload();
        user = deps.current().users.get(invite.user);
      }
      return user === undefined || user.disabled || user.passwordHash !== undefined ? null : user;
    }

    /** The invite a form carries, or null once the answer (a page saying why not) is sent. */
    async function presented(
      request: FastifyRequest,
      reply: FastifyReply,
      token: string,
    ): Promise<{ invite: InviteRecord; user: DirectoryUser } | null> {
      const found = await lookUpInvite(deps.durable, deps.clock, token);
      if (found.status === 'expired') {
        await deps.durable.removeInvite(found.invite.tokenHash);
        audit(request, 'invite.expired', 'failure', found.invite.user, {
          expired_at: new Date(found.invite.expiresAt).toISOString(),
        });
        html(reply, inviteGonePage(pageText(request), { expired: true }), 410);
        return null;
      }
      const user = found.status === 'valid' ? await accountOf(found.invite) : null;
      if (found.status !== 'valid' || user === null) {
        if (found.status === 'valid')
          audit(request, 'invite.refused', 'failure', found.invite.user, { reason: 'account_not_invitable' });
        html(reply, inviteGonePage(pageText(request), { expired: false }), 404);
        return null;
      }
      return { invite: found.invite, user };
    }

    function audit(
      request: FastifyRequest,
      event: string,
      outcome: 'success' | 'failure',
      user: string,
      detail: Record<string, unknown>,
    ): void {
      deps.audit.record({
        event,
        outcome,
        tenant: deps.current().users.get(user)?.tenant ?? null,
        user,
        ...auditFrom(request),
        app: null,
        rule: null,
        detail,
      });
    }

    const passwordPage = (request: FastifyRequest, user: DirectoryUser, token: string, error?: string) =>
      invitePasswordPage(pageText(request), {
        user: user.name,
        name: user.displayName,
        token,
        minLength: MIN_PASSWORD_LENGTH,
        maxLength: MAX_PASSWORD_LENGTH,
        ...(error === undefined ? {} : { error }),
      });

    app.get('/invite', async (request, reply) => html(reply, inviteOpenPage(pageText(request))));

    app.post('/invite', { onRequest: form, schema: { body: OpenForm } }, async (request, reply) => {
      const { token } = request.body as { token: string };
      const found = await presented(request, reply, token);
      if (found === null) return reply;
      return html(reply, passwordPage(request, found.user, token));
    });

    app.post('/invite/password', { onRequest: form, schema: { body: PasswordForm } }, async (request, reply) => {
      const body = request.body as { token: string; password: string; confirm: string };
      const found = await presented(request, reply, body.token);
      if (found === null) return reply;
      const text = pageText(request);
      const rule = passwordRuleBroken(body.password, found.user.name);
      const problem =
        body.password !== body.confirm
          ? text.t('invite.error.mismatch')
          : rule === null
            ? null
            : passwordRuleText(text, rule);
      if (problem !== null) return html(reply, passwordPage(request, found.user, body.token, problem), 400);
      // used here, once: of two forms sent at once, one sets the password
      const taken = await deps.durable.takeInvite(inviteTokenHash(body.token), deps.clock.now());
      if (taken === null) return html(reply, inviteGonePage(text, { expired: false }), 404);
      await setUserField(request.pc.state.files.usersPath, taken.user, 'password', await hashPassword(body.password));
      await deps.reload();
      const user = deps.current().users.get(taken.user);
      audit(request, 'invite.used', 'success', taken.user, { issued_by: taken.createdBy });
      if (user === undefined || user.passwordHash === undefined)
        return html(reply, inviteGonePage(text, { expired: false }), 404);
      request.pc = { ...request.pc, state: deps.current() };
      const signed = await startSession(deps, request, reply, user);
      const target = defaultRedirect(request.pc.state);
      return goOnAfterFirstFactor(deps, request, reply, signed, target);
    });
  };
}
