import type { GatewayState } from '../state.ts';

/** Where a sign-in at provider `name` starts, on the portal, going on to `rd` (already checked) afterwards. */
export function startAddress(state: GatewayState, name: string, rd: string | null): string {
  return `${state.publicUrl.origin}/.portcullis/oidc/${name}/start${rd === null ? '' : `?rd=${encodeURIComponent(rd)}`}`;
}

/** The address the provider sends the browser back to: registered with the provider as the redirect URI. */
export function callbackAddress(state: GatewayState, name: string): string {
  return `${state.publicUrl.origin}/.portcullis/oidc/${name}/callback`;
}
