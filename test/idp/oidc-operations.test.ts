/**
 * Identity providers in operation: a provider that cannot be reached (503, nobody signed in), two
 * instances sharing Redis and the database (a sign-in started on one finishes on the other), and
 * the bound on sign-ins a client address may start.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ManualClock } from '../../src/clock.ts';
import { STARTS_PER_WINDOW } from '../../src/idp/oidc-routes.ts';
import { startTestGateway } from '../helpers/gateway.ts';
import { IdpBrowser } from '../helpers/idp-browser.ts';
import { requireService } from '../helpers/services.ts';
import { pat, provider, START, startOp } from './fixtures.ts';

describe('an identity provider that cannot be reached', () => {
  test('down before the first sign-in: 503 at the start; down at the token request: 503 at the callback; nobody signed in', async (t) => {
    const op = await startOp();
    const gw = await startTestGateway({
      clock: new ManualClock(Date.now()),
      gateway: { identity_providers: [provider(op)] },
    });
    t.after(async () => {
      await gw.close();
      await op.close();
    });
    await op.down();
    const b = new IdpBrowser(gw);
    const start = await b.get(START);
    assert.equal(start.status, 503);
    assert.match(start.body, /temporarily unavailable/);

    await op.up();
    op.signInAs(pat);
    const { callback: back } = await b.toProvider(START);
    await op.down();
    const callback = await b.get(back.href);
    assert.equal(callback.status, 503);
    assert.equal(b.value('portal.test', gw.cookieName), undefined);
    assert.equal(await gw.runtime.durable.getProviderUser('pat@acme.example'), null);
  });
});

describe('two instances sharing Redis and the database', () => {
  test('a sign-in started on one instance finishes on the other, and the session serves both', async (t) => {
    if (!(await requireService('redis', t))) return;
    const op = await startOp();
    t.after(() => op.close());
    const dir = mkdtempSync(join(tmpdir(), 'pc-idp-shared-'));
    const options = {
      clock: new ManualClock(Date.now()),
      gateway: {
        data_dir: dir,
        stores: { durable: `sqlite:${join(dir, 'shared.db')}`, ephemeral: 'redis://127.0.0.1:6379/0' },
        identity_providers: [provider(op)],
      },
    };
    const a = await startTestGateway(options);
    t.after(() => a.close());
    const b = await startTestGateway(options);
    t.after(() => b.close());
    const name = `pat-${randomBytes(4).toString('hex')}@acme.example`;
    op.signInAs({ ...pat, sub: name, claims: { ...pat.claims, oid: name, preferred_username: name } });

    const onA = new IdpBrowser(a);
    const { callback: back } = await onA.toProvider(START);
    const held = onA.value('portal.test', 'portcullis_oidc');
    const onB = await b.send({
      host: 'portal.test',
      target: back.pathname + back.search,
      headers: { accept: 'text/html', cookie: `portcullis_oidc=${held}` },
    });
    assert.ok(onB.status === 200 || onB.status === 303, `${onB.status} ${onB.body.slice(0, 200)}`);
    const session = onB.cookies.find((c) => c.startsWith(`${b.cookieName}=`))?.split(';')[0];
    assert.ok(session, 'signed in by instance B');
    assert.equal((await a.runtime.durable.getProviderUser(name))?.provider, 'acme-entra', 'one database');
    const onA2 = await a.send({
      host: 'portal.test',
      target: '/.portcullis/api/session',
      headers: { cookie: session },
    });
    assert.equal(onA2.status, 200, 'instance A knows the session');
    assert.equal(onA2.json<{ user: string }>().user, name);
    // the same callback again, on either instance: its sign-in was taken
    const again = await a.send({
      host: 'portal.test',
      target: back.pathname + back.search,
      headers: { accept: 'text/html', cookie: `portcullis_oidc=${held}` },
    });
    assert.equal(again.status, 400);
  });
});

describe('starting sign-ins', () => {
  test('each start is kept ten minutes, so a client address gets 30 per ten minutes, then 429', async (t) => {
    const op = await startOp();
    t.after(() => op.close());
    const gw = await startTestGateway({
      clock: new ManualClock(Date.now()),
      gateway: { identity_providers: [provider(op)] },
    });
    t.after(() => gw.close());
    const b = new IdpBrowser(gw);
    for (let i = 0; i < STARTS_PER_WINDOW; i++) assert.equal((await b.get(START)).status, 302, `start ${i + 1}`);
    const limited = await b.get(START);
    assert.equal(limited.status, 429);
    assert.match(limited.body, /Too many sign-in attempts/);
    assert.equal(op.counts.authorization, 0);
    gw.clock.advance(10 * 60_000 + 1);
    assert.equal((await b.get(START)).status, 302, 'a new window');
  });
});
