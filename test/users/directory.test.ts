/** UserDirectory: canonical keys, frozen records, problems instead of throws. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UserDirectory } from '../../src/users/directory.ts';

const HASH = '$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g';

test('builds users with defaults and frozen facts', () => {
  const { directory, problems } = UserDirectory.build({
    alice: { name: 'Alice Admin', email: 'alice@msp.example', password: HASH, groups: ['msp-admins'] },
    bob: { tenant: 'acme', disabled: true },
  });
  assert.deepEqual(problems, []);
  assert.equal(directory.size, 2);
  const alice = directory.get('alice')!;
  assert.equal(alice.displayName, 'Alice Admin');
  assert.equal(alice.email, 'alice@msp.example');
  assert.equal(alice.tenant, null);
  assert.equal(alice.disabled, false);
  assert.equal(alice.passwordHash, HASH);
  assert.deepEqual(alice.facts, { name: 'alice', groups: ['msp-admins'], tenant: null });
  assert.ok(Object.isFrozen(alice) && Object.isFrozen(alice.facts) && Object.isFrozen(alice.groups));
  assert.equal(directory.get('alice')!.facts, alice.facts, 'built once');
  const bob = directory.get('bob')!;
  assert.equal(bob.displayName, 'bob');
  assert.equal(bob.email, null);
  assert.equal(bob.tenant, 'acme');
  assert.equal(bob.disabled, true);
  assert.equal(bob.passwordHash, undefined);
  assert.deepEqual(bob.groups, []);
  assert.deepEqual(
    directory.all().map((u) => u.name),
    ['alice', 'bob'],
  );
  assert.equal(directory.get('ALICE'), undefined, 'callers canonicalise first');
});

test('keys that fold to one name are problems and neither is kept', () => {
  const { directory, problems } = UserDirectory.build({ alice: {}, Alice: {}, ａｌｉｃｅ: {}, bob: {} });
  assert.equal(problems.length, 2);
  assert.match(problems[0]!, /Alice.*same user.*'alice'/);
  assert.equal(directory.get('alice'), undefined);
  assert.equal(directory.size, 1);
});

test('invalid names and non-argon2id passwords are problems; messages carry no hash', () => {
  const { directory, problems } = UserDirectory.build({
    'bad name': {},
    'evil\u001b[31m': {},
    carol: { password: '$argon2id$nonsense' },
  });
  assert.equal(problems.length, 3);
  assert.ok(problems.every((p) => !p.includes('\u001b') && !p.includes('nonsense')));
  assert.equal(directory.get('carol')!.passwordHash, undefined);
});

test('an empty users map builds an empty directory', () => {
  assert.equal(UserDirectory.build(null).directory.size, 0);
  assert.equal(UserDirectory.build({}).directory.size, 0);
});
