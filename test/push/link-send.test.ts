/**
 * Link channels: the message each kind carries (ntfy JSON publish with a view action only, a
 * Slack button, a Teams Adaptive Card with Action.OpenUrl), never the number; posted only to an
 * allowed host, to a real server on loopback; a host not allowed gets nothing.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { describe, it, type TestContext } from 'node:test';
import { HostAllowlist } from '../../src/push/host-allowlist.ts';
import { type LinkKind, linkRequest, sendLink } from '../../src/push/link-send.ts';

const MESSAGE = { app: 'Acme RMM', link: 'https://portal.msp.example/.portcullis/push/approve#t0ken' };

async function receiver(t: TestContext) {
  const got: { url: string; headers: IncomingMessage['headers']; body: unknown }[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    got.push({ url: req.url ?? '', headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString()) });
    res.writeHead(200).end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { origin: `http://127.0.0.1:${(server.address() as { port: number }).port}`, got };
}

describe('link channels', () => {
  it('ntfy: JSON publish to the base URL, the topic in the body, a view action only', async (t) => {
    const r = await receiver(t);
    const allowed = HostAllowlist.parse([r.origin]).list;
    const delivery = await sendLink({ kind: 'ntfy', url: `${r.origin}/alice-7f3k2` }, MESSAGE, allowed, {
      sleep: async () => {},
    });
    assert.deepEqual(delivery, { outcome: 'sent' });
    const [sent] = r.got;
    assert.equal(sent?.url, '/');
    assert.equal(sent?.headers['content-type'], 'application/json');
    const body = sent?.body as { topic: string; actions: { action: string; url: string }[]; message: string };
    assert.equal(body.topic, 'alice-7f3k2');
    assert.deepEqual(
      body.actions.map((a) => [a.action, a.url]),
      [['view', MESSAGE.link]],
    );
    assert.match(body.message, /Acme RMM/);
    assert.doesNotMatch(JSON.stringify(body), /\b\d{2}\b(?!\d)/, 'no two-digit number');
  });

  it('slack and teams: a button or Action.OpenUrl with the link', () => {
    const slack = linkRequest({ kind: 'slack', url: 'https://hooks.slack.com/services/T/B/X' }, MESSAGE);
    assert.equal(slack?.url, 'https://hooks.slack.com/services/T/B/X');
    assert.match(JSON.stringify(slack?.body), /"type":"button".*"url":"https:\/\/portal\.msp\.example/);
    const teams = linkRequest({ kind: 'teams', url: 'https://prod.westeurope.logic.azure.com/workflows/x' }, MESSAGE);
    assert.match(
      JSON.stringify(teams?.body),
      /"type":"Action.OpenUrl","title":"Review sign-in","url":"https:\/\/portal/,
    );
    assert.match(JSON.stringify(teams?.body), /application\/vnd\.microsoft\.card\.adaptive/);
    for (const kind of ['ntfy', 'slack', 'teams'] as LinkKind[])
      assert.equal(linkRequest({ kind, url: 'not a url' }, MESSAGE), null);
    assert.equal(linkRequest({ kind: 'ntfy', url: 'https://ntfy.sh/' }, MESSAGE), null, 'no topic');
    assert.equal(linkRequest({ kind: 'ntfy', url: 'https://ntfy.sh/t?x=1' }, MESSAGE), null);
  });

  it('a host the operator did not allow gets nothing, whatever the user typed', async (t) => {
    const r = await receiver(t);
    const allowed = HostAllowlist.parse(['ntfy.sh']).list;
    for (const url of [
      `${r.origin}/topic`,
      'http://169.254.169.254/latest/meta-data',
      'https://ntfy.sh.evil.example/topic',
      'http://ntfy.sh/topic',
    ])
      assert.deepEqual(await sendLink({ kind: 'ntfy', url }, MESSAGE, allowed), { outcome: 'refused' }, url);
    assert.equal(r.got.length, 0);
  });
});
