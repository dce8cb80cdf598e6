/** `portcullis hash-password`, `user add`, `user list` end to end against temp folders. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, test } from 'node:test';
import { parse } from 'yaml';
import { runHashPassword, runUserAdd, runUserList } from '../../src/cli/users.ts';
import { loadConfigFiles } from '../../src/config/load.ts';
import { openDurable } from '../../src/stores/open.ts';
import { parseArgon2Params, verifyPassword } from '../../src/users/password.ts';
import { providerUserRecord } from '../idp/fixtures.ts';

const LOW = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
const PASSWORD = 'correct horse battery staple';

function io(stdin = '') {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]) => {
    const s = new PassThrough();
    s.on('data', (c: Buffer) => into.push(c.toString()));
    return s;
  };
  return {
    io: { stdin: Readable.from([Buffer.from(stdin)]), stdout: sink(out), stderr: sink(err), hashParams: LOW },
    out: () => out.join(''),
    err: () => err.join(''),
  };
}

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function configDir(gateway = 'server:\n  public_url: https://gw.example\napps: []\n'): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'portcullis-cli-'));
  dirs.push(d);
  await mkdir(join(d, 'config'));
  await writeFile(join(d, 'config', 'gateway.yaml'), gateway);
  return d;
}

test('hash-password prints a hash that verifies; one trailing newline is stripped', async () => {
  const t = io(`${PASSWORD}\n`);
  assert.equal(await runHashPassword([], t.io), 0);
  const hash = t.out().trim();
  assert.deepEqual(parseArgon2Params(hash), LOW);
  assert.equal(await verifyPassword(hash, PASSWORD), true);
  assert.equal(t.err(), '');
  assert.ok(!t.out().includes(PASSWORD));
});

test('hash-password keeps all but one trailing newline, and takes CRLF as one', async () => {
  const two = io(`${PASSWORD}\n\n`);
  assert.equal(await runHashPassword([], two.io), 0);
  assert.equal(await verifyPassword(two.out().trim(), `${PASSWORD}\n`), true);
  const crlf = io(`${PASSWORD}\r\n`);
  assert.equal(await runHashPassword([], crlf.io), 0);
  assert.equal(await verifyPassword(crlf.out().trim(), PASSWORD), true);
});

test('hash-password: empty stdin and arguments are usage errors, a weak password is refused', async () => {
  for (const stdin of ['', '\n']) {
    const t = io(stdin);
    assert.equal(await runHashPassword([], t.io), 2);
    assert.match(t.err(), /no password on stdin/);
    assert.equal(t.out(), '');
  }
  const arg = io(PASSWORD);
  assert.equal(await runHashPassword(['hunter2hunter2'], arg.io), 2);
  assert.ok(!arg.err().includes('hunter2'));
  const weak = io('short\n');
  assert.equal(await runHashPassword([], weak.io), 1);
  assert.match(weak.err(), /at least 12/);
  assert.ok(!weak.err().includes('short\n') && weak.out() === '');
});

test('user add end to end: writes users.yaml beside gateway.yaml, 0600, password hashed', async () => {
  const d = await configDir();
  const config = join(d, 'config', 'gateway.yaml');
  const t = io(`${PASSWORD}\n`);
  const args = ['Alice', '--config', config, '--email', 'alice@msp.example', '--groups', 'msp-admins, auditors'];
  const code = await runUserAdd([...args, '--name=Alice Admin', '--password-stdin'], t.io);
  assert.equal(code, 0, t.err());
  assert.equal(t.out(), 'added user alice\n');
  const file = join(d, 'config', 'users.yaml');
  const text = await readFile(file, 'utf8');
  assert.ok(!text.includes(PASSWORD));
  assert.match(text, /^# Portcullis users\./);
  const alice = parse(text).users.alice;
  assert.deepEqual(
    { ...alice, password: undefined },
    { name: 'Alice Admin', email: 'alice@msp.example', groups: ['msp-admins', 'auditors'], password: undefined },
  );
  assert.equal(await verifyPassword(alice.password, PASSWORD), true);
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  assert.deepEqual((await readdir(join(d, 'config'))).sort(), ['gateway.yaml', 'users.yaml']);

  // the same user again is refused (exit 1), the file is unchanged
  const again = io(`${PASSWORD}\n`);
  assert.equal(await runUserAdd(['alice', '--config', config, '--password-stdin'], again.io), 1);
  assert.match(again.err(), /already exists/);
  assert.equal(await readFile(file, 'utf8'), text);

  // a client user without a password; then the list
  const bob = io();
  assert.equal(await runUserAdd(['bob', '--config', config, '--tenant', 'acme'], bob.io), 0);
  assert.match(bob.err(), /no password/);
  const list = io();
  assert.equal(await runUserList(['--config', config], list.io), 0, list.err());
  assert.equal(
    list.out(),
    'NAME   TENANT  GROUPS               PROVIDER  DISABLED  SECOND FACTORS  RECOVERY CODES\nalice  -       msp-admins,auditors  -         no        ?               ?\nbob    acme    -                    -         no        ?               ?\n',
  );
  assert.match(
    list.err(),
    /second factors not shown/,
    'without a complete configuration the factors are unknown, and it says so',
  );
  // with a complete configuration (a policies folder), the second factors are summarised
  await mkdir(join(d, 'policies'));
  // and a user an identity provider signed in, with an authenticator app
  const files = await loadConfigFiles(config);
  const durable = await openDurable(files.gateway.stores.durable, files.baseDir);
  await durable.saveProviderUser(providerUserRecord('carol@acme.example', { groups: ['staff'] }));
  await durable.addFactor({
    id: 'f1',
    user: 'carol@acme.example',
    kind: 'totp',
    name: 'phone',
    secret: 'sealed',
    data: null,
    createdAt: 1,
    lastUsedAt: null,
  });
  await durable.close();
  const full = io();
  assert.equal(await runUserList(['--config', config], full.io), 0, full.err());
  assert.match(full.out(), /^alice +- +msp-admins,auditors +- +no +none +-$/m);
  assert.match(full.out(), /^carol@acme\.example +acme +staff +acme-entra +- +totp +-$/m);
});

test('user add honours users.file relative to the gateway.yaml folder', async () => {
  const d = await configDir(
    'server:\n  public_url: https://gw.example\nusers:\n  file: ../people/users.yaml\napps: []\n',
  );
  await mkdir(join(d, 'people'));
  const t = io();
  assert.equal(await runUserAdd(['carol', '--config', join(d, 'config', 'gateway.yaml')], t.io), 0, t.err());
  assert.ok(parse(await readFile(join(d, 'people', 'users.yaml'), 'utf8')).users.carol);
});

test('user add usage errors exit 2 and write nothing', async () => {
  const d = await configDir();
  const config = join(d, 'config', 'gateway.yaml');
  const cases: [string[], RegExp][] = [
    [['--config', config], /exactly one user name/],
    [['a', 'b', '--config', config], /exactly one user name/],
    [['bad name', '--config', config], /invalid user name/],
    [['alice\u0000', '--config', config], /invalid user name/],
    [['alice', '--config', config, '--email', 'nope'], /--email/],
    [['alice', '--config', config, '--groups', 'a,b c'], /--groups/],
    [['alice', '--config', config, '--groups', ''], /--groups/],
    [['alice', '--config', config, '--tenant', 'Acme'], /--tenant/],
    [['alice', '--config', config, '--name', 'x\u001b[2J'], /--name/],
    [['alice', '--config', config, '--bogus'], /unknown option --bogus/],
    [['alice', '--config', config, '--password=hunter2hunter2'], /--password-stdin/],
    [['alice', '--config', config, '--password-stdin'], /no password on stdin/],
  ];
  for (const [args, message] of cases) {
    const t = io();
    assert.equal(await runUserAdd(args, t.io), 2, args.join(' '));
    assert.match(t.err(), message);
    assert.match(t.err(), /usage: portcullis user add/);
    assert.ok(!t.err().includes('hunter2'));
  }
  assert.deepEqual(await readdir(join(d, 'config')), ['gateway.yaml']);
});

test('user add refusals exit 1: weak password, missing gateway.yaml', async () => {
  const d = await configDir();
  const weak = io('aaaaaaaaaaaaaaaa\n');
  assert.equal(
    await runUserAdd(['alice', '--config', join(d, 'config', 'gateway.yaml'), '--password-stdin'], weak.io),
    1,
  );
  assert.match(weak.err(), /single character/);
  const missing = io();
  assert.equal(await runUserAdd(['alice', '--config', join(d, 'nope.yaml')], missing.io), 1);
  assert.match(missing.err(), /cannot read .*nope\.yaml: ENOENT/);
  assert.deepEqual(await readdir(join(d, 'config')), ['gateway.yaml']);
});

test('user list: no file yet, invalid file, unknown arguments', async () => {
  const d = await configDir();
  const config = join(d, 'config', 'gateway.yaml');
  const none = io();
  assert.equal(await runUserList(['--config', config], none.io), 0);
  assert.match(none.err(), /no users yet/);
  await writeFile(join(d, 'config', 'users.yaml'), 'users:\n  alice:\n    groups: nope\n');
  const bad = io();
  assert.equal(await runUserList(['--config', config], bad.io), 1);
  assert.match(bad.err(), /users\.yaml:3:\d+: /);
  const usage = io();
  assert.equal(await runUserList(['extra', '--config', config], usage.io), 2);
});
