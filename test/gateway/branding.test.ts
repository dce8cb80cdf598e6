/** Per-tenant names and logos on the portal pages (branding in gateway.yaml). */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { checkConfig, GATEWAY } from '../cli/fixtures.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

const dir = mkdtempSync(join(tmpdir(), 'portcullis-brand-'));
const MSP_LOGO = join(dir, 'msp.svg');
const ACME_LOGO = join(dir, 'acme.png');
writeFileSync(
  MSP_LOGO,
  '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
);
writeFileSync(ACME_LOGO, Buffer.from('89504e470d0a1a0a', 'hex'));

let gw: TestGateway;
before(async () => {
  gw = await startTestGateway({
    gateway: {
      branding: { name: 'Example MSP', logo: MSP_LOGO, tenants: { acme: { name: 'Acme <Corp>', logo: ACME_LOGO } } },
    },
  });
});
after(async () => {
  await gw.close();
  rmSync(dir, { recursive: true, force: true });
});

const page = (target: string, host = 'portal.test') => gw.send({ host, target, headers: { accept: 'text/html' } });

describe('branding', () => {
  test('the MSP name and logo on the portal pages', async () => {
    const answer = await page('/.portcullis/login');
    assert.equal(answer.status, 200);
    assert.match(
      answer.body,
      /<p class="brand"><img src="\/\.portcullis\/brand\/msp\.svg" alt="" class="logo">Example MSP<\/p>/,
    );
  });

  test("a client's name and logo on the way to its app (rd), escaped", async () => {
    const answer = await page(`/.portcullis/login?rd=${encodeURIComponent('http://acme.test/tickets')}`);
    assert.match(
      answer.body,
      /<img src="\/\.portcullis\/brand\/tenant-acme\.png" alt="" class="logo">Acme &lt;Corp&gt;<\/p>/,
    );
    assert.doesNotMatch(answer.body, /Example MSP/);
  });

  test('on the client app host itself', async () => {
    const answer = await page('/.portcullis/login', 'acme.test');
    assert.match(answer.body, /Acme &lt;Corp&gt;/);
  });

  test('an MSP app keeps the MSP brand', async () => {
    const answer = await page(`/.portcullis/login?rd=${encodeURIComponent('http://app.test/')}`);
    assert.match(answer.body, /Example MSP/);
  });

  test('logos are served with their type, and an SVG cannot run anything', async () => {
    const svg = await gw.send({ host: 'portal.test', target: '/.portcullis/brand/msp.svg' });
    assert.equal(svg.status, 200);
    assert.equal(svg.headers['content-type'], 'image/svg+xml');
    assert.match(String(svg.headers['content-security-policy']), /sandbox/);
    const png = await gw.send({ host: 'portal.test', target: '/.portcullis/brand/tenant-acme.png' });
    assert.equal(png.headers['content-type'], 'image/png');
    assert.equal((await gw.send({ host: 'portal.test', target: '/.portcullis/brand/nope.svg' })).status, 404);
    assert.equal((await gw.send({ host: 'portal.test', target: '/.portcullis/brand/..%2Fsecret.svg' })).status, 400);
  });
});

describe('check: branding', () => {
  test('a missing logo is an error; a tenant without apps warns', async () => {
    const missing = await checkConfig({
      'config/gateway.yaml': `${GATEWAY}branding:\n  logo: nope.svg\n  tenants:\n    initech: { name: Initech }\n`,
    });
    assert.equal(missing.code, 1);
    assert.match(missing.err, /gateway\.yaml:\d+:\d+: cannot read .*nope\.svg: ENOENT/);
    const warn = await checkConfig({
      'config/gateway.yaml': `${GATEWAY}branding:\n  tenants:\n    initech: { name: Initech }\n`,
    });
    assert.equal(warn.code, 0);
    assert.match(warn.err, /warning: .*no app belongs to tenant 'initech'/);
  });

  test('the language and time zone of the pages: known values only, located', async () => {
    const ok = await checkConfig({
      'config/gateway.yaml': `${GATEWAY}branding:\n  language: de\n  time_zone: Europe/Berlin\n`,
    });
    assert.equal(ok.code, 0, ok.err);
    const bad = await checkConfig({
      'config/gateway.yaml': `${GATEWAY}branding:\n  language: pt\n  time_zone: Mars/Olympus\n`,
    });
    assert.equal(bad.code, 1);
    assert.match(bad.err, /gateway\.yaml:\d+:\d+: must be one of: en, de, fr, es, nl/);
    const zone = await checkConfig({ 'config/gateway.yaml': `${GATEWAY}branding:\n  time_zone: Mars/Olympus\n` });
    assert.equal(zone.code, 1);
    assert.match(zone.err, /gateway\.yaml:\d+:\d+: unknown time zone "Mars\/Olympus"/);
  });
});

describe('check: branding.support', () => {
  const withSupport = (support: string) =>
    checkConfig({
      'config/gateway.yaml': `${GATEWAY}branding:\n  support: ${support}\n  tenants:\n    acme: { support: ${support} }\n`,
    });
  const good: [label: string, support: string][] = [
    [
      'all three',
      '{ url: "https://help.msp.example/desk?lang=en", email: help@msp.example, phone: "+49 (30) 1234-5678" }',
    ],
    ['a web page only, http', '{ url: "http://intranet.msp.example" }'],
    ['an e-mail address only', '{ email: "it.help+portal@acme.example" }'],
    ['a phone number only, no +', '{ phone: "030 123 456" }'],
  ];
  for (const [label, support] of good) {
    test(`accepted: ${label}`, async () => {
      const answer = await withSupport(support);
      assert.equal(answer.code, 0, answer.err);
    });
  }
  const URL_WORDS = /must be an http:\/\/ or https:\/\/ URL$/m;
  const EMAIL_WORDS = /must be an e-mail address like help@example\.com$/m;
  const PHONE_WORDS = /must be a phone number: digits/;
  const bad: [label: string, support: string, problem: RegExp][] = [
    ['a script URL', '{ url: "javascript:alert(1)" }', URL_WORDS],
    ['another scheme', '{ url: "ftp://help.msp.example/" }', URL_WORDS],
    ['markup in a URL', '{ url: "https://help.msp.example/\\"><script>" }', URL_WORDS],
    ['an address without a domain', '{ email: "help@localhost" }', EMAIL_WORDS],
    ['an address with a space', '{ email: "help desk@msp.example" }', EMAIL_WORDS],
    ['a phone number in words', '{ phone: "call Dave" }', PHONE_WORDS],
    ['markup in a phone number', '{ phone: "+1<b>555</b>" }', PHONE_WORDS],
    ['nothing given', '{}', /must give at least one of: url, email, phone/],
    ['an unknown key', '{ fax: "+1 555" }', /unknown key 'fax'/],
  ];
  for (const [label, support, problem] of bad) {
    test(`refused with its place: ${label}`, async () => {
      const answer = await withSupport(support);
      assert.equal(answer.code, 1, label);
      assert.match(answer.err, /gateway\.yaml:\d+:\d+: /);
      assert.match(answer.err, problem);
      assert.match(answer.err, /2 problems/, 'the MSP and the tenant entry, each located');
    });
  }
});
