import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test } from 'node:test';
import { DEFAULT_POLICY, startTestGateway } from '../helpers/gateway.ts';

test('graceful shutdown finishes the request in flight, then stops', async (t) => {
  // an upstream that answers only when the test says so
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let arrived: () => void = () => {};
  const reached = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  const slow = createServer((req, res) => {
    arrived();
    void gate.then(() => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`done ${req.url}`);
    });
  });
  await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => slow.close(() => r())));
  const port = (slow.address() as { port: number }).port;

  const gw = await startTestGateway({
    apps: [{ name: 'slow', host: 'slow.test', upstream: `http://127.0.0.1:${port}` }],
    policies: {
      '00.yaml': { rules: [{ name: 'slow-open', hosts: ['slow.test'], action: 'allow' }, ...DEFAULT_POLICY.rules] },
    },
  });
  let closed = false;
  t.after(async () => {
    if (!closed) await gw.close();
  });

  const inFlight = gw.send({ host: 'slow.test', target: '/report' });
  await reached;
  const closing = gw.close().then(() => {
    closed = true;
  });
  // the gateway stops listening but waits for the request it already accepted
  for (let i = 0; i < 200 && gw.runtime.app.server.listening; i++) await new Promise((r) => setImmediate(r));
  assert.equal(gw.runtime.app.server.listening, false, 'no longer accepting');
  release();
  const answer = await inFlight;
  assert.equal(answer.status, 200);
  assert.equal(answer.body, 'done /report');
  await closing;
  await assert.rejects(gw.send({ host: 'slow.test', target: '/again' }), /ECONNREFUSED/);
});
