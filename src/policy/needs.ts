import type { PolicySource } from './compile.ts';

/**
 * Which costly context the policy needs, decided once at load: the gateway loads a geography
 * source only when a rule can use one (the bundled data costs ~140 MB).
 */
export interface GeographyNeeds {
  /** a `countries` condition, or `risk: [new_country]` */
  readonly countries: boolean;
  /** `risk: [impossible_travel]` */
  readonly coordinates: boolean;
}

export function geographyNeeds(sources: readonly PolicySource[]): GeographyNeeds {
  let countries = false;
  let coordinates = false;
  for (const src of sources) {
    for (const rule of src.data.rules) {
      const when = rule.when as { countries?: unknown; risk?: readonly string[] } | undefined;
      if (when?.countries !== undefined || when?.risk?.includes('new_country')) countries = true;
      if (when?.risk?.includes('impossible_travel')) coordinates = true;
    }
  }
  return { countries, coordinates };
}
