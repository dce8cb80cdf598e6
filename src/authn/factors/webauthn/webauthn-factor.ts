import type { FactorRecord } from '../../../stores/durable.ts';
import type { PageText } from '../../../web/html.ts';
import type { Factor } from '../factor.ts';
import { verifiedUserAtRegistration } from './ceremonies.ts';
import { keyProof, keyRegistration, WEBAUTHN_SCRIPTS } from './webauthn-parts.ts';
import { webauthnRoutes } from './webauthn-routes.ts';

/** A security key (cross-device) or a passkey (synced, or on this device), in words. */
function kindName(text: PageText, f: FactorRecord): string {
  const data = f.data as { backedUp?: boolean; transports?: string[] } | null;
  if (data?.backedUp) return text.t('account.kind.passkeySynced');
  return text.t(data?.transports?.includes('internal') ? 'account.kind.passkeyDevice' : 'account.kind.securityKey');
}

/**
 * Security keys and passkeys (WebAuthn): the only phishing-resistant factor. For that level a
 * key counts only when it verified the user (PIN, biometrics) when it was registered: a key
 * without it would be refused. Its page parts need JavaScript (webauthn-parts.ts).
 */
export const webauthnFactor = {
  method: 'webauthn',
  choosable: true,
  standsIn: false,
  phishingResistant: true,
  holds: (records: readonly FactorRecord[], phishingResistant: boolean) =>
    records.some((f) => f.kind === 'webauthn' && (!phishingResistant || verifiedUserAtRegistration(f))),
  routes: webauthnRoutes,
  stepUp: {
    label: 'webauthn.heading',
    scripts: WEBAUTHN_SCRIPTS,
    html: (text, opts) => keyProof(text, opts.rd, opts.trust),
  },
  enrolment: {
    setUp: 'factors.setUp.webauthn',
    scripts: WEBAUTHN_SCRIPTS,
    html: async (_deps, text, _user, opts) => keyRegistration(text, opts.rd),
  },
  account: { kind: kindName, rename: true },
} as const satisfies Factor<'webauthn'>;
