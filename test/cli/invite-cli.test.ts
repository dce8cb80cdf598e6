/**
 * `portcullis user invite` against a test gateway's folder: the link printed (token in the
 * fragment, only its hash stored), users.yaml written without a password, the enrolment due,
 * the audit event with the operating-system account, a re-invite replacing the earlier link, and
 * the refusals (a user with a password, a disabled user, usage errors) that change nothing.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { inviteTokenHash } from '../../src/authn/invites.ts';
import { runUserInvite } from '../../src/cli/invite.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { captureIo } from './fixtures.ts';

let gw: TestGateway;
let config: string;
before(async () => {
  gw = await startTestGateway({
    users: { alice: { groups: ['msp-admins'] }, dave: { password: null, disabled: true }, gina: { password: null } },
  });
  config = join(gw.dir, 'config/gateway.yaml');
});
after(() => gw.close());

const users = () => parse(readFileSync(join(gw.dir, 'config/users.yaml'), 'utf8')).users;
const LINK = /^http:\/\/portal\.test\/\.portcullis\/invite#([A-Za-z0-9_-]{43})\n$/;

async function invite(args: string[]) {
  const io = captureIo();
  const code = await runUserInvite([...args, '--config', config], io);
  return { code, out: io.stdout.text, err: io.stderr.text, token: LINK.exec(io.stdout.text)?.[1] };
}

describe('portcullis user invite', () => {
  it('creates the user without a password and prints a one-time link, stored hashed and audited', async () => {
    const r = await invite(['Erin', '--email', 'erin@acme.example', '--groups', 'staff,techs', '--tenant', 'acme']);
    assert.equal(r.code, 0, r.err);
    assert.ok(r.token, r.out);
    assert.match(r.err, /added erin: .*works once, until 20\d\d-/);
    assert.deepEqual(users().erin, { email: 'erin@acme.example', groups: ['staff', 'techs'], tenant: 'acme' });
    const stored = await gw.runtime.durable.findInvite(inviteTokenHash(r.token));
    assert.equal(stored?.user, 'erin');
    assert.ok(stored && Math.abs(stored.expiresAt - stored.createdAt - 7 * 86_400_000) < 1000, 'seven days');
    assert.equal(await gw.runtime.durable.isEnrolmentDue('erin'), true);
    const [event] = await gw.runtime.durable.queryAudit({ event: 'invite.issued' });
    assert.equal(event?.user, 'erin');
    assert.equal(event?.tenant, 'acme');
    assert.match(String(event?.detail?.by), /^cli:./);
    assert.ok(!JSON.stringify(event).includes(r.token), 'no token in the audit trail');
  });

  it('a re-invite of a user without a password replaces the earlier link and takes --ttl', async () => {
    const first = await invite(['frank']);
    const second = await invite(['frank', '--ttl', '36h', '--name', 'Frank Field']);
    assert.equal(second.code, 0, second.err);
    assert.match(second.err, /the earlier link no longer works/);
    assert.equal(await gw.runtime.durable.findInvite(inviteTokenHash(first.token ?? '')), null);
    const stored = await gw.runtime.durable.findInvite(inviteTokenHash(second.token ?? ''));
    assert.ok(stored && Math.abs(stored.expiresAt - stored.createdAt - 36 * 3_600_000) < 1000);
    assert.deepEqual(users().frank, { name: 'Frank Field' });
    // a user already in users.yaml without a password (added by hand) can be invited too
    assert.equal((await invite(['gina'])).code, 0);
  });

  it('refuses, changing nothing: a user with a password, a disabled user, and usage errors', async () => {
    const before = readFileSync(join(gw.dir, 'config/users.yaml'), 'utf8');
    const cases: [string[], number, RegExp][] = [
      [['alice'], 1, /alice already has a password: an invite sets the first password/],
      [['dave'], 1, /dave is disabled/],
      [[], 2, /give exactly one user name/],
      [['a', 'b'], 2, /give exactly one user name/],
      [['-bad-'], 2, /unknown option|invalid user name/],
      [['henry', '--ttl', '31d'], 2, /at most 30d/],
      [['henry', '--ttl', '0'], 2, /--ttl is a duration/],
      [['henry', '--ttl', 'soon'], 2, /--ttl is a duration/],
      [['henry', '--email', 'not-an-email'], 2, /--email/],
      [['henry', '--password', 'x'], 2, /unknown option --password/],
    ];
    for (const [args, code, message] of cases) {
      const r = await invite(args);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, message, args.join(' '));
      assert.equal(r.out, '', 'no link');
    }
    assert.equal(readFileSync(join(gw.dir, 'config/users.yaml'), 'utf8'), before);
    assert.equal(await gw.runtime.durable.isEnrolmentDue('alice'), false);
  });
});
