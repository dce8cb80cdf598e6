import type { FastifyRequest } from 'fastify';
import { auditFrom } from '../../../audit/where.ts';
import { parseDevice } from '../../../context/device.ts';
import type { PushRequest, StartRefusal } from '../../../push/requests/push-requests.ts';
import type { PortalDeps } from '../../deps.ts';
import { auditFactor, type Signed } from '../../prove-factor.ts';

export type PushStartError =
  | 'push_disabled'
  | 'no_push_device'
  | 'push_blocked'
  | 'push_rate_limited'
  | 'push_unreachable';

/** HTTP status of each refusal to start a push. */
export const START_STATUS: Record<PushStartError, number> = {
  push_disabled: 404,
  no_push_device: 409,
  push_blocked: 403,
  push_rate_limited: 429,
  push_unreachable: 502,
};

/**
 * After the password: a push request for the signed-in user, sent to every phone they set up,
 * with what the phone shows about this sign-in (app, host, address, place, browser). The JSON
 * API and the step-up page both start pushes here. Audited: `push.sent`, or why not.
 */
export async function startPush(
  deps: PortalDeps,
  request: FastifyRequest,
  s: Signed,
  rd: string | null = null,
): Promise<
  | { ok: true; request: PushRequest }
  | { ok: false; error: PushStartError; reason?: StartRefusal; retryAfterMs?: number | null }
> {
  if (deps.current().push === null) return { ok: false, error: 'push_disabled' };
  // a session that must enrol (an administrator's access code after a lost phone) proves only a
  // phone paired since it signed in: never the lost one
  const devices = (await deps.pushDevices.list(s.user.name)).filter(
    (d) => s.session.enrol !== true || d.createdAt >= s.session.authTime,
  );
  if (devices.length === 0) return { ok: false, error: 'no_push_device' };
  const device = parseDevice(request.headers['user-agent']);
  // what the phone names: the app the sign-in is going to (rd), else the one of this page
  const host = rd === null ? request.hostname : new URL(rd).hostname;
  const app = (rd === null ? request.pc.app : deps.current().hosts.lookupHostname(host)) ?? null;
  const started = await deps.push.start(
    { name: s.user.name, tenant: s.user.tenant },
    {
      app: app?.name ?? deps.current().branding.msp.name,
      host,
      ip: request.pc.ip,
      country: auditFrom(request).country,
      browser: device.browser,
      os: device.os,
    },
    s.session.enrol === true ? devices.map((d) => d.id) : undefined,
  );
  if (!started.ok) {
    auditFactor(deps, request, s, 'push.refused', 'failure', { reason: started.reason });
    return started.reason === 'blocked'
      ? { ok: false, error: 'push_blocked', reason: started.reason }
      : { ok: false, error: 'push_rate_limited', reason: started.reason, retryAfterMs: started.retryAfterMs };
  }
  const delivered = await deps.pushDevices.deliver(started.request, devices);
  if (delivered.sent === 0) {
    await deps.push.cancel(started.request);
    auditFactor(deps, request, s, 'push.undelivered', 'failure', { ...delivered });
    return { ok: false, error: 'push_unreachable' };
  }
  auditFactor(deps, request, s, 'push.sent', 'info', { rid: started.request.rid, devices: delivered.sent });
  return { ok: true, request: started.request };
}
