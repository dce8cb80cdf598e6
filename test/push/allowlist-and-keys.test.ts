/**
 * Where push may post (the browsers' push services, and only the hosts the operator adds), the
 * VAPID key pair (generated once into data/, or given, and checked), and `mfa.push` in
 * gateway.yaml (a reachable subject, a sane timeout, located problems).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BROWSER_PUSH_SERVICES, HostAllowlist } from '../../src/push/host-allowlist.ts';
import { checkedVapidKeys, generateVapidKeys, loadVapidKeys } from '../../src/push/vapid-keys.ts';
import { checkConfig, GATEWAY } from '../cli/fixtures.ts';

describe('host allowlist', () => {
  const { list } = HostAllowlist.parse([...BROWSER_PUSH_SERVICES, 'push.msp.example', 'http://127.0.0.1:8095']);

  it("allows the browsers' push services over https, and the hosts the operator adds", () => {
    for (const url of [
      'https://fcm.googleapis.com/fcm/send/abc:def',
      'https://updates.push.services.mozilla.com/wpush/v2/gAAAA',
      'https://web.push.apple.com/QGz',
      'https://wns2-par02p.notify.windows.com/w/?token=x',
      'https://push.msp.example/p/1',
      'http://127.0.0.1:8095/push/1',
      'https://FCM.googleapis.com/fcm/send/x',
    ])
      assert.equal(list.allows(url), true, url);
  });

  it('refuses everything else: other hosts, http, other ports, credentials, look-alikes, garbage', () => {
    for (const url of [
      'http://fcm.googleapis.com/fcm/send/x',
      'https://fcm.googleapis.com:8443/fcm/send/x',
      'https://fcm.googleapis.com.evil.example/x',
      'https://evilfcm.googleapis.com/x',
      'https://user:pw@fcm.googleapis.com/x',
      'https://notify.windows.com/x',
      'https://169.254.169.254/latest/meta-data/',
      'http://127.0.0.1:8096/push/1',
      'https://127.0.0.1:8095/push/1',
      'http://localhost:8095/push/1',
      'file:///etc/passwd',
      'not a url',
      '',
    ])
      assert.equal(list.allows(url), false, url);
  });

  it('says which entries are not entries', () => {
    const { problems } = HostAllowlist.parse([
      'ok.example',
      'http://x.example/path',
      'ftp://x.example',
      '*.example',
      'bad host',
      'https://u:p@x.example',
    ]);
    assert.deepEqual(
      problems.map((p) => p.index),
      [1, 2, 3, 4, 5],
    );
  });
});

describe('VAPID keys', () => {
  it('generated once into data/vapid.json, mode 0600, and the same at the next start', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-vapid-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const data = join(dir, 'data');
    const first = await loadVapidKeys({ configured: undefined, dataDir: data });
    assert.match(first.publicKey, /^[A-Za-z0-9_-]{87}$/);
    assert.equal(statSync(join(data, 'vapid.json')).mode & 0o777, 0o600);
    assert.deepEqual(await loadVapidKeys({ configured: undefined, dataDir: data }), first);
    assert.deepEqual(JSON.parse(readFileSync(join(data, 'vapid.json'), 'utf8')), {
      public_key: first.publicKey,
      private_key: first.privateKey,
    });
  });

  it('instances starting together agree on one pair', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-vapid-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const all = await Promise.all(
      Array.from({ length: 8 }, () => loadVapidKeys({ configured: undefined, dataDir: dir })),
    );
    for (const keys of all) assert.deepEqual(keys, all[0]);
  });

  it('every generated pair has a 32-byte private key (leading zero bytes kept)', () => {
    for (let i = 0; i < 2000; i++) {
      const keys = generateVapidKeys();
      assert.equal(Buffer.from(keys.privateKey, 'base64url').length, 32);
      assert.deepEqual(checkedVapidKeys(keys, 'x'), keys);
    }
  });

  it('a configured pair is used as given, and must be one pair', () => {
    const a = generateVapidKeys();
    const b = generateVapidKeys();
    assert.deepEqual(checkedVapidKeys(a, 'x'), a);
    assert.throws(
      () => checkedVapidKeys({ publicKey: a.publicKey, privateKey: b.privateKey }, 'mfa.push.vapid'),
      (err: Error & { code?: string }) =>
        err.code === 'PC_ERR_VAPID' && /not the private key's/.test(err.message) && !err.message.includes(b.privateKey),
    );
    assert.throws(() => checkedVapidKeys({ publicKey: a.publicKey, privateKey: 'A'.repeat(43) }, 'x'), /P-256/);
  });

  it('a broken data/vapid.json stops the start (never silently replaced: phones are bound to it)', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-vapid-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'vapid.json'), '{"public_key":"x"');
    await assert.rejects(loadVapidKeys({ configured: undefined, dataDir: dir }), { code: 'PC_ERR_VAPID' });
  });
});

describe('mfa.push in gateway.yaml', () => {
  const withPush = (push: string) => ({ 'config/gateway.yaml': `${GATEWAY}mfa:\n  push:\n${push}` });

  it('a reachable subject and the defaults: accepted', async () => {
    const r = await checkConfig(withPush('    subject: mailto:security@msp.example\n'));
    assert.equal(r.code, 0, r.err);
  });

  it('refused, located: a localhost subject, a timeout out of range, a bad host entry', async () => {
    for (const [push, message] of [
      ['    subject: mailto:ops@localhost\n', /'mailto:ops@localhost' must be an address .*Apple refuses localhost/],
      ['    subject: https://127.0.0.1/\n', /Apple refuses localhost/],
      ['    subject: http://msp.example\n', /must match \^\(mailto:/],
      ['    subject: mailto:a@msp.example\n    timeout: 5s\n', /a push request waits 10s to 5m, not 5s/],
      ['    subject: mailto:a@msp.example\n    timeout: 10m\n', /10s to 5m/],
      ['    subject: mailto:a@msp.example\n    link_hosts: [ntfy.sh, "http://x/y"]\n', /link_hosts.*no path/],
      ['    subject: mailto:a@msp.example\n    endpoint_hosts: ["*.com"]\n', /endpoint_hosts.*wildcard/],
      [
        '    subject: mailto:a@msp.example\n    vapid: { public_key: short, private_key: x }\n',
        /must match \^\[A-Za-z0-9_-\]\{87\}/,
      ],
    ] as const) {
      const r = await checkConfig(withPush(push));
      assert.equal(r.code, 1, push);
      assert.match(r.err, /gateway\.yaml:\d+:\d+: /, push);
      assert.match(r.err, message, push);
    }
  });
});
