import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestGateway } from '../helpers/gateway.ts';

test('a signed-in user reaches the upstream with identity headers', async (t) => {
  const gw = await startTestGateway();
  t.after(() => gw.close());
  const anon = await gw.send({ host: 'app.test', target: '/x' });
  assert.equal(anon.status, 401);
  const cookie = await gw.login('alice', 'app.test');
  const ok = await gw.send({ host: 'app.test', target: '/x', headers: { cookie } });
  assert.equal(ok.status, 200, ok.body);
  const seen = ok.json<{ headers: Record<string, string> }>();
  assert.equal(seen.headers['remote-user'], 'alice');
});
