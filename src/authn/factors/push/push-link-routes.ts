import type { FastifyInstance } from 'fastify';
import { Type } from '../../../json-schema.ts';
import { sendPage as html, pageText } from '../../../web/html.ts';
import { csrfGuard } from '../../csrf.ts';
import type { PortalDeps } from '../../deps.ts';
import { pushLinkOpenPage, pushLinkRequestPage, pushLinkResultPage } from './push-link-pages.ts';
import { recordAnswer } from './push-routes.ts';

const Token = Type.String({ maxLength: 64 });
const OpenForm = Type.Object({ token: Token }, { additionalProperties: false });
const AnswerForm = Type.Object(
  {
    token: Token,
    action: Type.Union([Type.Literal('approve'), Type.Literal('deny'), Type.Literal('report')]),
    choice: Type.Optional(Type.String({ pattern: '^[0-9]{2}$' })),
  },
  { additionalProperties: false },
);

/**
 * The approval pages of link channels (no session: the one-time code from the link is the
 * proof): `GET /push/link` only serves the page (a link preview or a mail scanner that fetches it
 * changes nothing); `POST /push/link` shows the request; `POST /push/link/answer` answers it,
 * once. The code never appears in a URL the server sees.
 */
export function pushLinkRoutes(deps: PortalDeps) {
  return async function pushLinks(app: FastifyInstance): Promise<void> {
    const form = csrfGuard('form');

    app.get('/push/link', async (request, reply) => html(reply, pushLinkOpenPage(pageText(request))));

    app.post('/push/link', { onRequest: form, schema: { body: OpenForm } }, async (request, reply) => {
      const { token } = request.body as { token: string };
      const text = pageText(request);
      const shown = await deps.pushLinks.view(token.trim());
      if (shown === null) return html(reply, pushLinkResultPage(text, 'push.link.gone'), 410);
      return html(reply, pushLinkRequestPage(text, shown.request, token.trim()));
    });

    app.post('/push/link/answer', { onRequest: form, schema: { body: AnswerForm } }, async (request, reply) => {
      const body = request.body as { token: string; action: 'approve' | 'deny' | 'report'; choice?: string };
      const text = pageText(request);
      const answered = await deps.pushLinks.answer(
        body.token.trim(),
        body.action,
        body.choice === undefined ? undefined : Number(body.choice),
      );
      if (answered === null || !answered.result.ok || answered.result.action === 'view')
        return html(reply, pushLinkResultPage(text, 'push.link.gone'), 410);
      const { result } = answered;
      await recordAnswer(deps, request, { user: result.request.user, id: answered.device }, result);
      const key =
        result.state === 'approved'
          ? 'push.link.approved'
          : result.state === 'reported'
            ? 'push.link.reported'
            : 'push.link.denied';
      return html(reply, pushLinkResultPage(text, key));
    });
  };
}
