import type { PortalDeps } from '../authn/deps.ts';
import type { Session } from '../session/session.ts';
import type { GatewayState } from '../state.ts';
import { openidClient } from './discovery.ts';

/**
 * RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): where to send the browser after
 * the gateway's own session ended, when the session came from a provider with `logout: true` that
 * has an end_session_endpoint; it comes back to the portal's signed-out page. Null otherwise, and
 * when the provider cannot be reached (the gateway's session is over either way).
 */
export async function providerLogout(
  deps: Pick<PortalDeps, 'providers'>,
  state: GatewayState,
  ended: Session,
): Promise<string | null> {
  const provider = ended.idp === undefined ? undefined : state.providers.get(ended.idp.p);
  if (provider === undefined || !provider.logout) return null;
  try {
    const config = await deps.providers.configuration(provider);
    if (config.serverMetadata().end_session_endpoint === undefined) return null;
    const client = await openidClient();
    return client.buildEndSessionUrl(config, {
      client_id: provider.clientId,
      post_logout_redirect_uri: `${state.publicUrl.origin}/.portcullis/logout`,
    }).href;
  } catch {
    return null;
  }
}
