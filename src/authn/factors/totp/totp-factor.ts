import type { FactorRecord } from '../../../stores/durable.ts';
import type { Factor } from '../factor.ts';
import { keyOnlyNote, totpEnrolPart, totpStepUpPart } from './totp-page-parts.ts';
import { totpPageRoutes } from './totp-page-routes.ts';
import { totpRoutes } from './totp-routes.ts';

/** Authenticator apps (TOTP, RFC 6238): a code that works once; never phishing-resistant. */
export const totpFactor = {
  method: 'totp',
  choosable: true,
  standsIn: false,
  phishingResistant: false,
  holds: (records: readonly FactorRecord[], phishingResistant: boolean) =>
    !phishingResistant && records.some((f) => f.kind === 'totp'),
  routes: (deps) => async (app) => {
    await app.register(totpRoutes(deps));
    await app.register(totpPageRoutes(deps));
  },
  stepUp: { label: 'factors.app', html: totpStepUpPart },
  enrolment: {
    setUp: 'factors.setUp.totp',
    html: async (deps, text, user, opts) => {
      const started = await deps.factors.totp.start(user);
      return totpEnrolPart(text, { ...opts, qrSvg: started.qrSvg, secret: started.secret });
    },
    // offered alone, keys are what the page needs (phishing_resistant): say why the app is missing
    notOffered: (text, offered) => (offered.every((f) => f.phishingResistant) ? keyOnlyNote(text) : ''),
  },
  account: { kind: (text) => text.t('account.kind.totp'), rename: false },
} as const satisfies Factor<'totp'>;
