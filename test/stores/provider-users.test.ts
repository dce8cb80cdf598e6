/**
 * Provider users in the durable store (real SQLite files and PostgreSQL): a name belongs to one
 * provider subject for good; a sign-in updates the details and the last seen time, never the
 * creation time; another subject cannot take the name, and a subject cannot take a second name.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProviderUserRecord } from '../../src/stores/durable.ts';
import { durableTargets } from '../helpers/durable-targets.ts';

const carol: ProviderUserRecord = {
  user: 'carol@acme.example',
  provider: 'acme-entra',
  subject: '11111111-2222-3333-4444-555555555555:aaaaaaaa-0000-0000-0000-000000000001',
  tenant: 'acme',
  displayName: 'Carol Client',
  email: 'carol@acme.example',
  groups: ['staff', 'techs'],
  createdAt: 1000,
  lastSeenAt: 1000,
};

for (const target of durableTargets)
  test(`provider users: one name per subject, updated at each sign-in, kept across a reopen (${target.name})`, async (t) => {
    if (!target.ready(t)) return;
    const file = target.fresh();
    const store = await target.open(file);
    assert.equal(await store.findProviderUser(carol.provider, carol.subject), null);
    assert.equal(await store.saveProviderUser(carol), true, 'created');
    assert.deepEqual(await store.findProviderUser(carol.provider, carol.subject), carol);
    assert.deepEqual(await store.getProviderUser(carol.user), carol);

    const later = {
      ...carol,
      displayName: 'Carol C.',
      groups: ['staff'],
      email: null,
      createdAt: 5000,
      lastSeenAt: 5000,
    };
    assert.equal(await store.saveProviderUser(later), true, 'the same subject signs in again');
    assert.deepEqual(await store.getProviderUser(carol.user), { ...later, createdAt: 1000 }, 'created once');

    // another person whose provider names them the same: nothing written
    assert.equal(await store.saveProviderUser({ ...carol, subject: 'someone-else', lastSeenAt: 9000 }), false);
    assert.equal(await store.saveProviderUser({ ...carol, provider: 'other-idp', lastSeenAt: 9000 }), false);
    // the same person under a second name: refused too (the subject holds a name already)
    assert.equal(await store.saveProviderUser({ ...carol, user: 'carol2@acme.example', lastSeenAt: 9000 }), false);
    assert.deepEqual(await store.getProviderUser(carol.user), { ...later, createdAt: 1000 });
    assert.equal(await store.getProviderUser('carol2@acme.example'), null);

    const dan = {
      ...carol,
      user: 'dan@msp.example',
      provider: 'msp-entra',
      subject: 's-dan',
      tenant: null,
      groups: [],
    };
    assert.equal(await store.saveProviderUser(dan), true);
    await store.close();

    const again = await target.open(file);
    t.after(() => again.close());
    assert.deepEqual(
      (await again.listProviderUsers()).map((u) => [u.user, u.provider, u.tenant, u.groups]),
      [
        ['carol@acme.example', 'acme-entra', 'acme', ['staff']],
        ['dan@msp.example', 'msp-entra', null, []],
      ],
    );
    assert.equal(await again.removeProviderUser('dan@msp.example'), true);
    assert.equal(await again.removeProviderUser('dan@msp.example'), false);
    assert.equal(await again.findProviderUser('msp-entra', 's-dan'), null);
    await assert.rejects(again.saveProviderUser({ ...carol, user: '' }), TypeError);
  });
