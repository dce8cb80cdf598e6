import formBody from '@fastify/formbody';
import type { FastifyInstance } from 'fastify';
import { refuse } from '../gate/respond.ts';
import { oidcRoutes } from '../idp/oidc-routes.ts';
import { languageRoutes } from '../web/i18n/page-locale.ts';
import { staticRoutes } from '../web/static.ts';
import { accountApiRoutes } from './account-api-routes.ts';
import { accessCodeRoutes } from './account-recovery/access-code-routes.ts';
import { accountRoutes } from './account-routes.ts';
import { apiRoutes } from './api-routes.ts';
import type { PortalDeps } from './deps.ts';
import { deviceRoutes } from './device-routes.ts';
import { factorPageRoutes } from './factor-page-routes.ts';
import { FACTORS } from './factors/index.ts';
import { passwordRoutes } from './factors/password/password-routes.ts';
import { forwardAuthRoutes } from './forward-auth.ts';
import { inviteRoutes } from './invite-routes.ts';
import { pageRoutes } from './page-routes.ts';
import { setupRoutes } from './setup-routes.ts';
import { ssoRoutes } from './sso-routes.ts';

/**
 * The portal, under /.portcullis/ on every served host: pages for people, the JSON API they
 * are built on, the JWKS that verifies assertions, and the portal's own static assets.
 */
export function portal(deps: PortalDeps) {
  return async function portalPlugin(app: FastifyInstance): Promise<void> {
    await app.register(formBody, { bodyLimit: 16 * 1024 });
    await app.register(staticRoutes);
    await app.register(languageRoutes);
    await app.register(apiRoutes(deps));
    await app.register(pageRoutes(deps));
    // the first factor
    await app.register(passwordRoutes(deps));
    await app.register(ssoRoutes(deps));
    await app.register(oidcRoutes(deps));
    await app.register(setupRoutes(deps));
    await app.register(inviteRoutes(deps));
    await app.register(forwardAuthRoutes(deps));
    await app.register(factorPageRoutes(deps));
    await app.register(accessCodeRoutes(deps));
    await app.register(accountRoutes(deps));
    await app.register(accountApiRoutes(deps));
    await app.register(deviceRoutes(deps));
    // each second factor's JSON API and the posts of its page parts
    for (const factor of FACTORS) await app.register(factor.routes(deps));

    app.get('/jwks.json', async (_request, reply) =>
      reply.header('cache-control', 'public, max-age=300').send({ keys: deps.signingKeys().map((k) => k.publicJwk) }),
    );

    // Nothing under /.portcullis/ ever reaches an upstream.
    app.all('/*', async (request, reply) => refuse(request, reply, 404, 'not_found', 'errors.notFound'));
  };
}
