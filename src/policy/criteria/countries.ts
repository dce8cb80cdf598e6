import { Type } from '../../json-schema.ts';
import { type Criterion, Verdict } from '../types.ts';

type CountriesSpec = string[] | { in: string[]; unknown?: boolean } | { not: string[]; unknown?: boolean };

const Codes = Type.Array(
  Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2, upper-case: US, CA, GB, DE, ...' }),
  { minItems: 1, uniqueItems: true },
);
const Unknown = Type.Optional(
  Type.Boolean({
    description:
      'whether a client whose country is unknown (private, reserved or unlisted address) matches this condition; default: false for a list or in, true for not',
  }),
);

/**
 * Region names Node knows: a code it cannot name is probably a typo (`UK` for `GB`). Made when a
 * policy first lists countries: the region names are several megabytes of ICU data.
 */
let regions: Intl.DisplayNames | undefined;
function regionName(code: string): string | undefined {
  regions ??= new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });
  return regions.of(code);
}

/**
 * `when: { countries: [US, CA] }` (or `{ in: [US, CA] }`): the client IP is in one of them.
 * `when: { countries: { not: [US, CA] } }`: it is in none of them.
 *
 * The country comes from the geography source (context/geo.ts), looked up only when a rule
 * asks. An unknown country (private address, an address the database does not list, no
 * database) never matches a list, and counts as outside for `not`: a deny rule on
 * `{ not: [...] }` therefore also refuses clients nobody can place. `unknown: true|false`
 * overrides either default, e.g. for office networks on private addresses.
 */
export const countries: Criterion<CountriesSpec> = {
  key: 'countries',
  place: 'when',
  schema: Type.Union([
    Codes,
    Type.Object({ in: Codes, unknown: Unknown }, { additionalProperties: false }),
    Type.Object({ not: Codes, unknown: Unknown }, { additionalProperties: false }),
  ]),
  reason: 'country-matched',
  identity: false,
  compile(spec, ctx) {
    const list = Array.isArray(spec) ? spec : 'in' in spec ? spec.in : spec.not;
    const negate = !Array.isArray(spec) && 'not' in spec;
    const unknown = (Array.isArray(spec) ? undefined : spec.unknown) ?? negate;
    const key = Array.isArray(spec) ? [] : [negate ? 'not' : 'in'];
    list.forEach((code, i) => {
      if (regionName(code) === code) ctx.warn([...key, i], `'${code}' is not a country code Portcullis knows`);
    });
    const set = new Set(list);
    const whenUnknown = unknown ? Verdict.Yes : Verdict.No;
    return (facts) => {
      const country = facts.geo?.()?.country ?? null;
      if (country === null) return whenUnknown;
      return set.has(country) !== negate ? Verdict.Yes : Verdict.No;
    };
  },
};
