import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type BehindProxy,
  behindProxy,
  checkDeny,
  checkDescriptionSpoof,
  checkKeepAlive,
  checkPaths,
  checkPortcullisDown,
  checkSignIn,
  checkSpoofs,
  type ProxyProfile,
} from '../helpers/forward-auth-checks.ts';
import { findProxy, requireProxy, startCaddy } from '../helpers/proxies.ts';

// Caddy hands a non-2xx auth answer to the client as it is (login=redirect: a 302 for a browser),
// and answers 502 when it cannot reach Portcullis
const CADDY: ProxyProfile = { apiSignIn: 401, refusalPage: true, portcullisDown: 502, stripsPrefixes: true };

const binary = findProxy('caddy');

if (binary === null) {
  it('forward-auth behind Caddy (forward_auth)', (t) => {
    requireProxy('caddy', t);
  });
} else {
  describe('forward-auth behind Caddy (forward_auth), deploy/caddy/Caddyfile', () => {
    let bp: BehindProxy;
    before(async () => {
      bp = await behindProxy((values) => startCaddy(binary, values));
    });
    after(() => bp?.close());

    it('sends a client to sign in and back to the page with its query, then lets it through as alice', async () => {
      await checkSignIn(bp, CADDY);
    });

    it('never lets a client-sent identity header or an unreplaced placeholder through', async () => {
      await checkSpoofs(bp, CADDY);
    });

    it('describes the request itself: a client-sent X-Original-URL or X-Forwarded-* decides nothing', async () => {
      await checkDescriptionSpoof(bp);
    });

    it('judges the path the app receives', async () => {
      await checkPaths(bp);
    });

    it('refuses what a rule denies, with the refusal page for a browser', async () => {
      await checkDeny(bp, CADDY);
    });

    it('keeps its connections to Portcullis alive', async () => {
      await checkKeepAlive(bp);
    });

    it('lets nothing through while Portcullis is down', async () => {
      await checkPortcullisDown(bp, CADDY);
      assert.match(bp.proxy.output(), /dial tcp 127\.0\.0\.1:\d+: connect: connection refused/);
    });
  });
}
