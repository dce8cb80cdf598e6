import type { Brand, GatewayState } from '../state.ts';
import { DEFAULT_COLOR, type ReportBrand, type ReportBranding } from './formats/html.ts';

const of = (b: Brand, color: string): ReportBrand => ({
  name: b.name,
  logo: b.logo === null ? null : { type: b.logo.type, body: b.logo.body },
  timeZone: b.timeZone,
  color,
});

/**
 * The brands of the HTML report, from gateway.yaml `branding`: a client without a name of its own
 * is named by its tenant id (not by the MSP's name, which the portal would show); `color` (the
 * cover's accent) defaults to the MSP's, then to a dark blue.
 */
export function reportBranding(state: GatewayState): ReportBranding {
  const spec = state.files.gateway.branding;
  const msp = of(state.branding.msp, spec?.color ?? DEFAULT_COLOR);
  return {
    msp,
    tenant(tenant) {
      const own = state.branding.tenants.get(tenant);
      if (own === undefined) return { ...msp, name: tenant, logo: null };
      const given = spec?.tenants?.[tenant];
      const brand = of(own, given?.color ?? msp.color);
      return given?.name === undefined ? { ...brand, name: tenant } : brand;
    },
  };
}
