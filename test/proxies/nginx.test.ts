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
import { findProxy, requireProxy, startNginx } from '../helpers/proxies.ts';

// nginx turns any auth answer but 2xx, 401 and 403 into a 500, and redirects every 401 itself
const NGINX: ProxyProfile = { apiSignIn: 302, refusalPage: false, portcullisDown: 500, stripsPrefixes: false };

const binary = findProxy('nginx');

if (binary === null) {
  it('forward-auth behind nginx (auth_request)', (t) => {
    requireProxy('nginx', t);
  });
} else {
  describe('forward-auth behind nginx (auth_request), deploy/nginx/portcullis-forward-auth.conf', () => {
    let bp: BehindProxy;
    before(async () => {
      bp = await behindProxy((values) => startNginx(binary, values));
    });
    after(() => bp?.close());

    it('sends a client to sign in and back to the page with its query, then lets it through as alice', async () => {
      await checkSignIn(bp, NGINX);
    });

    it('never lets a client-sent identity header through, in any spelling', async () => {
      await checkSpoofs(bp, NGINX);
    });

    it('describes the request itself: a client-sent X-Original-URL or X-Forwarded-* decides nothing', async () => {
      await checkDescriptionSpoof(bp);
    });

    it('judges the path the app receives', async () => {
      await checkPaths(bp);
    });

    it('refuses what a rule denies', async () => {
      await checkDeny(bp, NGINX);
    });

    it('keeps its connections to Portcullis alive', async () => {
      await checkKeepAlive(bp);
      assert.doesNotMatch(bp.proxy.output(), /\[(error|crit|alert|emerg)\]/, 'nginx logged an error');
    });

    it('lets nothing through while Portcullis is down', async () => {
      await checkPortcullisDown(bp, NGINX);
    });
  });
}
