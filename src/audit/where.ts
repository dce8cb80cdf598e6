import { deviceName, parseDevice } from '../context/device.ts';
import { locate } from '../context/geo.ts';
import type { GatewayState } from '../state.ts';

/**
 * Where an audited event came from: the client IP, its country (when a geography source is
 * loaded) and a readable device name from the User-Agent. Off the hot path: sign-ins, factor
 * proofs, logouts, denials and challenges.
 */
export function auditWhere(
  state: GatewayState,
  ip: string | null,
  userAgent: string | undefined,
): { ip: string | null; country: string | null; device: string } {
  return { ip, country: locate(state.geo, ip)?.country ?? null, device: deviceName(parseDevice(userAgent)) };
}
