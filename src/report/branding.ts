import type { Brand, GatewayState } from '../state.ts';
import type { ReportBrand, ReportBranding } from './formats/html.ts';

const of = (b: Brand): ReportBrand => ({
  name: b.name,
  logo: b.logo === null ? null : { type: b.logo.type, body: b.logo.body },
  timeZone: b.timeZone,
});

/**
 * The brands of the HTML report, from gateway.yaml `branding`: a client without a name of its own
 * is named by its tenant id (not by the MSP's name, which the portal would show).
 */
export function reportBranding(state: GatewayState): ReportBranding {
  const msp = of(state.branding.msp);
  return {
    msp,
    tenant(tenant) {
      const own = state.branding.tenants.get(tenant);
      if (own === undefined) return { ...msp, name: tenant, logo: null };
      const brand = of(own);
      return state.files.gateway.branding?.tenants?.[tenant]?.name === undefined ? { ...brand, name: tenant } : brand;
    },
  };
}
