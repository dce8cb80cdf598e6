import type { Factor } from '../factor.ts';
import { recoveryStepUpPart } from './recovery-page-parts.ts';
import { recoveryRoutes } from './recovery-routes.ts';

/**
 * Recovery codes: the way out when the other factors are lost. They come with the first factor
 * a user enrols (not enrolled for themselves), stand in for the factors the user holds unless
 * the rule names the factors or needs a key, and are never remembered nor a default: they come
 * first on the step-up page only when asked for or alone.
 */
export const recoveryFactor = {
  method: 'recovery',
  choosable: false,
  standsIn: true,
  phishingResistant: false,
  // not a factor record: offered beside the factors held, never for itself
  holds: () => false,
  routes: recoveryRoutes,
  stepUp: { label: 'factors.recovery.label', html: recoveryStepUpPart },
} as const satisfies Factor<'recovery'>;
