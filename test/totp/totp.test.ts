/**
 * TOTP core: RFC 6238 Appendix B vectors (via generateTotpCode and via TotpVerifier on a
 * ManualClock), the skew window, code shape checks (malformed codes never reach otplib or the
 * store), secret generation and the otpauth:// URI.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generate, verify } from 'otplib';
import type { TotpAlgorithm } from '../../src/authn/factors/totp/totp.ts';
import {
  base32Encode,
  generateTotpCode,
  generateTotpSecret,
  isWellFormedCode,
  TotpVerifier,
  timeStep,
  totpUri,
} from '../../src/authn/factors/totp/totp.ts';
import { ManualClock } from '../../src/clock.ts';
import type { Random } from '../../src/random.ts';
import { MemoryEphemeralStore } from '../../src/stores/memory.ts';
import { countingStore, memoryFixture, RFC_SECRETS, SECRET } from './helpers.ts';

/** RFC 6238 Appendix B: [time (s), sha1, sha256, sha512], 8 digits, period 30. */
const RFC_VECTORS: [number, string, string, string][] = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];
const ALGORITHMS: TotpAlgorithm[] = ['sha1', 'sha256', 'sha512'];

describe('RFC 6238 Appendix B vectors', () => {
  for (const [time, ...codes] of RFC_VECTORS) {
    ALGORITHMS.forEach((algorithm, i) => {
      const code = codes[i]!;
      it(`${algorithm} at T=${time} → ${code}`, async () => {
        const counter = timeStep(time * 1000, 30);
        assert.equal(
          await generateTotpCode(RFC_SECRETS[algorithm], counter, { digits: 8, period: 30, algorithm }),
          code,
        );

        const clock = new ManualClock(time * 1000);
        const store = new MemoryEphemeralStore({ clock }); // fresh per vector: no replay interference
        const verifier = new TotpVerifier({ store, clock, digits: 8, period: 30, skew: 0, algorithm });
        assert.deepEqual(await verifier.verify('alice', RFC_SECRETS[algorithm], code), { ok: true, counter });
        await store.close();
      });
    });
  }
});

describe('skew window', () => {
  const period = 30;
  async function check(skew: number, offset: number): Promise<string> {
    const f = memoryFixture({ skew });
    try {
      const t = timeStep(f.clock.now(), period);
      const code = await generateTotpCode(SECRET, t + offset, { digits: 6, period, algorithm: 'sha1' });
      const r = await f.verifier.verify('alice', SECRET, code);
      if (r.ok) assert.equal(r.counter, t + offset);
      return r.ok ? 'ok' : r.reason;
    } finally {
      await f.close();
    }
  }

  it('skew 1: steps -1, 0, +1 accepted; -2 and +2 refused', async () => {
    for (const offset of [-1, 0, 1]) assert.equal(await check(1, offset), 'ok', `offset ${offset}`);
    for (const offset of [-2, 2]) assert.equal(await check(1, offset), 'invalid', `offset ${offset}`);
  });

  it('skew 0: only the current step', async () => {
    assert.equal(await check(0, 0), 'ok');
    for (const offset of [-1, 1]) assert.equal(await check(0, offset), 'invalid', `offset ${offset}`);
  });

  it('a wrong code is invalid, and the time comes from the injected clock', async () => {
    const f = memoryFixture({ skew: 0, timeMs: 59_000 });
    assert.deepEqual(await f.verifier.verify('alice', SECRET, '000000'), { ok: false, reason: 'invalid' });
    const code = await generateTotpCode(SECRET, 1, { digits: 6, period: 30, algorithm: 'sha1' });
    assert.deepEqual(await f.verifier.verify('alice', SECRET, code), { ok: true, counter: 1 });
    await f.close();
  });

  it('refuses bad configuration', () => {
    const clock = new ManualClock();
    const store = new MemoryEphemeralStore({ clock });
    const base = { store, clock, digits: 6 as const, period: 30, skew: 1 };
    assert.throws(() => new TotpVerifier({ ...base, digits: 7 as 6 }), TypeError);
    assert.throws(() => new TotpVerifier({ ...base, period: 0 }), TypeError);
    assert.throws(() => new TotpVerifier({ ...base, skew: -1 }), TypeError);
    assert.throws(() => new TotpVerifier({ ...base, skew: 1.5 }), TypeError);
    assert.throws(() => new TotpVerifier({ ...base, algorithm: 'md5' as 'sha1' }), TypeError);
    void store.close();
  });
});

describe('malformed codes', () => {
  const MALFORMED: unknown[] = [
    '',
    '12345',
    '1234567',
    ' 123456',
    '123456 ',
    '12 3456',
    '١٢٣٤٥٦',
    '１２３４５６',
    '+12345',
    '-12345',
    '12345a',
    123456,
    null,
    undefined,
    '1234567890',
    '123456\n',
    '٣٣٣٣٣٣',
  ];

  for (const code of MALFORMED) {
    it(`${JSON.stringify(code) ?? String(code)} → malformed, store untouched, otplib not called`, async () => {
      const f = memoryFixture();
      const { store, calls } = countingStore(f.store);
      const verifier = new TotpVerifier({ store, clock: f.clock, digits: 6, period: 30, skew: 1 });
      assert.equal(isWellFormedCode(code, 6), false);
      // An invalid base32 secret makes otplib throw: reaching it would reject instead of 'malformed'.
      assert.deepEqual(await verifier.verify('alice', 'not base32!', code), { ok: false, reason: 'malformed' });
      assert.equal(calls(), 0);
      assert.equal(f.store.size, 0);
      await f.close();
    });
  }

  it('accepts exactly the right number of ASCII digits', () => {
    assert.equal(isWellFormedCode('012345', 6), true);
    assert.equal(isWellFormedCode('01234567', 8), true);
    assert.equal(isWellFormedCode('012345', 8), false);
    assert.equal(isWellFormedCode('01234567', 6), false);
  });
});

describe('secrets', () => {
  it('base32-encodes per RFC 4648 (unpadded)', () => {
    const cases: [string, string][] = [
      ['', ''],
      ['f', 'MY'],
      ['fo', 'MZXQ'],
      ['foo', 'MZXW6'],
      ['foob', 'MZXW6YQ'],
      ['fooba', 'MZXW6YTB'],
      ['foobar', 'MZXW6YTBOI'],
      ['12345678901234567890', 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'],
    ];
    for (const [input, expected] of cases) assert.equal(base32Encode(Buffer.from(input)), expected);
  });

  it('generates 160 bits by default and 256 bits on request, from the injected Random', () => {
    const asked: number[] = [];
    const random: Random = {
      bytes: (n) => {
        asked.push(n);
        return Buffer.alloc(n, 0xff);
      },
    };
    assert.equal(generateTotpSecret(random), '7'.repeat(32));
    assert.equal(generateTotpSecret(random, { bits: 256 }), `${'7'.repeat(51)}Q`);
    assert.deepEqual(asked, [20, 32]);
    assert.throws(() => generateTotpSecret(random, { bits: 128 as 160 }), TypeError);
  });

  it('a generated secret works with otplib end to end', async () => {
    const secret = generateTotpSecret({ bytes: (n) => Buffer.from(Array.from({ length: n }, (_, i) => i * 7)) });
    const token = await generate({ secret, epoch: 1_800_000_000 });
    assert.equal((await verify({ secret, token, epoch: 1_800_000_000 })).valid, true);
    const wide = generateTotpSecret({ bytes: (n) => Buffer.alloc(n, 0x5a) }, { bits: 256 });
    assert.match(await generate({ secret: wide, algorithm: 'sha256', epoch: 1 }), /^[0-9]{6}$/);
  });
});

describe('totpUri', () => {
  it('builds the Key Uri Format', () => {
    assert.equal(
      totpUri({ issuer: 'Portcullis', account: 'alice', secret: SECRET, digits: 6, period: 30, algorithm: 'sha1' }),
      `otpauth://totp/Portcullis:alice?secret=${SECRET}&issuer=Portcullis&digits=6&period=30&algorithm=SHA1`,
    );
  });

  it("percent-encodes spaces, ':' and '@' in issuer and account", () => {
    const uri = totpUri({
      issuer: 'ACME: Corp',
      account: 'bob smith@example.com',
      secret: SECRET,
      digits: 8,
      period: 60,
      algorithm: 'sha256',
    });
    assert.equal(
      uri,
      `otpauth://totp/ACME%3A%20Corp:bob%20smith%40example.com?secret=${SECRET}` +
        '&issuer=ACME%3A%20Corp&digits=8&period=60&algorithm=SHA256',
    );
    const parsed = new URL(uri);
    assert.equal(parsed.protocol, 'otpauth:');
    assert.equal(parsed.searchParams.get('issuer'), 'ACME: Corp');
    assert.equal(parsed.host, 'totp');
    const label = parsed.pathname.slice(1);
    assert.deepEqual(label.split(':').map(decodeURIComponent), ['ACME: Corp', 'bob smith@example.com']);
  });

  it('encodes characters that would break the URI (&, ?, #, /, non-ASCII)', () => {
    const uri = totpUri({ issuer: 'A&B?#/', account: 'zoë', secret: SECRET, digits: 6, period: 30, algorithm: 'sha1' });
    assert.ok(uri.startsWith('otpauth://totp/A%26B%3F%23%2F:zo%C3%AB?'));
    assert.equal(new URL(uri).searchParams.get('issuer'), 'A&B?#/');
  });

  it('refuses a secret that is not base32', () => {
    const o = { issuer: 'I', account: 'a', digits: 6 as const, period: 30, algorithm: 'sha1' as const };
    assert.throws(() => totpUri({ ...o, secret: 'abc&x=1' }), TypeError);
  });
});
