import type { FactorRecord } from '../../../stores/durable.ts';
import type { Factor } from '../factor.ts';
import { pushAppRoutes } from './push-app-routes.ts';
import { pushLinkRoutes } from './push-link-routes.ts';
import { pushEnrolPart, pushStepUpPart } from './push-page-parts.ts';
import { pushPageRoutes } from './push-page-routes.ts';
import { pushRoutes } from './push-routes.ts';

/**
 * Push approval with number matching (contract section 8): a request to the user's phones, which
 * show where the sign-in comes from and three numbers; the user picks the one the sign-in page
 * shows. Meets `mfa`, never `phishing_resistant` (a user can be talked into approving a phisher's
 * sign-in). Phones are paired from the account page or the enrolment page (a QR code of a
 * one-time link to the approving web app); on only with `mfa.push`.
 */
export const pushFactor = {
  method: 'push',
  choosable: true,
  standsIn: false,
  phishingResistant: false,
  available: (state) => state.push !== null,
  holds: (records: readonly FactorRecord[], phishingResistant: boolean) =>
    !phishingResistant && records.some((f) => f.kind === 'push'),
  routes: (deps) => async (app) => {
    await app.register(pushRoutes(deps));
    await app.register(pushPageRoutes(deps));
    await app.register(pushLinkRoutes(deps));
    await app.register(pushAppRoutes(deps));
  },
  stepUp: { label: 'push.label', html: pushStepUpPart },
  // a phone is paired with a QR code; proving the first push then raises the session
  enrolment: { setUp: 'push.pair.button', html: async (_deps, text, _user, opts) => pushEnrolPart(text, opts) },
  account: { kind: (text) => text.t('push.kind'), rename: true },
} as const satisfies Factor<'push'>;
