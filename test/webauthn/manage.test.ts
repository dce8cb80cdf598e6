/** Managing keys on the account page: rename (a label, audited) and remove (needs a fresh second factor). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestGateway } from '../helpers/gateway.ts';
import { cookieFrom } from '../helpers/http.ts';
import { type CreationOptionsJSON, type RequestOptionsJSON, SoftAuthenticator } from '../helpers/soft-authenticator.ts';

const ORIGIN = 'http://portal.test';

test('a key is renamed and removed from the account page; another user cannot touch it', async (t) => {
  const gw = await startTestGateway();
  t.after(() => gw.close());
  const api = (path: string, body: unknown, cookie: string) =>
    gw.send({
      method: 'POST',
      host: 'portal.test',
      target: `/.portcullis/api/${path}`,
      headers: { 'content-type': 'application/json', origin: ORIGIN, cookie },
      body: JSON.stringify(body),
    });
  const form = (path: string, fields: Record<string, string>, cookie: string) =>
    gw.send({
      method: 'POST',
      host: 'portal.test',
      target: `/.portcullis/account/${path}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN, cookie, accept: 'text/html' },
      body: new URLSearchParams(fields).toString(),
    });

  const login = await gw.login('alice');
  const options = await api('webauthn/register/options', {}, login);
  const key = new SoftAuthenticator();
  const registered = await api(
    'webauthn/register/verify',
    { name: 'Blue key', response: key.register(options.json<CreationOptionsJSON>(), ORIGIN) },
    login,
  );
  assert.equal(registered.status, 200, registered.body);
  const cookie = cookieFrom(registered, gw.cookieName) as string;
  const id = registered.json<{ factor: { id: string } }>().factor.id;

  const page = await gw.send({
    host: 'portal.test',
    target: '/.portcullis/',
    headers: { cookie, accept: 'text/html' },
  });
  assert.match(page.body, /Blue key/);
  assert.match(page.body, /Security key/);

  const renamed = await form('factor/rename', { id, name: '  Red <key>  ' }, cookie);
  assert.equal(renamed.status, 200);
  assert.match(renamed.body, /The name was changed\./);
  assert.match(renamed.body, /Red &lt;key&gt;/);
  assert.equal((await gw.runtime.durable.getFactor(id))?.name, 'Red <key>');

  // bob cannot rename or remove alice's key
  const bob = await gw.login('bob');
  assert.match((await form('factor/rename', { id, name: 'mine' }, bob)).body, /No such factor\./);
  assert.equal((await gw.runtime.durable.getFactor(id))?.name, 'Red <key>');
  // without an Origin: CSRF, nothing renamed
  const forged = await gw.send({
    method: 'POST',
    host: 'portal.test',
    target: '/.portcullis/account/factor/rename',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ id, name: 'forged' }).toString(),
  });
  assert.equal(forged.status, 403);
  assert.equal((await gw.runtime.durable.getFactor(id))?.name, 'Red <key>');
  // an empty name (after removing control characters) changes nothing
  assert.match((await form('factor/rename', { id, name: '\u0001\u0002' }, cookie)).body, /No such factor\./);

  // removal needs a second factor proven in the last 10 minutes
  gw.clock.advance(11 * 60_000);
  const stale = await form('factor/remove', { id }, cookie);
  assert.equal(stale.status, 303);
  assert.match(String(stale.headers.location), /\/\.portcullis\/stepup\?rd=/);
  assert.ok(await gw.runtime.durable.getFactor(id));

  // proven again with the key: removal goes through, and the key no longer signs in
  const proveOptions = await api('webauthn/login/options', {}, cookie);
  const proved = await api(
    'webauthn/login/verify',
    { response: key.authenticate(proveOptions.json<RequestOptionsJSON>(), ORIGIN) },
    cookie,
  );
  assert.equal(proved.status, 200, proved.body);
  const fresh = cookieFrom(proved, gw.cookieName) as string;
  const removed = await form('factor/remove', { id }, fresh);
  assert.equal(removed.status, 200);
  assert.match(removed.body, /The factor was removed\./);
  assert.equal(await gw.runtime.durable.getFactor(id), null);
  const anonymous = await gw.send({
    method: 'POST',
    host: 'portal.test',
    target: '/.portcullis/api/webauthn/login/options',
    headers: { 'content-type': 'application/json', origin: ORIGIN },
    body: '{}',
  });
  const attempt = await gw.send({
    method: 'POST',
    host: 'portal.test',
    target: '/.portcullis/api/webauthn/login/verify',
    headers: { 'content-type': 'application/json', origin: ORIGIN },
    body: JSON.stringify({ response: key.authenticate(anonymous.json<RequestOptionsJSON>(), ORIGIN) }),
  });
  assert.equal(attempt.status, 401);
  assert.equal(attempt.json().reason, 'unknown_credential');

  await gw.runtime.audit.flush();
  const events = (await gw.runtime.durable.queryAudit({ user: 'alice' })).map((e) => e.event);
  assert.ok(events.includes('enroll.webauthn'));
  assert.ok(events.includes('factor.renamed'));
  assert.ok(events.includes('factor.removed'));
});
