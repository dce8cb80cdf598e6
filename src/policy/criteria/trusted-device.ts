import { Type } from '../../json-schema.ts';
import { type Criterion, Verdict } from '../types.ts';

/**
 * `when: { trusted_device: true }`: the session was signed in from a device the user chose to
 * trust after proving a second factor (and that nobody has forgotten since: forgetting a
 * device ends the sessions signed in from it). `false` matches the opposite. It is a fact
 * about a sign-in, so an anonymous request is sent to sign in first (NeedsUser), like
 * `users` and `groups`.
 */
export const trustedDevice: Criterion<boolean> = {
  key: 'trusted_device',
  place: 'when',
  schema: Type.Boolean({ description: 'true: the session comes from a device the user trusts' }),
  reason: 'trusted-device-matched',
  identity: true,
  compile(spec) {
    return (facts) => {
      if (facts.trustedDevice === undefined || facts.user === null) return Verdict.NeedsUser;
      return facts.trustedDevice === spec ? Verdict.Yes : Verdict.No;
    };
  },
};
