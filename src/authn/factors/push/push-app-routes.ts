import type { FastifyInstance } from 'fastify';
import { Type } from '../../../json-schema.ts';
import { sendPage as html, pageText } from '../../../web/html.ts';
import { formActionFor } from '../../continue-to.ts';
import { csrfGuard } from '../../csrf.ts';
import type { PortalDeps } from '../../deps.ts';
import { safeRedirect } from '../../redirect.ts';
import { pageSession } from '../../session-ended.ts';
import { pushAppPage, pushPairPage } from './push-app-pages.ts';
import { pairing } from './push-routes.ts';

const PairForm = Type.Object({ rd: Type.Optional(Type.String({ maxLength: 4096 })) }, { additionalProperties: false });

/**
 * The approving web app: its page (`GET /push/app`, no session: the phone is not signed in;
 * it acts with its pairing code or its device key), its manifest, and the account page's
 * pairing (`POST /push/pair`: the QR code of a one-time pairing link, for the signed-in user).
 */
export function pushAppRoutes(deps: PortalDeps) {
  return async function pushApp(app: FastifyInstance): Promise<void> {
    const form = csrfGuard('form');

    app.get('/push/app', async (request, reply) => html(reply, pushAppPage(pageText(request))));

    app.get('/manifest.webmanifest', async (request, reply) =>
      reply
        .header('content-type', 'application/manifest+json')
        .header('cache-control', 'public, max-age=300')
        .send({
          name: `${request.pc.state.branding.msp.name} sign-in approvals`,
          short_name: request.pc.state.branding.msp.name,
          start_url: '/.portcullis/push/app',
          scope: '/.portcullis/',
          display: 'standalone',
          background_color: '#ffffff',
          theme_color: '#1f3a5f',
          icons: [180, 192, 512].map((size) => ({
            src: `/.portcullis/static/push-icon-${size}.png`,
            sizes: `${size}x${size}`,
            type: 'image/png',
            purpose: 'any',
          })),
        }),
    );

    app.post('/push/pair', { onRequest: form, schema: { body: Type.Optional(PairForm) } }, async (request, reply) => {
      const rd = safeRedirect((request.body as { rd?: string } | undefined)?.rd, request.pc.state, request.pc.origin);
      const s = await pageSession(deps, request, reply, rd);
      if (s === null) return reply;
      const paired = await pairing(deps, request, s);
      if (paired === 'push_disabled') return reply.redirect('/.portcullis/', 303);
      if (paired === 'step_up_required')
        return reply.redirect(`/.portcullis/stepup?rd=${encodeURIComponent(`${request.pc.origin}/.portcullis/`)}`, 303);
      return html(reply, pushPairPage(pageText(request), { ...paired, rd }), 200, formActionFor(request, rd));
    });
  };
}
