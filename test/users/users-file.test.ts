/** users.yaml editing: comments and layout survive, duplicates are refused, writes are atomic. */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { PortcullisError } from '../../src/errors.ts';
import { addUser, removeUser, setUserField, USERS_FILE_HEADER } from '../../src/users/users-file.ts';

const HASH = '$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g';

const ORIGINAL = `# Our users. Keep this list short.
# Ask the SOC before adding anyone.

users:
  # the MSP's own admin
  alice:
    name: Alice Admin # head of ops
    email: alice@msp.example
    password: "${HASH}"
    groups: [msp-admins]
    # tenant: acme

  # a client user
  bob:
    tenant: acme
    groups:
      - acme-users
`;

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'portcullis-users-'));
  dirs.push(d);
  return d;
}
const isCode = (code: string) => (err: unknown) => err instanceof PortcullisError && err.code === code;

test('add, set and remove keep comments and layout (exact text)', async () => {
  const file = join(await tempDir(), 'users.yaml');
  await writeFile(file, ORIGINAL);

  await addUser(file, 'carol', { tenant: 'globex', name: 'Carol C', groups: ['globex-admins', 'ops'], password: HASH });
  const added = `${ORIGINAL}
  carol:
    name: Carol C
    password: "${HASH}"
    groups: [globex-admins, ops]
    tenant: globex
`;
  assert.equal(await readFile(file, 'utf8'), added);

  await setUserField(file, 'bob', 'disabled', true);
  await setUserField(file, 'alice', 'groups', ['msp-admins', 'auditors']);
  await setUserField(file, 'alice', 'email', undefined);
  const edited = added
    .replace('      - acme-users\n', '      - acme-users\n    disabled: true\n')
    .replace('groups: [msp-admins]', 'groups: [msp-admins, auditors]')
    .replace('    email: alice@msp.example\n', '');
  assert.equal(await readFile(file, 'utf8'), edited);

  await removeUser(file, 'carol');
  await setUserField(file, 'bob', 'disabled', undefined);
  await setUserField(file, 'alice', 'groups', ['msp-admins']);
  await setUserField(file, 'alice', 'email', 'alice@msp.example');
  // a field set again goes back to its place (name, email, password, groups, tenant, disabled)
  assert.equal(await readFile(file, 'utf8'), ORIGINAL);
});

test('removing a user removes its entry and leaves the rest as it was', async () => {
  const file = join(await tempDir(), 'users.yaml');
  await writeFile(file, ORIGINAL);
  await addUser(file, 'carol', { tenant: 'globex' });
  await removeUser(file, 'carol');
  assert.equal(await readFile(file, 'utf8'), ORIGINAL);
  await removeUser(file, 'bob');
  assert.equal(await readFile(file, 'utf8'), ORIGINAL.slice(0, ORIGINAL.indexOf('\n  # a client user')));
});

test('a missing file is created with the header comment, mode 0600', async () => {
  const file = join(await tempDir(), 'users.yaml');
  await addUser(file, 'alice', {
    name: 'Alice Admin',
    email: 'alice@msp.example',
    password: HASH,
    groups: ['msp-admins'],
  });
  assert.equal(
    await readFile(file, 'utf8'),
    `${USERS_FILE_HEADER}

users:
  alice:
    name: Alice Admin
    email: alice@msp.example
    password: "${HASH}"
    groups: [msp-admins]
`,
  );
  assert.equal((await stat(file)).mode & 0o777, 0o600);
});

test('an existing user is refused, whatever the spelling; the file is unchanged', async () => {
  const file = join(await tempDir(), 'users.yaml');
  await writeFile(file, ORIGINAL);
  await assert.rejects(addUser(file, 'alice', {}), isCode('PC_ERR_USER_EXISTS'));
  await assert.rejects(addUser(file, 'ALICE ', {}), isCode('PC_ERR_USER_EXISTS'));
  await assert.rejects(addUser(file, 'ａｌｉｃｅ', {}), isCode('PC_ERR_USER_EXISTS'));
  await assert.rejects(addUser(file, 'bad name', {}), isCode('PC_ERR_CONFIG_INVALID'));
  assert.equal(await readFile(file, 'utf8'), ORIGINAL);
});

test('unknown users: PC_ERR_USER_UNKNOWN for set and remove (also when the file is missing)', async () => {
  const dir = await tempDir();
  const file = join(dir, 'users.yaml');
  await assert.rejects(removeUser(file, 'alice'), isCode('PC_ERR_USER_UNKNOWN'));
  await writeFile(file, ORIGINAL);
  await assert.rejects(removeUser(file, 'carol'), isCode('PC_ERR_USER_UNKNOWN'));
  await assert.rejects(setUserField(file, 'carol', 'disabled', true), isCode('PC_ERR_USER_UNKNOWN'));
  assert.equal(await readFile(file, 'utf8'), ORIGINAL);
});

test('empty users: and an emptied map are filled as a block', async () => {
  const file = join(await tempDir(), 'users.yaml');
  await writeFile(file, '# header\nusers:\n');
  await addUser(file, 'alice', { tenant: 'acme' });
  assert.equal(await readFile(file, 'utf8'), '# header\nusers:\n  alice:\n    tenant: acme\n');
  await removeUser(file, 'alice');
  await addUser(file, 'bob', {});
  assert.equal(await readFile(file, 'utf8'), '# header\nusers:\n  bob: {}\n');
});

test('a file that does not parse is refused without its contents in the message', async () => {
  const file = join(await tempDir(), 'users.yaml');
  const broken = `users:\n  alice:\n    password: "${HASH}\n  bob: [\n`;
  await writeFile(file, broken);
  await assert.rejects(addUser(file, 'carol', {}), (err: unknown) => {
    assert.ok(isCode('PC_ERR_CONFIG_INVALID')(err));
    assert.ok(!(err as Error).message.includes('argon2id'));
    return true;
  });
  assert.equal(await readFile(file, 'utf8'), broken);
});

test('writes are atomic: no temp files left behind, also after a refusal', async () => {
  const dir = await tempDir();
  const file = join(dir, 'users.yaml');
  await addUser(file, 'alice', {});
  await addUser(file, 'bob', {});
  await setUserField(file, 'bob', 'disabled', true);
  await removeUser(file, 'alice');
  await assert.rejects(addUser(file, 'bob', {}));
  assert.deepEqual(await readdir(dir), ['users.yaml']);
  assert.equal((await stat(file)).mode & 0o777, 0o600);
});

test('the documented example: commented-out fields stay with their user; trailing comments stay put', async () => {
  const file = join(await tempDir(), 'users.yaml');
  const example = `${USERS_FILE_HEADER}

users:
  alice:
    name: Alice Admin
    email: alice@msp.example
    password: "${HASH}"
    groups: [msp-admins]
    # tenant: acme          # absent: MSP staff; present: that client's user
    # disabled: true
  # client users below
  bob: {}
  carol:
# the end
`;
  await writeFile(file, example);
  await setUserField(file, 'bob', 'tenant', 'acme');
  await setUserField(file, 'carol', 'disabled', true);
  await addUser(file, 'dave', { groups: ['ops'] });
  assert.equal(
    await readFile(file, 'utf8'),
    example
      .replace('  bob: {}\n', '  bob:\n    tenant: acme\n')
      .replace('  carol:\n# the end\n', '  carol:\n    disabled: true\n  dave:\n    groups: [ops]\n\n# the end\n'),
  );
});
