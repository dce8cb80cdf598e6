import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { sendPage as html } from '../web/html.ts';
import { accountPage } from '../web/pages/account-page.ts';
import { recoveryCodesPage } from '../web/pages/factor-pages.ts';
import { csrfGuard } from './csrf.ts';
import type { PortalDeps } from './deps.ts';
import { auditFactor, hasFreshSecondFactor, type Signed, signedIn } from './prove-factor.ts';

const RemoveForm = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });
const ACCOUNT = '/.portcullis/';

/**
 * The account page (`/.portcullis/`): profile, second factors (list, add, remove), recovery
 * codes (count, regenerate). Removing a factor and regenerating codes need a second factor
 * proven in the last 10 minutes; without one the user is sent to the step-up page first.
 */
export function accountRoutes(deps: PortalDeps) {
  return async function account(app: FastifyInstance): Promise<void> {
    const form = csrfGuard('form');

    async function session(request: FastifyRequest, reply: FastifyReply): Promise<Signed | null> {
      const s = await signedIn(deps, request, reply);
      if (s === 'unavailable') return null;
      if (s === null) {
        reply.redirect(`/.portcullis/login?rd=${encodeURIComponent(`${request.pc.origin}${ACCOUNT}`)}`, 302);
        return null;
      }
      return s;
    }
    /** Sensitive changes: a fresh second factor, or off to the step-up page and back here. */
    function fresh(request: FastifyRequest, reply: FastifyReply, s: Signed): boolean {
      if (hasFreshSecondFactor(s, deps.clock.now())) return true;
      reply.redirect(`/.portcullis/stepup?rd=${encodeURIComponent(`${request.pc.origin}${ACCOUNT}`)}`, 303);
      return false;
    }
    async function render(reply: FastifyReply, s: Signed, notice?: string) {
      const [factors, recovery] = await Promise.all([
        deps.factors.list(s.user.name),
        deps.factors.recoveryCount(s.user.name),
      ]);
      const u = s.user;
      return html(
        reply,
        accountPage({
          user: u.name,
          name: u.displayName ?? null,
          groups: u.groups,
          tenant: u.tenant,
          factors,
          recovery,
          ...(notice ? { notice } : {}),
        }),
      );
    }

    app.get('/', async (request, reply) => {
      const s = await session(request, reply);
      if (s === null) return reply;
      return render(reply, s);
    });

    app.post('/account/factor/remove', { onRequest: form, schema: { body: RemoveForm } }, async (request, reply) => {
      const s = await session(request, reply);
      if (s === null || !fresh(request, reply, s)) return reply;
      const { id } = request.body as { id: string };
      const removed = await deps.factors.remove(s.user.name, id);
      if (removed) auditFactor(deps, request, s, 'factor.removed', 'info', { factor: id });
      return render(reply, s, removed ? 'The factor was removed.' : 'No such factor.');
    });

    app.post('/account/recovery', { onRequest: form }, async (request, reply) => {
      const s = await session(request, reply);
      if (s === null || !fresh(request, reply, s)) return reply;
      const codes = await deps.factors.regenerateRecoveryCodes(s.user.name);
      auditFactor(deps, request, s, 'recovery.regenerated', 'info', { count: codes.length });
      return html(
        reply,
        recoveryCodesPage({
          codes,
          next: ACCOUNT,
          heading: 'New recovery codes',
          note: 'The previous codes no longer work.',
        }),
      );
    });
  };
}
