import type { FastifyInstance } from 'fastify';
import { Type } from '../json-schema.ts';
import { pageText } from '../web/html.ts';
import { csrfGuard } from './csrf.ts';
import type { PortalDeps } from './deps.ts';
import { TRUST_REFUSAL_MESSAGES, trustDevice } from './device-trust.ts';
import { signedIn } from './prove-factor.ts';
import { safeRedirect } from './redirect.ts';
import { noSession } from './session-ended.ts';

const TrustBody = Type.Object(
  { rd: Type.Optional(Type.String({ maxLength: 4096, description: 'the page the user is going to' })) },
  { additionalProperties: false },
);

/** `POST /.portcullis/api/device/trust`: the JSON side of "trust this device". */
export function deviceRoutes(deps: PortalDeps) {
  return async function devices(app: FastifyInstance): Promise<void> {
    app.post(
      '/api/device/trust',
      { onRequest: csrfGuard('json'), schema: { body: Type.Optional(TrustBody) } },
      async (request, reply) => {
        reply.header('cache-control', 'no-store');
        const s = await signedIn(deps, request, reply);
        if (s === 'unavailable') return reply;
        if (s === null) return noSession(request, reply);
        const body = (request.body ?? {}) as { rd?: string };
        const rd = body.rd === undefined ? null : safeRedirect(body.rd, request.pc.state, request.pc.origin);
        if (body.rd !== undefined && rd === null)
          return reply.code(400).send({ error: 'bad_request', message: 'rd must be a page this gateway serves' });
        const result = await trustDevice(deps, request, reply, s, rd);
        if (!result.ok)
          return reply
            .code(result.error === 'device_mismatch' ? 409 : 403)
            .send({ error: result.error, message: pageText(request).t(TRUST_REFUSAL_MESSAGES[result.error]) });
        return { trusted: true, device: result.name, until: new Date(result.until).toISOString() };
      },
    );
  };
}
