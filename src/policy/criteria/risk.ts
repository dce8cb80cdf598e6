import { Type } from '../../json-schema.ts';
import { type Criterion, RISK_BITS, RISK_SIGNALS, type RiskSignal, Verdict } from '../types.ts';

/**
 * `when: { risk: [new_device, new_country, impossible_travel, recent_failures, push_reported] }`: at least one
 * of the listed signals fired when the session signed in (see risk/assess.ts for each one's
 * definition and gateway.yaml `risk:` for the thresholds). An anonymous request is sent to sign
 * in first (NeedsUser): the signals are facts of a sign-in.
 */
export const risk: Criterion<RiskSignal[]> = {
  key: 'risk',
  place: 'when',
  schema: Type.Array(Type.Union(RISK_SIGNALS.map((s) => Type.Literal(s))), {
    minItems: 1,
    uniqueItems: true,
    description: 'matches when any of these signals fired at sign-in',
  }),
  reason: 'risk-matched',
  identity: true,
  compile(spec) {
    let mask = 0;
    for (const s of spec) mask |= RISK_BITS[s];
    return (facts) => {
      if (facts.risk === undefined || facts.user === null) return Verdict.NeedsUser;
      return (facts.risk & mask) !== 0 ? Verdict.Yes : Verdict.No;
    };
  },
};
