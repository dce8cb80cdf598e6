import { parseHost } from '../routing/host-table.ts';
import type { GatewayState } from '../state.ts';
import { type ProviderSettings, providerServes } from './provider-settings.ts';

/**
 * The tenant of where `rd` goes: its app's; null for the MSP's own apps; undefined for the portal
 * itself (any provider's users may manage their account there).
 */
export function tenantOfTarget(state: GatewayState, rd: string | null): string | null | undefined {
  if (rd === null) return undefined;
  let host: string | undefined;
  try {
    host = parseHost(new URL(rd).host)?.hostname;
  } catch {
    return undefined;
  }
  const app = host === undefined ? undefined : state.hosts.lookupHostname(host);
  return app === undefined ? undefined : app.facts.tenant;
}

/** Whether a provider may be offered for (and start a sign-in towards) `rd`: a client's provider only on its apps. */
export function providerFor(state: GatewayState, provider: ProviderSettings, rd: string | null): boolean {
  const tenant = tenantOfTarget(state, rd);
  return tenant === undefined || providerServes(provider, tenant);
}

/** The "Sign in with ..." links of the login page for `rd` (already checked by safeRedirect). */
export function providerChoices(state: GatewayState, rd: string | null): { label: string; href: string }[] {
  const choices: { label: string; href: string }[] = [];
  for (const p of state.providers.values()) {
    if (!providerFor(state, p, rd)) continue;
    const query = rd === null ? '' : `?rd=${encodeURIComponent(rd)}`;
    choices.push({ label: p.label, href: `${state.publicUrl.origin}/.portcullis/oidc/${p.name}/start${query}` });
  }
  return choices;
}
