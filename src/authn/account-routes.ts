import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isTrusted } from '../devices/devices.ts';
import { Type } from '../json-schema.ts';
import { sendPage as html, type PageText, pageText } from '../web/html.ts';
import type { MessageKey } from '../web/i18n/messages.ts';
import { accountPage } from '../web/pages/account-page.ts';
import { plural } from '../web/pages/account-text.ts';
import { csrfGuard } from './csrf.ts';
import type { PortalDeps } from './deps.ts';
import { clearDeviceCookie, presentedDevice } from './device-cookie.ts';
import { forgetDevice, type TrustRefusal, trustDevice, trustEffect } from './device-trust.ts';
import { changePassword, passwordProblemText } from './factors/password/password-change.ts';
import { recoveryCodesPage } from './factors/recovery/recovery-codes-page.ts';
import { defaultMethod, setDefaultMethod } from './method-choice.ts';
import { auditFactor, hasFreshSecondFactor, type Signed, signedIn } from './prove-factor.ts';
import { clearSessionCookie } from './session-cookie.ts';
import { recentSignIns, reportSignIn } from './sign-in-report.ts';

const RemoveForm = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });
const RenameForm = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 64 }), name: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);
const DeviceForm = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 64, description: 'the id of one of the user’s devices' }) },
  { additionalProperties: false },
);
const PasswordForm = Type.Object(
  {
    current: Type.String({ maxLength: 1024 }),
    password: Type.String({ maxLength: 1024 }),
    confirm: Type.String({ maxLength: 1024 }),
  },
  { additionalProperties: false },
);
const ReportForm = Type.Object(
  { time: Type.String({ pattern: '^[0-9]{1,15}$', description: 'the time (ms) of one of the user’s sign-ins' }) },
  { additionalProperties: false },
);
const DefaultForm = Type.Object(
  { method: Type.String({ maxLength: 16, description: 'the factor method asked for first' }) },
  { additionalProperties: false },
);
/** A form with no field: a browser may send no body at all. */
const EmptyForm = Type.Optional(Type.Object({}, { additionalProperties: false }));
const ACCOUNT = '/.portcullis/';

/** A notice or error of one message, in the page's language. */
const say = (key: MessageKey) => (text: PageText) => text.t(key);

const TRUST_NOTICES: Record<Exclude<TrustRefusal, 'step_up_required'>, MessageKey> = {
  device_trust_disabled: 'errors.trust.disabled',
  device_trust_not_allowed: 'account.notice.trustNotAllowed',
  device_mismatch: 'account.notice.trustMismatch',
};

/**
 * The account page (`/.portcullis/`): profile, second factors (list, add, remove), recovery
 * codes (count, regenerate), devices (list, forget, trust this one). Removing a factor,
 * regenerating codes and trusting this device need a second factor proven in the last 10
 * minutes; without one the user is sent to the step-up page first. Forgetting a device only
 * lowers what the account can reach, so the session is enough; forgetting the browser in use
 * signs it out. Every page and notice is in the request's language (pageText).
 */
export function accountRoutes(deps: PortalDeps) {
  return async function account(app: FastifyInstance): Promise<void> {
    const form = csrfGuard('form');

    async function session(request: FastifyRequest, reply: FastifyReply): Promise<Signed | null> {
      const s = await signedIn(deps, request, reply);
      if (s === 'unavailable') return null;
      if (s === null) {
        reply.redirect(`/.portcullis/login?rd=${encodeURIComponent(`${request.pc.origin}${ACCOUNT}`)}`, 302);
        return null;
      }
      return s;
    }
    /** Off to the step-up page, and back here. */
    function toStepUp(request: FastifyRequest, reply: FastifyReply): FastifyReply {
      return reply.redirect(`/.portcullis/stepup?rd=${encodeURIComponent(`${request.pc.origin}${ACCOUNT}`)}`, 303);
    }
    /** Sensitive changes: a fresh second factor, or off to the step-up page and back here. */
    function fresh(request: FastifyRequest, reply: FastifyReply, s: Signed): boolean {
      if (hasFreshSecondFactor(s, deps.clock.now())) return true;
      toStepUp(request, reply);
      return false;
    }
    /** The device the request's device cookie names, when it is one of the user's. */
    function thisDevice(request: FastifyRequest, s: Signed) {
      return presentedDevice(deps, request, s.user.name);
    }
    async function render(
      request: FastifyRequest,
      reply: FastifyReply,
      s: Signed,
      notice?: (text: PageText) => string,
      failure?: { error: (text: PageText) => string; status: number },
    ) {
      const text = pageText(request);
      const [factors, recovery, devices, current, signIns, chosen] = await Promise.all([
        deps.factors.list(s.user.name),
        deps.factors.recovery.count(s.user.name),
        deps.devices.list(s.user.name),
        thisDevice(request, s),
        recentSignIns(deps, request, s),
        defaultMethod(deps.durable, s.user.name),
      ]);
      const now = deps.clock.now();
      const remember = request.pc.state.session.rememberDeviceMs;
      const u = s.user;
      return html(
        reply,
        accountPage(text, {
          user: u.name,
          push: request.pc.state.push !== null,
          name: u.displayName ?? null,
          groups: u.groups,
          tenant: u.tenant,
          factors,
          recovery,
          devices: devices.map((d) => ({
            id: d.id,
            name: d.name,
            lastSeenAt: d.lastSeenAt,
            ip: d.ip,
            country: d.country,
            trustedUntil: isTrusted(d, now) ? d.trustedUntil : null,
            current: d.id === current?.record.id,
          })),
          // offered where trusting changes something (a rule looks at trusted devices)
          trustFor:
            current !== null &&
            !current.trusted &&
            remember > 0 &&
            trustEffect(request.pc.state, s, null, {
              ip: request.pc.ip,
              now,
              userAgent: request.headers['user-agent'],
            }) !== null
              ? remember
              : null,
          defaultMethod: chosen,
          password: u.passwordHash !== undefined,
          signIns: signIns.map(({ thisBrowser, ...r }) => ({ ...r, current: thisBrowser })),
          ...(notice ? { notice: notice(text) } : {}),
          ...(failure ? { error: failure.error(text) } : {}),
        }),
        failure?.status,
      );
    }

    app.get('/', async (request, reply) => {
      const s = await session(request, reply);
      if (s === null) return reply;
      return render(request, reply, s);
    });

    app.post('/account/factor/remove', { onRequest: form, schema: { body: RemoveForm } }, async (request, reply) => {
      const s = await session(request, reply);
      if (s === null || !fresh(request, reply, s)) return reply;
      const { id } = request.body as { id: string };
      const removed = await deps.factors.remove(s.user.name, id);
      if (removed) auditFactor(deps, request, s, 'factor.removed', 'info', { factor: id });
      return render(request, reply, s, say(removed ? 'account.notice.removed' : 'account.notice.noFactor'));
    });

    // a label only: no fresh second factor needed
    app.post('/account/factor/rename', { onRequest: form, schema: { body: RenameForm } }, async (request, reply) => {
      const s = await session(request, reply);
      if (s === null) return reply;
      const { id, name } = request.body as { id: string; name: string };
      const clean = name.replace(/[\u0000-\u001f\u007f]/g, '').trim();
      const renamed = clean !== '' && (await deps.durable.renameFactor(s.user.name, id, clean));
      if (renamed) auditFactor(deps, request, s, 'factor.renamed', 'info', { factor: id, name: clean });
      return render(request, reply, s, say(renamed ? 'account.notice.renamed' : 'account.notice.noFactor'));
    });

    app.post('/account/recovery', { onRequest: form }, async (request, reply) => {
      const s = await session(request, reply);
      if (s === null || !fresh(request, reply, s)) return reply;
      const codes = await deps.factors.recovery.regenerate(s.user.name);
      auditFactor(deps, request, s, 'recovery.regenerated', 'info', { count: codes.length });
      const text = pageText(request);
      const { t } = text;
      return html(
        reply,
        recoveryCodesPage(text, {
          codes,
          next: ACCOUNT,
          heading: t('account.recovery.new'),
          note: t('account.recovery.previous'),
        }),
      );
    });

    app.post('/account/device/forget', { onRequest: form, schema: { body: DeviceForm } }, async (request, reply) => {
      const s = await session(request, reply);
      if (s === null) return reply;
      const { id } = request.body as { id: string };
      const device = (await deps.devices.list(s.user.name)).find((d) => d.id === id);
      if (device === undefined) return render(request, reply, s, say('account.notice.noDevice'));
      const current = await thisDevice(request, s);
      const { forgotten, sessionsEnded } = await forgetDevice(deps, s.user.name, id);
      if (!forgotten) return render(request, reply, s, say('account.notice.noDevice'));
      auditFactor(deps, request, s, 'device.forgotten', 'info', { device: device.name, sessions_ended: sessionsEnded });
      if (current?.record.id === id || s.session.device === id) {
        // the browser in use: its session ends too, and it signs in again as a new device
        await deps.sessions.destroy(s.session);
        clearSessionCookie(reply, request.pc.state);
        clearDeviceCookie(reply, request.pc.state);
        return reply
          .header('cache-control', 'no-store')
          .redirect(`/.portcullis/login?rd=${encodeURIComponent(`${request.pc.origin}${ACCOUNT}`)}`, 303);
      }
      return render(request, reply, s, (text) =>
        [
          text.t('account.notice.forgotten', { device: device.name }),
          ...(sessionsEnded === 0 ? [] : [plural(text, 'account.notice.sessionsEnded', sessionsEnded)]),
        ].join(' '),
      );
    });

    // an order of preference only: what a session may reach does not change, so no fresh factor
    app.post('/account/method/default', { onRequest: form, schema: { body: DefaultForm } }, async (request, reply) => {
      const s = await session(request, reply);
      if (s === null) return reply;
      const { method } = request.body as { method: string };
      const held = (await deps.factors.list(s.user.name)).some((f) => f.kind === method);
      if (!held || !(await setDefaultMethod(deps.durable, s.user.name, method)))
        return render(request, reply, s, undefined, { error: say('account.default.refused'), status: 400 });
      auditFactor(deps, request, s, 'method.default', 'info', { method });
      return render(request, reply, s, say('account.default.saved'));
    });

    app.post('/account/password', { onRequest: form, schema: { body: PasswordForm } }, async (request, reply) => {
      const s = await session(request, reply);
      if (s === null || !fresh(request, reply, s)) return reply;
      const result = await changePassword(
        deps,
        request,
        reply,
        s,
        request.body as { current: string; password: string; confirm: string },
      );
      if (!result.ok)
        return render(request, reply, s, undefined, {
          error: (text) => passwordProblemText(text, result.problem),
          status: 400,
        });
      request.pc = { ...request.pc, state: deps.current() };
      const ended = result.sessionsEnded;
      return render(request, reply, result.signed, (text) =>
        [
          text.t('account.password.changed'),
          ...(ended === 0 ? [] : [plural(text, 'account.password.othersEnded', ended)]),
        ].join(' '),
      );
    });

    // it only takes access away (the other sessions, a device), so the session is enough: a user
    // who sees a stranger's sign-in must be able to act at once, without a factor at hand
    app.post('/account/signin/report', { onRequest: form, schema: { body: ReportForm } }, async (request, reply) => {
      const s = await session(request, reply);
      if (s === null) return reply;
      const result = await reportSignIn(deps, request, reply, s, Number((request.body as { time: string }).time));
      if (!result.found)
        return render(request, reply, s, undefined, { error: say('account.signIns.notFound'), status: 404 });
      return render(
        request,
        reply,
        result.signed,
        say(result.forgotten ? 'account.signIns.reportedForgotten' : 'account.signIns.reported'),
      );
    });

    app.post('/account/device/trust', { onRequest: form, schema: { body: EmptyForm } }, async (request, reply) => {
      const s = await session(request, reply);
      if (s === null) return reply;
      const result = await trustDevice(deps, request, reply, s, null);
      if (result.ok)
        return render(request, reply, s, (text) => text.t('account.notice.trusted', { date: text.when(result.until) }));
      if (result.error === 'step_up_required') return toStepUp(request, reply);
      return render(request, reply, s, say(TRUST_NOTICES[result.error]));
    });
  };
}
