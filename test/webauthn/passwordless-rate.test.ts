/** Passwordless options store a challenge each: one client may only ask for so many. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHALLENGE_TTL_MS } from '../../src/authn/factors/webauthn/ceremonies.ts';
import { PASSWORDLESS_OPTIONS_PER_WINDOW } from '../../src/authn/factors/webauthn/webauthn-routes.ts';
import { startTestGateway } from '../helpers/gateway.ts';

test('passwordless options are bounded per client IP and window', async (t) => {
  const gw = await startTestGateway();
  t.after(() => gw.close());
  const ask = () =>
    gw.send({
      method: 'POST',
      host: 'portal.test',
      target: '/.portcullis/api/webauthn/login/options',
      headers: { 'content-type': 'application/json', origin: 'http://portal.test' },
      body: '{}',
    });
  for (let i = 0; i < PASSWORDLESS_OPTIONS_PER_WINDOW; i++) {
    const answer = await ask();
    assert.equal(answer.status, 200, answer.body);
    assert.deepEqual(answer.json().allowCredentials, []);
  }
  const refused = await ask();
  assert.equal(refused.status, 429);
  assert.equal(refused.json().error, 'rate_limited');
  // a signed-in user's second-factor options are not counted
  const cookie = await gw.login('alice');
  const signedIn = await gw.send({
    method: 'POST',
    host: 'portal.test',
    target: '/.portcullis/api/webauthn/login/options',
    headers: { 'content-type': 'application/json', origin: 'http://portal.test', cookie },
    body: '{}',
  });
  assert.equal(signedIn.status, 409, 'alice has no key: no_credentials, not rate_limited');
  assert.equal(signedIn.json().reason, 'no_credentials');
  gw.clock.advance(CHALLENGE_TTL_MS + 1);
  assert.equal((await ask()).status, 200);
});
