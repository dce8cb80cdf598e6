/**
 * `portcullis migrate` and `portcullis store copy`: a SQLite deployment with a row in every table
 * moves to a new PostgreSQL schema and back without losing a user, factor or audit row (compared
 * through the store's own reads); a destination that is not empty, a source with a table this
 * version does not know, and the same store twice are refused with nothing written; no password
 * is ever printed.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { main } from '../../src/cli/main.ts';
import type { DurableStore } from '../../src/stores/durable.ts';
import { LATEST_SCHEMA_VERSION } from '../../src/stores/migrations.ts';
import { openDurable } from '../../src/stores/open.ts';
import { SqliteDurableStore } from '../../src/stores/sqlite.ts';
import { COPIED_TABLES } from '../../src/stores/store-copy.ts';
import { auditRecord } from '../helpers/audit-record.ts';
import { freshSchema, postgresTarget } from '../helpers/durable-targets.ts';
import { providerUserRecord } from '../idp/fixtures.ts';
import { captureIo, GATEWAY, makeConfig } from './fixtures.ts';

const dir = makeConfig({
  'config/gateway.yaml': `${GATEWAY}stores:\n  durable: sqlite:../data/portcullis.db\n`,
});
after(() => dir.remove());
const sqliteFile = dir.path('data/portcullis.db');

async function run(...args: string[]) {
  const io = captureIo();
  const code = await main(args, io);
  return { code, out: io.stdout.text, err: io.stderr.text };
}

/** A row in every table. */
async function fill(store: DurableStore): Promise<void> {
  for (let i = 0; i < 450; i++)
    await store.appendAudit(auditRecord({ time: 1_000 + (i % 7), event: `e.${i}`, detail: { i }, requestId: `r${i}` }));
  await store.addFactor({
    id: 'f1',
    user: 'alice',
    kind: 'totp',
    name: 'Phone',
    secret: 'v1.sealed',
    data: { lastStep: 5 },
    createdAt: 10,
    lastUsedAt: 20,
  });
  await store.addFactor({
    id: 'f2',
    user: 'alice',
    kind: 'webauthn',
    name: 'Key',
    secret: null,
    data: { publicKey: 'pk', counter: 3 },
    createdAt: 11,
    lastUsedAt: null,
  });
  await store.replaceRecoveryCodes('alice', ['h1', 'h2', 'h3'], 12);
  await store.useRecoveryCode('alice', 'h2', 13);
  await store.addDevice(
    {
      id: 'd1',
      user: 'alice',
      name: 'Firefox on Linux',
      firstSeenAt: 1,
      lastSeenAt: 2,
      ip: '192.0.2.1',
      country: 'FR',
      trustedAt: 2,
      trustedUntil: 9_999_999_999_999,
    },
    5,
  );
  for (let i = 0; i < 3; i++)
    await store.recordSignIn(
      {
        user: 'alice',
        time: 100,
        ip: `192.0.2.${i}`,
        country: 'FR',
        latitude: 48.85,
        longitude: -2.35,
        deviceId: 'd1',
      },
      10,
    );
  await store.endSessionsBefore('bob', 77);
  await store.putInvite({ user: 'carol', tokenHash: 'tok', createdAt: 1, expiresAt: 99, createdBy: 'cli:root' });
  await store.markEnrolmentDue('carol', 1);
  await store.setPreference('alice', 'default_method', 'webauthn');
  await store.putAccessCode({ user: 'dave', codeHash: 'ac', createdAt: 1, expiresAt: 99, createdBy: 'cli:root' });
  await store.blockPush({ user: 'erin', blockedAt: 5, requestId: 'rq', ip: null, country: null, app: 'rmm' });
  await store.saveProviderUser(
    providerUserRecord('pat@acme.example', { groups: ['techs', 'staff'], createdAt: 3, lastSeenAt: 9 }),
  );
}

/** Everything a store holds, read through its own methods. */
async function contents(store: DurableStore) {
  return {
    audit: await store.queryAudit({ limit: 10_000 }),
    factors: await store.listFactors('alice'),
    codes: await store.countRecoveryCodes('alice'),
    usedCode: await store.useRecoveryCode('alice', 'h2', 14),
    devices: await store.listDevices('alice'),
    signIns: await store.listSignIns('alice', 0, 100),
    ends: await store.listSessionEnds(0),
    invite: await store.findInvite('tok'),
    due: await store.isEnrolmentDue('carol'),
    preference: await store.getPreference('alice', 'default_method'),
    accessCodes: await store.listAccessCodes(),
    blocks: await store.listPushBlocks(),
    providerUsers: await store.listProviderUsers(),
  };
}

describe('portcullis migrate and store copy', () => {
  it('migrate applies the schema to a new store, then says it is up to date', async () => {
    const first = await run('migrate', '--config', dir.gateway);
    assert.equal(first.code, 0, first.err);
    assert.match(
      first.out,
      new RegExp(`applied migrations 1, 2, .*${LATEST_SCHEMA_VERSION}; schema version ${LATEST_SCHEMA_VERSION}`),
    );
    const again = await run('migrate', '--config', dir.gateway);
    assert.match(again.out, /schema version \d+, up to date/);
  });

  it('copies SQLite to PostgreSQL and back, losing nothing; refuses a second copy into the same store', async (t) => {
    if (!postgresTarget.ready(t)) return;
    const source = await SqliteDurableStore.open(sqliteFile);
    await fill(source);
    await source.close();
    const pgUrl = `postgres://postgres:hunter2-pw@127.0.0.1:5432/test?schema=${freshSchema()}`;

    const copied = await run('store', 'copy', `sqlite:${sqliteFile}`, pgUrl);
    assert.equal(copied.code, 0, copied.err);
    assert.match(copied.out, /^audit\s+450$/m);
    assert.match(copied.out, /^factors\s+2$/m);
    assert.match(copied.out, /^push_blocks\s+1$/m);
    assert.match(copied.out, /^provider_users\s+1$/m);
    assert.doesNotMatch(copied.out + copied.err, /hunter2/);

    const back = join(dir.root, 'data', 'back.db');
    assert.equal((await run('store', 'copy', pgUrl, `sqlite:${back}`)).code, 0);

    const [a, b, c] = [
      await SqliteDurableStore.open(sqliteFile),
      await openDurable(pgUrl, dir.root),
      await SqliteDurableStore.open(back),
    ];
    t.after(() => Promise.all([a.close(), b.close(), c.close()]));
    const expected = await contents(a);
    assert.equal(expected.audit.length, 450);
    assert.deepEqual(await contents(b), expected, 'PostgreSQL holds what SQLite held');
    assert.deepEqual(await contents(c), expected, 'and back again');

    const twice = await run('store', 'copy', `sqlite:${sqliteFile}`, pgUrl);
    assert.equal(twice.code, 1);
    assert.match(twice.err, /the destination is not empty \(table audit has rows\)/);
    assert.equal((await b.queryAudit({ limit: 10_000 })).length, 450, 'nothing was added');
  });

  it('refuses a source with a table it does not know, the same store twice, and bad usage', async () => {
    const odd = join(dir.root, 'data', 'odd.db');
    const store = await SqliteDurableStore.open(odd);
    await store.driver.query('create table later_feature (x text)', []);
    await store.close();
    const r = await run('store', 'copy', `sqlite:${odd}`, `sqlite:${join(dir.root, 'data', 'new.db')}`);
    assert.equal(r.code, 1);
    assert.match(r.err, /tables this version does not copy \(later_feature\)/);
    assert.equal((await run('store', 'copy', `sqlite:${odd}`, `sqlite:${odd}`)).code, 2);
    assert.equal((await run('store', 'copy', `sqlite:${odd}`)).code, 2);
    assert.equal((await run('store', 'move', 'a', 'b')).code, 2);
    assert.equal((await run('migrate', 'extra')).code, 2);
  });

  it('copies every table the migrations create', async () => {
    const store = await SqliteDurableStore.open(':memory:');
    const tables = (await store.driver.tables()).filter((t) => t !== 'schema_migrations');
    await store.close();
    assert.deepEqual(COPIED_TABLES.map((t) => t.table).sort(), tables.sort());
  });
});
