/**
 * The invitation pages through the test gateway, with links made by `portcullis user invite`:
 * the page the link opens, a wrong, used, replaced or expired link (ManualClock), the password
 * rules (too short, common, containing the user name, two different entries) that keep the link
 * usable, and the success that writes an argon2id hash, signs the person in and leads to the
 * enrolment of a second factor, with the reason why; the link then works no more.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { issueInvite } from '../../src/authn/invites.ts';
import { runUserInvite } from '../../src/cli/invite.ts';
import { ManualClock } from '../../src/clock.ts';
import { systemRandom } from '../../src/random.ts';
import { verifyPassword } from '../../src/users/password.ts';
import { captureIo } from '../cli/fixtures.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { type Answer, cookieFrom } from '../helpers/http.ts';

const DAY = 86_400_000;
const GOOD = 'a meadow of quiet violins';

let gw: TestGateway;
before(async () => {
  // the command-line tool stamps invites with the real time
  gw = await startTestGateway({ clock: new ManualClock(Date.now()), users: { alice: { groups: ['msp-admins'] } } });
});
after(() => gw.close());

async function invite(user: string, ...flags: string[]): Promise<string> {
  const io = captureIo();
  const code = await runUserInvite([user, ...flags, '--config', join(gw.dir, 'config/gateway.yaml')], io);
  assert.equal(code, 0, io.stderr.text);
  const token = /#([A-Za-z0-9_-]{43})$/m.exec(io.stdout.text)?.[1];
  assert.ok(token);
  return token;
}

const post = (target: string, fields: Record<string, string>, origin = 'http://portal.test'): Promise<Answer> =>
  gw.send({
    method: 'POST',
    host: 'portal.test',
    target,
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin, accept: 'text/html' },
    body: new URLSearchParams(fields).toString(),
  });
const open = (token: string) => post('/.portcullis/invite', { token });
const setPassword = (token: string, password: string, confirm = password) =>
  post('/.portcullis/invite/password', { token, username: 'ignored', password, confirm });
const usersFile = () => parse(readFileSync(join(gw.dir, 'config/users.yaml'), 'utf8')).users;
const events = async (event: string) => gw.runtime.durable.queryAudit({ event });

describe('the invitation pages', () => {
  it('the link opens a page whose script sends the token from the fragment', async () => {
    const page = await gw.send({
      host: 'portal.test',
      target: '/.portcullis/invite',
      headers: { accept: 'text/html' },
    });
    assert.equal(page.status, 200);
    assert.match(page.body, /<script src="\/\.portcullis\/static\/invite\.js" defer>/);
    assert.match(page.body, /<form method="post" action="\/\.portcullis\/invite" id="invite-open">/);
    assert.match(String(page.headers['content-security-policy']), /script-src 'self';/);
    const script = await gw.send({ host: 'portal.test', target: '/.portcullis/static/invite.js' });
    assert.equal(script.status, 200);
    assert.match(script.body, /location\.hash/);
  });

  it('a wrong or malformed token, and a form without the origin, open nothing', async () => {
    const cases: [Record<string, string>, string | undefined, number, RegExp][] = [
      [{ token: 'A'.repeat(43) }, undefined, 404, /does not work/],
      [{ token: 'not a token' }, undefined, 404, /does not work/],
      [{ token: '' }, undefined, 404, /does not work/],
      [{ token: 'A'.repeat(43) }, 'http://evil.example', 403, /./],
      [{ token: 'A'.repeat(43), extra: 'x' }, undefined, 400, /./],
    ];
    for (const [fields, origin, status, body] of cases) {
      const answer = await post('/.portcullis/invite', fields, origin);
      assert.equal(answer.status, status, JSON.stringify(fields));
      assert.match(answer.body, body);
    }
  });

  it('refuses weak passwords and keeps the link usable; then sets it, signs in and leads to the enrolment', async () => {
    const token = await invite('erin', '--name', 'Erin Example');
    const opened = await open(token);
    assert.equal(opened.status, 200);
    assert.match(opened.body, /Welcome, Erin Example\./);
    assert.match(opened.body, /value="erin" readonly/);
    assert.match(opened.body, /<meter id="strength"/);

    const refusals: [string, string, RegExp][] = [
      ['short', 'short', /at least 12 characters/],
      ['qwerty123456', 'qwerty123456', /most common passwords/],
      ['Sunshine2024!!', 'Sunshine2024!!', /most common passwords/],
      ['erin is my name ok', 'erin is my name ok', /must not contain the user name/],
      [GOOD, `${GOOD}!`, /The two passwords differ/],
    ];
    for (const [password, confirm, message] of refusals) {
      const answer = await setPassword(token, password, confirm);
      assert.equal(answer.status, 400, password);
      assert.match(answer.body, message);
      assert.match(answer.body, /role="alert"/);
      if (password.length >= 12) assert.ok(!answer.body.includes(password), 'the password is not echoed');
    }
    assert.equal(usersFile().erin.password, undefined, 'nothing written yet');

    const done = await setPassword(token, GOOD);
    assert.equal(done.status, 303, done.body);
    assert.equal(
      done.headers.location,
      `/.portcullis/enroll?rd=${encodeURIComponent('http://portal.test/.portcullis/')}`,
    );
    const cookie = cookieFrom(done, gw.cookieName);
    assert.ok(cookie);
    const hash = usersFile().erin.password as string;
    assert.match(hash, /^\$argon2id\$/);
    assert.equal(await verifyPassword(hash, GOOD), true);
    const [used] = await events('invite.used');
    assert.equal(used?.user, 'erin');
    assert.ok(!JSON.stringify(await gw.runtime.durable.queryAudit({})).includes(token), 'no token in the audit');

    const session = await gw.send({ host: 'portal.test', target: '/.portcullis/api/session', headers: { cookie } });
    assert.equal(session.json<{ user: string }>().user, 'erin');
    const enrol = await gw.send({ host: 'portal.test', target: '/.portcullis/enroll', headers: { cookie } });
    assert.equal(enrol.status, 200);
    assert.match(enrol.body, /A second factor keeps your account safe/);
    assert.match(enrol.body, /Authenticator app/);

    // abandoned here, the account is asked to enrol at its next sign-in, whatever the policy says
    const again = await gw.send({
      method: 'POST',
      host: 'portal.test',
      target: '/.portcullis/api/login',
      headers: { 'content-type': 'application/json', origin: 'http://portal.test' },
      body: JSON.stringify({ username: 'erin', password: GOOD }),
    });
    assert.deepEqual(again.json(), { status: 'enrollment_required', methods: ['webauthn', 'totp'] });

    // the link works once
    assert.equal((await open(token)).status, 404);
    assert.equal((await setPassword(token, 'another fine passphrase')).status, 404);
    assert.equal(await verifyPassword(usersFile().erin.password, GOOD), true);
  });

  it('a replaced link no longer works; the newer one does', async () => {
    const first = await invite('frank');
    const second = await invite('frank');
    assert.equal((await open(first)).status, 404);
    assert.equal((await open(second)).status, 200);
  });

  it('an expired link says so once, is audited and removed', async () => {
    const token = await invite('gina', '--ttl', '2d');
    gw.clock.advance(3 * DAY); // the gateway's clock started before the invite was issued
    const answer = await open(token);
    assert.equal(answer.status, 410);
    assert.match(answer.body, /has expired/);
    assert.equal((await setPassword(token, GOOD)).status, 404, 'removed');
    const [expired] = await events('invite.expired');
    assert.equal(expired?.user, 'gina');
    assert.equal(usersFile().gina.password, undefined);
  });

  it('an invite for an account that has a password (set meanwhile by hand) opens nothing', async () => {
    const { token } = await issueInvite(gw.runtime.durable, gw.clock, systemRandom, 'alice', DAY, 'test');
    assert.equal((await open(token)).status, 404);
    assert.equal((await setPassword(token, GOOD)).status, 404);
    assert.equal((await events('invite.refused'))[0]?.user, 'alice');
  });
});
