import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '../../../json-schema.ts';
import { sendPage as html, pageText } from '../../../web/html.ts';
import type { MessageKey } from '../../../web/i18n/messages.ts';
import { continueTo, formActionFor } from '../../continue-to.ts';
import { csrfGuard } from '../../csrf.ts';
import type { PortalDeps } from '../../deps.ts';
import { alreadyMet, stepUpAgain, trustAfterProof } from '../../factor-page-steps.ts';
import { defaultRedirect, safeRedirect } from '../../redirect.ts';
import { pageSession } from '../../session-ended.ts';
import { pushWaitPage } from './push-page-parts.ts';
import { settlePush } from './push-proof.ts';
import { type PushStartError, START_STATUS, startPush } from './push-start.ts';

const Rd = Type.Optional(Type.String({ maxLength: 4096 }));
const Trust = Type.Optional(Type.Literal('1', { description: 'the "trust this device" box, ticked' }));
const SendForm = Type.Object({ rd: Rd, trust: Trust }, { additionalProperties: false });
const CheckForm = Type.Object(
  { rid: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }), rd: Rd, trust: Trust },
  { additionalProperties: false },
);

const START_ERROR: Record<PushStartError, MessageKey> = {
  push_disabled: 'push.error.unreachable',
  no_push_device: 'push.error.unreachable',
  push_blocked: 'push.error.blocked',
  push_rate_limited: 'push.error.limited',
  push_unreachable: 'push.error.unreachable',
};

/**
 * Push on the pages, without JavaScript: the step-up page's button sends a request to the
 * user's phones (`POST /push/send`) and shows the number to pick there; once the phone approved,
 * `POST /push/check` raises the session (and trusts the browser when the box was ticked) and
 * goes on to `rd`. Not answered yet: the same page again. Denied, expired, over a limit: the
 * step-up page with why, and the other ways.
 */
export function pushPageRoutes(deps: PortalDeps) {
  return async function pushPages(app: FastifyInstance): Promise<void> {
    const form = csrfGuard('form');
    const rdOf = (request: FastifyRequest, value: unknown) => safeRedirect(value, request.pc.state, request.pc.origin);

    app.post('/push/send', { onRequest: form, schema: { body: SendForm } }, async (request, reply) => {
      const body = request.body as { rd?: string; trust?: '1' };
      const rd = rdOf(request, body.rd);
      const s = await pageSession(deps, request, reply, rd);
      if (s === null) return reply;
      if (alreadyMet(deps, request, s, rd))
        return continueTo(deps, request, reply, rd ?? defaultRedirect(request.pc.state), s.session);
      const started = await startPush(deps, request, s, rd);
      if (!started.ok) {
        const text = pageText(request);
        const page = await stepUpAgain(deps, request, s, rd, 'push', text.t(START_ERROR[started.error]));
        return html(reply, page, START_STATUS[started.error], formActionFor(request, rd));
      }
      const { rid, number } = started.request;
      return html(
        reply,
        pushWaitPage(pageText(request), { user: s.user.name, rd, rid, number, trust: body.trust === '1' }),
        200,
        formActionFor(request, rd),
      );
    });

    app.post('/push/check', { onRequest: form, schema: { body: CheckForm } }, async (request, reply) => {
      const body = request.body as { rid: string; rd?: string; trust?: '1' };
      const rd = rdOf(request, body.rd);
      const s = await pageSession(deps, request, reply, rd);
      if (s === null) return reply;
      const onward = rd ?? defaultRedirect(request.pc.state);
      const text = pageText(request);
      const outcome = await settlePush(deps, request, reply, s, body.rid);
      if (outcome.status === 'pending') {
        const pending = await deps.push.get(body.rid, s.user.name);
        if (pending !== null)
          return html(
            reply,
            pushWaitPage(text, {
              user: s.user.name,
              rd,
              rid: body.rid,
              number: pending.number,
              trust: body.trust === '1',
              note: text.t('push.wait.pending'),
            }),
            200,
            formActionFor(request, rd),
          );
      }
      if (outcome.status === 'authenticated') {
        const risen =
          body.trust === '1'
            ? (await trustAfterProof(deps, request, reply, outcome.signed, rd)).signed
            : outcome.signed;
        return continueTo(deps, request, reply, onward, risen.session);
      }
      const why =
        outcome.status === 'refused' && outcome.error === 'push_expired' ? 'push.error.expired' : 'push.error.denied';
      return html(reply, await stepUpAgain(deps, request, s, rd, 'push', text.t(why)), 401, formActionFor(request, rd));
    });
  };
}
