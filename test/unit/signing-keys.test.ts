import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { AssertionSigner } from '../../src/proxy/assertion.ts';
import { loadSigningKeys, rotateSigningKeys } from '../../src/proxy/signing-keys.ts';

const claims = {
  sub: 'alice',
  email: 'alice@msp.example',
  name: 'Alice',
  groups: ['msp-admins'],
  tenant: null,
  amr: ['pwd'],
  auth_time: 1_800_000_000,
};

test('the first start generates one ES256 key, mode 0600; the next start loads the same key', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'pc-keys-')), 'data');
  const first = await loadSigningKeys(dir);
  assert.equal(first.length, 1);
  assert.equal(statSync(join(dir, 'signing-keys.json')).mode & 0o777, 0o600);
  assert.equal(first[0]?.publicJwk.kty, 'EC');
  assert.equal(first[0]?.publicJwk.crv, 'P-256');
  assert.equal('d' in (first[0]?.publicJwk ?? {}), false, 'the published key has no private part');
  const again = await loadSigningKeys(dir);
  assert.equal(again[0]?.kid, first[0]?.kid);
});

test('rotation puts a new key first and keeps the previous one published; old assertions still verify', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pc-keys-'));
  const [old] = await loadSigningKeys(dir);
  assert.ok(old);
  const now = 1_800_000_000_000;
  const oldJwt = new AssertionSigner(old, 'https://portal.example').assertion('s|app', 'app', claims, now);
  const rotated = await rotateSigningKeys(dir, 2);
  assert.equal(rotated.length, 2);
  assert.notEqual(rotated[0]?.kid, old.kid);
  assert.equal(rotated[1]?.kid, old.kid);
  const jwks = createLocalJWKSet({ keys: rotated.map((k) => k.publicJwk) });
  const currentOptions = { issuer: 'https://portal.example', audience: 'app', currentDate: new Date(now + 1000) };
  await jwtVerify(oldJwt, jwks, currentOptions);
  const newJwt = new AssertionSigner(rotated[0]!, 'https://portal.example').assertion('s|app', 'app', claims, now);
  const { payload, protectedHeader } = await jwtVerify(newJwt, jwks, currentOptions);
  assert.equal(protectedHeader.kid, rotated[0]?.kid);
  assert.equal(payload.sub, 'alice');
  assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), 120);
  // keep = 2: a third rotation drops the oldest
  const third = await rotateSigningKeys(dir, 2);
  assert.deepEqual(third.map((k) => k.kid).slice(1), [rotated[0]?.kid]);
});

test('the assertion is reused for the same session and app while it has more than a minute left', async () => {
  const [key] = await loadSigningKeys(mkdtempSync(join(tmpdir(), 'pc-keys-')));
  const signer = new AssertionSigner(key!, 'https://portal.example');
  const t0 = 1_800_000_000_000;
  const a = signer.assertion('sid|app', 'app', claims, t0);
  assert.equal(signer.assertion('sid|app', 'app', claims, t0 + 59_000), a);
  assert.notEqual(signer.assertion('sid|app', 'app', claims, t0 + 61_000), a, 'renewed before it gets short');
  assert.notEqual(signer.assertion('other|app', 'app', claims, t0), a, 'another session, another assertion');
});

test('a damaged key file is refused with PC_ERR_KEYS', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pc-keys-'));
  writeFileSync(join(dir, 'signing-keys.json'), '{"keys": []}');
  await assert.rejects(loadSigningKeys(dir), { code: 'PC_ERR_KEYS' });
  writeFileSync(join(dir, 'signing-keys.json'), 'not json');
  await assert.rejects(loadSigningKeys(dir), { code: 'PC_ERR_KEYS' });
});

test('first starts at once on one data folder (instances sharing a volume, workers) agree on one key', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'pc-keys-')), 'data');
  const loads = await Promise.all(Array.from({ length: 8 }, () => loadSigningKeys(dir)));
  const kids = new Set(loads.map((keys) => keys.map((k) => k.kid).join(',')));
  assert.equal(kids.size, 1, 'every start holds the same key set');
  assert.deepEqual(
    (await loadSigningKeys(dir)).map((k) => k.kid),
    loads[0]?.map((k) => k.kid),
    'and it is the one in the file',
  );
  assert.deepEqual(readdirSync(dir), ['signing-keys.json'], 'no temporary file left');
});
