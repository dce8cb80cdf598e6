import type { FastifyRequest } from 'fastify';
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

/**
 * Where an audited event from a request came from (auditWhere) and the request's id: the
 * reference a refusal page shows, the `reqId` of the request's log lines.
 */
export function auditFrom(request: FastifyRequest): {
  ip: string | null;
  country: string | null;
  device: string;
  requestId: string;
} {
  return { ...auditWhere(request.pc.state, request.pc.ip, request.headers['user-agent']), requestId: request.id };
}
