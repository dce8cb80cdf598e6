import type { PolicySource } from './compile.ts';

/**
 * Which context the policy needs, decided once at load: the gateway loads a geography source
 * only when a rule can use one (the bundled data costs ~140 MB), and warns about conditions the
 * configuration makes impossible.
 */
export interface PolicyNeeds {
  /** a `countries` condition, or `risk: [new_country]` */
  readonly countries: boolean;
  /** `risk: [impossible_travel]` */
  readonly coordinates: boolean;
  /** `trusted_device: true` somewhere: it can only hold when devices can be trusted */
  readonly trustedDevices: boolean;
  /** a `trusted_device` condition (true or false) somewhere: trusting a device changes something */
  readonly deviceTrust: boolean;
}

export function policyNeeds(sources: readonly PolicySource[]): PolicyNeeds {
  let countries = false;
  let coordinates = false;
  let trustedDevices = false;
  let deviceTrust = false;
  for (const src of sources) {
    for (const rule of src.data.rules) {
      const when = rule.when as { countries?: unknown; risk?: readonly string[]; trusted_device?: boolean } | undefined;
      if (when?.countries !== undefined || when?.risk?.includes('new_country')) countries = true;
      if (when?.risk?.includes('impossible_travel')) coordinates = true;
      if (when?.trusted_device === true) trustedDevices = true;
      if (when?.trusted_device !== undefined) deviceTrust = true;
    }
  }
  return { countries, coordinates, trustedDevices, deviceTrust };
}
