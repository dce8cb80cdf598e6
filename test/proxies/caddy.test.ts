import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeBehindProxy } from '../helpers/forward-auth-checks.ts';
import { findProxy, requireProxy, startCaddy } from '../helpers/proxies.ts';

const binary = findProxy('caddy');

if (binary === null) {
  it('forward-auth behind Caddy (forward_auth)', (t) => {
    requireProxy('caddy', t);
  });
} else {
  describeBehindProxy({
    title: 'forward-auth behind Caddy (forward_auth), deploy/caddy/Caddyfile',
    start: (values) => startCaddy(binary, values),
    // Caddy hands a non-2xx auth answer to the client as it is (login=redirect: a 302 for a browser),
    // and answers 502 when it cannot reach Portcullis
    profile: { apiSignIn: 401, refusalPage: true, portcullisDown: 502, stripsPrefixes: true },
    keepAlive: true,
    afterDown: (bp) => assert.match(bp.proxy.output(), /dial tcp 127\.0\.0\.1:\d+: connect: connection refused/),
  });
}
