/** `portcullis check` on the geography settings: which source, and what it cannot do. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkConfig, GATEWAY } from './fixtures.ts';

const policy = (when: string) => `rules:
  - name: r
    hosts: [psa.msp.example]
    when: ${when}
    action: deny
  - name: staff
    hosts: [psa.msp.example]
    action: authenticate
    require: { level: mfa }
`;
const only = (when: string) => ({
  'policies/00-shared.yaml': policy(when),
  'policies/acme.yaml': null,
  'policies/globex.yaml': null,
});

describe('check: geography', () => {
  test('a countries rule without geo.database: the bundled data, with a warning', async () => {
    const { code, err } = await checkConfig(only('{ countries: { not: [US] } }'));
    assert.equal(code, 0, err);
    assert.match(
      err,
      /warning: .*gateway\.yaml: a policy needs geography and geo\.database is not set: using the bundled geoip-lite data, which is from 2023/,
    );
  });

  test('risk new_country needs geography too; new_device does not', async () => {
    assert.match((await checkConfig(only('{ risk: [new_country] }'))).err, /bundled geoip-lite/);
    assert.match((await checkConfig(only('{ risk: [impossible_travel] }'))).err, /bundled geoip-lite/);
    const neither = await checkConfig(only('{ risk: [new_device, recent_failures] }'));
    assert.equal(neither.code, 0);
    assert.equal(neither.err, '');
  });

  test('impossible_travel with a country database: a warning that it never fires', async () => {
    const { writeMmdb } = await import('../helpers/mmdb.ts');
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-geo-'));
    try {
      const file = join(dir, 'country.mmdb');
      writeMmdb(file, [{ cidr: '203.0.113.0/24', record: { country: { iso_code: 'US' } } }], {
        databaseType: 'GeoLite2-Country',
      });
      const { code, err } = await checkConfig({
        ...only('{ risk: [impossible_travel] }'),
        'config/gateway.yaml': `${GATEWAY}geo:\n  database: ${file}\n`,
      });
      assert.equal(code, 0);
      assert.match(err, /a policy uses impossible_travel but mmdb:GeoLite2-Country .* has no coordinates/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a geo.database that does not exist is an error, located', async () => {
    const { code, err } = await checkConfig({ 'config/gateway.yaml': `${GATEWAY}geo:\n  database: missing.mmdb\n` });
    assert.equal(code, 1);
    assert.match(err, /gateway\.yaml:\d+:\d+: cannot read .*missing\.mmdb: ENOENT/);
  });

  test('a geo.database that is not a MaxMind DB file is an error', async () => {
    const { code, err } = await checkConfig({
      'config/gateway.yaml': `${GATEWAY}geo:\n  database: users.yaml\n`,
    });
    assert.equal(code, 1);
    assert.match(err, /users\.yaml is not a MaxMind DB file/);
  });

  test('risk settings are validated', async () => {
    const { code, err } = await checkConfig({
      'config/gateway.yaml': `${GATEWAY}risk:\n  impossible_travel_kmh: 0\n  new_country_window: soon\n`,
    });
    assert.equal(code, 1);
    assert.match(err, /gateway\.yaml:\d+:\d+: must be at least 1, got 0/);
    assert.match(err, /gateway\.yaml:\d+:\d+: must be a duration of more than zero/);
  });
});

describe('check: trusted devices', () => {
  test('trusted_device: true with remember_device 0 warns that it never matches', async () => {
    const rules = `rules:
  - name: trusted
    hosts: [psa.msp.example]
    when: { trusted_device: true }
    action: authenticate
    require: { level: password }
`;
    const files = { 'policies/00-shared.yaml': rules, 'policies/acme.yaml': null, 'policies/globex.yaml': null };
    const off = await checkConfig({
      ...files,
      'config/gateway.yaml': GATEWAY.replace('apps:', 'session:\n  remember_device: 0\napps:'),
    });
    assert.equal(off.code, 0);
    assert.match(off.err, /session\.remember_device is 0, so no device is ever trusted/);
    assert.equal((await checkConfig(files)).err, '');
  });
});

describe('reload: the geography database is watched', () => {
  test('configWatchTargets lists geo.database when it is set', async () => {
    const { loadConfigFiles } = await import('../../src/config/load.ts');
    const { configWatchTargets } = await import('../../src/config/reload.ts');
    const { makeConfig } = await import('./fixtures.ts');
    const { writeMmdb } = await import('../helpers/mmdb.ts');
    const dir = makeConfig({ 'config/gateway.yaml': `${GATEWAY}geo:\n  database: geo.mmdb\n` });
    try {
      writeMmdb(dir.path('config/geo.mmdb'), []);
      const files = await loadConfigFiles(dir.gateway, {});
      assert.ok(configWatchTargets(files).includes(dir.path('config/geo.mmdb')));
      const plain = makeConfig();
      try {
        assert.equal(configWatchTargets(await loadConfigFiles(plain.gateway, {})).length, 3);
      } finally {
        plain.remove();
      }
    } finally {
      dir.remove();
    }
  });
});
