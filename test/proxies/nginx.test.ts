import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeBehindProxy } from '../helpers/forward-auth-checks.ts';
import { findProxy, requireProxy, startNginx } from '../helpers/proxies.ts';

const binary = findProxy('nginx');

if (binary === null) {
  it('forward-auth behind nginx (auth_request)', (t) => {
    requireProxy('nginx', t);
  });
} else {
  describeBehindProxy({
    title: 'forward-auth behind nginx (auth_request), deploy/nginx/portcullis-forward-auth.conf',
    start: (values) => startNginx(binary, values),
    // nginx turns any auth answer but 2xx, 401 and 403 into a 500, and redirects every 401 itself
    profile: { apiSignIn: 302, refusalPage: false, portcullisDown: 500, stripsPrefixes: false },
    keepAlive: true,
    afterKeepAlive: (bp) =>
      assert.doesNotMatch(bp.proxy.output(), /\[(error|crit|alert|emerg)\]/, 'nginx logged an error'),
  });
}
