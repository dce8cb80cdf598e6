/**
 * `portcullis access-code`: through the running gateway's admin API (memory store: the sessions
 * end at once), and, when no gateway answers, straight into the durable store with a notice
 * (the code then works on the gateway that shares it). Usage errors exit 2; an unknown user 1;
 * a gateway that refuses (a wrong token) is an error, never a reason to go around it.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runAccessCode } from '../../src/cli/access-code.ts';
import { generatedToken } from '../admin/helpers.ts';
import { Capture } from '../cli/fixtures.ts';
import { enrolTotp, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { freePort } from '../helpers/ports.ts';
import { adminPort, portalApi } from './helpers.ts';

async function run(gw: TestGateway, args: string[], env: NodeJS.ProcessEnv) {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runAccessCode([...args, '--config', join(gw.dir, 'config/gateway.yaml')], {
    stdin: process.stdin,
    stdout,
    stderr,
    env,
  });
  return { code, out: stdout.text, err: stderr.text };
}

const viaGateway = (gw: TestGateway) => ({
  PORTCULLIS_ADMIN_URL: `http://127.0.0.1:${adminPort(gw)}`,
  PORTCULLIS_ADMIN_TOKEN: generatedToken(gw),
});

describe('portcullis access-code', () => {
  it('through the running gateway: prints the code once, ends the sessions at once', async (t) => {
    const gw = await startTestGateway();
    t.after(() => gw.close());
    await enrolTotp(gw, 'alice');
    const old = await gw.login('alice');
    const r = await run(gw, ['alice', '--ttl', '30m'], viaGateway(gw));
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '');
    const code = /^ {4}([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})$/m.exec(r.out)?.[1];
    assert.ok(code, r.out);
    assert.match(r.out, /ended 2 session\(s\) of alice/); // her enrolment sign-in and this one
    const session = await gw.send({
      host: 'portal.test',
      target: '/.portcullis/api/session',
      headers: { cookie: old },
    });
    assert.equal(session.status, 401);
    const [event] = await gw.runtime.durable.queryAudit({ event: 'access_code.issued' });
    assert.equal(event?.detail?.by, 'api:admin-token', 'audited by the gateway, with its token name');
    const cookie = await gw.login('alice');
    assert.equal((await portalApi(gw, 'mfa/access-code', cookie, { code })).status, 200);

    const json = await run(gw, ['alice', '--json'], viaGateway(gw));
    const issued = JSON.parse(json.out) as { user: string; code: string; expires_at: string };
    assert.equal(issued.user, 'alice');
    assert.equal(issued.expires_at, new Date(gw.clock.now() + 3_600_000).toISOString(), 'default ttl 1h');
  });

  it('no gateway: the code goes into the durable store directly, with a notice, and works', async (t) => {
    const gw = await startTestGateway();
    t.after(() => gw.close());
    await enrolTotp(gw, 'alice');
    const r = await run(gw, ['alice'], { PORTCULLIS_ADMIN_URL: `http://127.0.0.1:${await freePort()}` });
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /^notice: no gateway answers at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\); issuing the code/);
    assert.match(r.out, /end in the running gateway within 2 seconds/);
    const code = /^ {4}(\S+)$/m.exec(r.out)?.[1] as string;
    const [event] = await gw.runtime.durable.queryAudit({ event: 'access_code.issued' });
    assert.match(String(event?.detail?.by), /^cli:/);
    // the command ran on the system clock; the gateway's injected clock is behind it
    gw.clock.set(Date.now());
    const cookie = await gw.login('alice');
    assert.equal((await portalApi(gw, 'mfa/access-code', cookie, { code })).status, 200);
  });

  it('a gateway that refuses is an error; usage and unknown users are refused before anything', async (t) => {
    const gw = await startTestGateway();
    t.after(() => gw.close());
    const wrong = await run(gw, ['alice'], { ...viaGateway(gw), PORTCULLIS_ADMIN_TOKEN: 'x'.repeat(40) });
    assert.equal(wrong.code, 1);
    assert.match(wrong.err, /refused: 401 unauthorized/);
    assert.ok(!wrong.err.includes('x'.repeat(40)), 'the token is never printed');
    assert.equal(await gw.runtime.durable.findAccessCode('alice'), null);
    for (const args of [
      [],
      ['alice', 'bob'],
      ['alice', '--ttl', '25h'],
      ['alice', '--ttl', '1m'],
      ['alice', '--ttl', 'soon'],
    ]) {
      assert.equal((await run(gw, args, viaGateway(gw))).code, 2, args.join(' '));
    }
    const unknown = await run(gw, ['nobody'], viaGateway(gw));
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /no user 'nobody'/);
  });
});
