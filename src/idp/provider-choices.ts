import type { Requirement } from '../policy/types.ts';
import { parseHost } from '../routing/host-table.ts';
import type { Session } from '../session/session.ts';
import type { GatewayState } from '../state.ts';
import type { ProviderLink } from '../web/pages/provider-link.ts';
import { startAddress } from './addresses.ts';
import { type ProviderSettings, providerServes } from './provider-settings.ts';

/**
 * The tenant of where `rd` goes: its app's; null for the MSP's own apps; undefined for the portal
 * itself (any provider's users may manage their account there).
 */
function tenantOfTarget(state: GatewayState, rd: string | null): string | null | undefined {
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
export function providerChoices(state: GatewayState, rd: string | null): ProviderLink[] {
  const choices: ProviderLink[] = [];
  for (const p of state.providers.values()) {
    if (!providerFor(state, p, rd)) continue;
    choices.push({ label: p.label, href: startAddress(state, p.name, rd) });
  }
  return choices;
}

/**
 * For the step-up page of a session an identity provider signed in: "Sign in with ..." again, when
 * a new authentication there meets what rd's rule asks: a fresh sign-in (level password with
 * max_age), or level mfa from a provider trusted for it (trust_upstream_mfa, no methods named).
 * The start over a live session asks the provider to authenticate the person now.
 */
export function reauthChoice(
  state: GatewayState,
  session: Session,
  require: Requirement | null,
  rd: string | null,
): ProviderLink | null {
  const provider = session.idp === undefined ? undefined : state.providers.get(session.idp.p);
  if (provider === undefined || require === null) return null;
  const helps =
    require.level === 'password' ||
    (require.level === 'mfa' && require.methods === undefined && provider.trustUpstreamMfa);
  if (!helps) return null;
  return { label: provider.label, href: startAddress(state, provider.name, rd) };
}
