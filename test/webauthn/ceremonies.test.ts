/**
 * WebAuthnCeremonies on a real SQLite durable store and the memory ephemeral store, with a
 * ManualClock and predictable randomness, answered by the software authenticator.
 *
 * Registration ('none' and packed self attestation): what is stored, one user handle per user,
 * excludeCredentials, a credential registered twice, the AAGUID allow-list. Authentication as a
 * second factor and passwordless: the counter moves on; every refusal (foreign origin or rp_id,
 * a reused, expired or foreign challenge, the wrong ceremony type, no presence, no verification
 * when it is required, another user's key, a tampered signature, a cloned key, rawId not id, a
 * wrong or missing user handle) answers with its reason, spends the challenge and changes nothing
 * else: the stored data and lastUsedAt of every credential stay as they were.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import {
  CHALLENGE_TTL_MS,
  type CredentialData,
  credentialFactorId,
  WebAuthnCeremonies,
  type WebAuthnRefusal,
} from '../../src/authn/factors/webauthn/ceremonies.ts';
import { ManualClock } from '../../src/clock.ts';
import type { Random } from '../../src/random.ts';
import type { WebAuthnSettings } from '../../src/state.ts';
import type { FactorRecord } from '../../src/stores/durable.ts';
import { MemoryEphemeralStore } from '../../src/stores/memory.ts';
import { SqliteDurableStore } from '../../src/stores/sqlite.ts';
import {
  type AuthenticateOverrides,
  type RegisterOverrides,
  SoftAuthenticator,
} from '../helpers/soft-authenticator.ts';

const RP_ID = 'portal.test';
const ORIGIN = 'https://portal.test';
const EVIL_ORIGIN = 'https://evil.example';
const ZERO_AAGUID = '00000000-0000-0000-0000-000000000000';
const KEY_AAGUID = Buffer.from('cb69481e8ff7403993ec0a2729a154a8', 'hex');
const KEY_AAGUID_TEXT = 'cb69481e-8ff7-4039-93ec-0a2729a154a8';
/** well-formed, never issued */
const STRANGE_CHALLENGE = Buffer.alloc(32, 7).toString('base64url');

const root = mkdtempSync(join(tmpdir(), 'pc-webauthn-'));
after(() => rmSync(root, { recursive: true, force: true }));
let cases = 0;

/** Predictable bytes: SHA-256 blocks of a seed and a counter. */
function seededRandom(seed: string): Random {
  let n = 0;
  return {
    bytes(size: number): Buffer {
      const out = Buffer.alloc(size);
      for (let at = 0; at < size; ) at += createHash('sha256').update(`${seed}:${n++}`).digest().copy(out, at);
      return out;
    },
  };
}

interface Fixture {
  clock: ManualClock;
  durable: SqliteDurableStore;
  ephemeral: MemoryEphemeralStore;
  ceremonies: WebAuthnCeremonies;
  settings: WebAuthnSettings;
}

async function fixture(t: TestContext, over: Partial<WebAuthnSettings> = {}): Promise<Fixture> {
  const clock = new ManualClock();
  const durable = await SqliteDurableStore.open(join(root, `case-${++cases}.db`));
  const ephemeral = new MemoryEphemeralStore({ clock });
  t.after(async () => {
    await ephemeral.close();
    await durable.close();
  });
  const ceremonies = new WebAuthnCeremonies({ durable, ephemeral, clock, random: seededRandom(`case-${cases}`) });
  const settings: WebAuthnSettings = {
    rpId: RP_ID,
    rpName: 'Portcullis',
    origins: [ORIGIN],
    attestation: 'none',
    aaguids: null,
    userVerification: 'preferred',
    ...over,
  };
  return { clock, durable, ephemeral, ceremonies, settings };
}

async function register(
  fx: Fixture,
  auth: SoftAuthenticator,
  user: string,
  name = 'Key',
  settings = fx.settings,
): Promise<{ factor: FactorRecord; response: RegistrationResponseJSON }> {
  // one second apart: credentials are listed oldest first
  fx.clock.advance(1000);
  const options = await fx.ceremonies.registrationOptions(settings, { name: user });
  const response = auth.register(options, ORIGIN);
  const result = await fx.ceremonies.verifyRegistration(settings, user, response, name);
  assert.ok(result.ok, `registration of ${user}: ${JSON.stringify(result)}`);
  return { factor: result.factor, response };
}

async function requestOptions(
  fx: Fixture,
  user: string | null,
  settings = fx.settings,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const result = await fx.ceremonies.authenticationOptions(settings, user);
  assert.ok(result.ok, JSON.stringify(result));
  return result.options;
}

/** Options for `user` (null: passwordless), answered by `auth`. */
async function assertion(
  fx: Fixture,
  auth: SoftAuthenticator,
  user: string | null,
  overrides: AuthenticateOverrides = {},
  settings = fx.settings,
): Promise<AuthenticationResponseJSON> {
  return auth.authenticate(await requestOptions(fx, user, settings), ORIGIN, overrides);
}

const dataOf = (f: FactorRecord | null | undefined) => f?.data as unknown as CredentialData;

/** Everything durable the ceremonies touch: every factor of these users, data and lastUsedAt included. */
const snapshot = (fx: Fixture, users = ['alice', 'bob']) => Promise.all(users.map((u) => fx.durable.listFactors(u)));

const refused = (error: WebAuthnRefusal, detail?: string, user?: string) => ({
  ok: false,
  error,
  ...(detail === undefined ? {} : { detail }),
  ...(user === undefined ? {} : { user }),
});

function withClientData(response: RegistrationResponseJSON, change: Record<string, unknown>): RegistrationResponseJSON {
  const client = JSON.parse(Buffer.from(response.response.clientDataJSON, 'base64url').toString('utf8'));
  return {
    ...response,
    response: {
      ...response.response,
      clientDataJSON: Buffer.from(JSON.stringify({ ...client, ...change })).toString('base64url'),
    },
  };
}

describe('registration', () => {
  it("'none' attestation: the options, then the credential stored as a webauthn factor", async (t) => {
    const fx = await fixture(t);
    const options = await fx.ceremonies.registrationOptions(fx.settings, { name: 'alice', displayName: 'Alice Admin' });
    assert.deepEqual(options.rp, { name: 'Portcullis', id: RP_ID });
    assert.equal(options.user.name, 'alice');
    assert.equal(options.user.displayName, 'Alice Admin');
    assert.match(options.user.id, /^[A-Za-z0-9_-]{43}$/, '32 random bytes');
    assert.match(options.challenge, /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(options.excludeCredentials, []);
    assert.equal(options.attestation, 'none');
    assert.equal(options.timeout, CHALLENGE_TTL_MS);
    assert.deepEqual(options.authenticatorSelection, {
      residentKey: 'preferred',
      requireResidentKey: false,
      userVerification: 'preferred',
    });
    assert.deepEqual(
      options.pubKeyCredParams.map((p) => p.alg),
      [-8, -7, -257],
    );

    fx.clock.advance(1234);
    const auth = new SoftAuthenticator({ transports: ['usb', 'nfc'] });
    const response = auth.register(options, ORIGIN);
    const result = await fx.ceremonies.verifyRegistration(fx.settings, 'alice', response, 'YubiKey');
    assert.ok(result.ok);
    assert.equal(result.uv, true);
    const held = auth.credentials[0]!;
    const expected: FactorRecord = {
      id: credentialFactorId(response.id),
      user: 'alice',
      kind: 'webauthn',
      name: 'YubiKey',
      secret: null,
      data: {
        credentialId: response.id,
        publicKey: held.publicKeyCose.toString('base64url'),
        counter: 0,
        transports: ['usb', 'nfc'],
        aaguid: ZERO_AAGUID,
        userHandle: options.user.id,
        uv: true,
        backedUp: false,
        deviceType: 'singleDevice',
        attestation: 'none',
      },
      createdAt: fx.clock.now(),
      lastUsedAt: fx.clock.now(),
    };
    assert.deepEqual(result.factor, expected);
    assert.deepEqual(await fx.durable.listFactors('alice'), [expected]);
    assert.deepEqual(await fx.durable.getFactor(credentialFactorId(response.id)), expected);
    assert.equal(held.userHandle, options.user.id, 'the authenticator keeps the same user handle');
    assert.equal(held.discoverable, true, 'residentKey preferred: a passkey');
  });

  it('the factor id is derived from the credential id', () => {
    assert.equal(credentialFactorId('AAAA'), `wa-${createHash('sha256').update('AAAA').digest('base64url')}`);
    assert.notEqual(credentialFactorId('AAAA'), credentialFactorId('AAAB'));
  });

  it("packed self attestation (attestation 'direct'): the model's AAGUID is kept", async (t) => {
    const fx = await fixture(t, { attestation: 'direct' });
    const options = await fx.ceremonies.registrationOptions(fx.settings, { name: 'alice' });
    assert.equal(options.attestation, 'direct');
    const auth = new SoftAuthenticator({ attestation: 'packed-self', aaguid: KEY_AAGUID, backup: 'backed-up' });
    const result = await fx.ceremonies.verifyRegistration(fx.settings, 'alice', auth.register(options, ORIGIN), 'K');
    assert.ok(result.ok);
    const data = dataOf(result.factor);
    assert.equal(data.attestation, 'packed');
    assert.equal(data.aaguid, KEY_AAGUID_TEXT);
    assert.equal(data.backedUp, true);
    assert.equal(data.deviceType, 'multiDevice');
    assert.deepEqual(dataOf(await fx.durable.getFactor(result.factor.id)), data);
  });

  it('an authenticator without user verification is stored with uv false', async (t) => {
    const fx = await fixture(t);
    const { factor } = await register(fx, new SoftAuthenticator({ uv: false }), 'alice');
    assert.equal(dataOf(factor).uv, false);
  });

  it("a user's credentials share one user handle; excludeCredentials lists them; another user has another", async (t) => {
    const fx = await fixture(t);
    const first = new SoftAuthenticator();
    const a1 = await register(fx, first, 'alice', 'first');
    const handle = dataOf(a1.factor).userHandle;

    fx.clock.advance(1000);
    const options = await fx.ceremonies.registrationOptions(fx.settings, { name: 'alice' });
    assert.equal(options.user.id, handle);
    assert.deepEqual(options.excludeCredentials, [{ id: a1.response.id, transports: ['usb'], type: 'public-key' }]);
    assert.throws(
      () => first.register(options, ORIGIN),
      (err: unknown) => err instanceof DOMException && err.name === 'InvalidStateError',
      'the same authenticator refuses to register again',
    );
    const second = new SoftAuthenticator({ transports: ['internal'] });
    const result = await fx.ceremonies.verifyRegistration(
      fx.settings,
      'alice',
      second.register(options, ORIGIN),
      'second',
    );
    assert.ok(result.ok);
    assert.equal(dataOf(result.factor).userHandle, handle);
    const listed = await fx.ceremonies.credentials('alice');
    assert.deepEqual(
      listed.map(({ factor, data }) => [factor.name, data.userHandle, data.transports]),
      [
        ['first', handle, ['usb']],
        ['second', handle, ['internal']],
      ],
    );
    const third = await fx.ceremonies.registrationOptions(fx.settings, { name: 'alice' });
    assert.deepEqual(
      third.excludeCredentials?.map((c) => c.id),
      listed.map(({ data }) => data.credentialId),
    );

    const bob = await register(fx, new SoftAuthenticator(), 'bob');
    assert.notEqual(dataOf(bob.factor).userHandle, handle);
    assert.match(dataOf(bob.factor).userHandle, /^[A-Za-z0-9_-]{43}$/);
  });

  it('already_registered: a response replayed to a new options call (same user or another) stores nothing', async (t) => {
    const fx = await fixture(t);
    const { factor, response } = await register(fx, new SoftAuthenticator(), 'alice');
    fx.clock.advance(60_000);
    const before = await snapshot(fx);

    // 'none' attestation signs nothing over clientDataJSON: anyone can re-wrap it for a new challenge
    const again = await fx.ceremonies.registrationOptions(fx.settings, { name: 'alice' });
    const replayed = withClientData(response, { challenge: again.challenge });
    assert.deepEqual(
      await fx.ceremonies.verifyRegistration(fx.settings, 'alice', replayed, 'again'),
      refused('already_registered'),
    );
    const forBob = await fx.ceremonies.registrationOptions(fx.settings, { name: 'bob' });
    assert.deepEqual(
      await fx.ceremonies.verifyRegistration(
        fx.settings,
        'bob',
        withClientData(response, { challenge: forBob.challenge }),
        'stolen',
      ),
      refused('already_registered'),
    );
    assert.deepEqual(await snapshot(fx), before);
    assert.equal((await fx.durable.getFactor(factor.id))?.user, 'alice');
    // the unchanged response to the old challenge: that challenge is gone
    assert.deepEqual(
      await fx.ceremonies.verifyRegistration(fx.settings, 'alice', response, 'x'),
      refused('challenge_expired'),
    );
  });

  it('authenticator_not_allowed: an AAGUID allow-list refuses other models, and any model no certificate attests', async (t) => {
    const fx = await fixture(t, { attestation: 'direct', aaguids: new Set([KEY_AAGUID_TEXT]) });
    const options = await fx.ceremonies.registrationOptions(fx.settings, { name: 'alice' });
    const other = new SoftAuthenticator({ attestation: 'packed-self', aaguid: Buffer.alloc(16, 0x11) });
    assert.deepEqual(
      await fx.ceremonies.verifyRegistration(fx.settings, 'alice', other.register(options, ORIGIN), 'other'),
      refused('authenticator_not_allowed', 'no_attestation_certificate'),
    );
    // a listed model claimed without an attestation certificate is only a claim
    for (const attestation of ['packed-self', 'none'] as const) {
      const again = await fx.ceremonies.registrationOptions(fx.settings, { name: 'alice' });
      const claimer = new SoftAuthenticator({ attestation, aaguid: KEY_AAGUID });
      assert.deepEqual(
        await fx.ceremonies.verifyRegistration(fx.settings, 'alice', claimer.register(again, ORIGIN), 'claimed'),
        refused('authenticator_not_allowed', 'no_attestation_certificate'),
        attestation,
      );
    }
    assert.deepEqual(await fx.durable.listFactors('alice'), []);
    // without an allow-list, self attestation of any model registers
    const open = await fixture(t, { attestation: 'direct' });
    const { factor } = await register(
      open,
      new SoftAuthenticator({ attestation: 'packed-self', aaguid: KEY_AAGUID }),
      'alice',
      'any',
    );
    assert.equal(dataOf(factor).aaguid, KEY_AAGUID_TEXT);
  });

  const registrationRefusals: {
    name: string;
    settings?: Partial<WebAuthnSettings>;
    auth?: ConstructorParameters<typeof SoftAuthenticator>[0];
    overrides?: RegisterOverrides;
    change?: (r: RegistrationResponseJSON) => RegistrationResponseJSON;
    want: ReturnType<typeof refused>;
  }[] = [
    { name: 'a foreign origin', overrides: { origin: EVIL_ORIGIN }, want: refused('invalid_response', 'origin') },
    { name: 'another rp_id', overrides: { rpId: 'evil.example' }, want: refused('invalid_response', 'rp_id') },
    {
      name: 'a challenge not issued',
      overrides: { challenge: STRANGE_CHALLENGE },
      want: refused('invalid_response', 'challenge'),
    },
    { name: 'the wrong ceremony type', overrides: { type: 'webauthn.get' }, want: refused('invalid_response', 'type') },
    { name: 'no user presence', overrides: { up: false }, want: refused('invalid_response', 'user_presence') },
    {
      name: 'no user verification when required',
      settings: { userVerification: 'required' },
      overrides: { uv: false },
      want: refused('user_verification_required', 'uv'),
    },
    {
      name: 'a tampered attestation signature',
      settings: { attestation: 'direct' },
      auth: { attestation: 'packed-self' },
      overrides: { tamperSignature: true },
      want: refused('invalid_response', 'attestation'),
    },
    {
      name: 'rawId not id',
      change: (r) => ({ ...r, rawId: Buffer.alloc(32, 1).toString('base64url') }),
      want: refused('invalid_response', 'raw_id'),
    },
  ];

  for (const c of registrationRefusals) {
    it(`refused: ${c.name}; nothing stored, the challenge spent`, async (t) => {
      const fx = await fixture(t, c.settings);
      await register(fx, new SoftAuthenticator(), 'alice', 'existing');
      fx.clock.advance(60_000);
      const before = await snapshot(fx);
      const options = await fx.ceremonies.registrationOptions(fx.settings, { name: 'alice' });
      const auth = new SoftAuthenticator(c.auth);
      const bad = auth.register(options, ORIGIN, c.overrides);
      const result = await fx.ceremonies.verifyRegistration(
        fx.settings,
        'alice',
        c.change ? c.change(bad) : bad,
        'new',
      );
      assert.deepEqual(result, c.want);
      assert.deepEqual(await snapshot(fx), before);
      const good = new SoftAuthenticator(c.auth).register(options, ORIGIN);
      assert.deepEqual(
        await fx.ceremonies.verifyRegistration(fx.settings, 'alice', good, 'new'),
        refused('challenge_expired'),
      );
      assert.deepEqual(await snapshot(fx), before);
    });
  }

  it('the challenge is single-use and expires after CHALLENGE_TTL_MS', async (t) => {
    const fx = await fixture(t);
    const options = await fx.ceremonies.registrationOptions(fx.settings, { name: 'alice' });
    const response = new SoftAuthenticator().register(options, ORIGIN);
    assert.equal((await fx.ceremonies.verifyRegistration(fx.settings, 'alice', response, 'one')).ok, true);
    assert.deepEqual(
      await fx.ceremonies.verifyRegistration(fx.settings, 'alice', response, 'two'),
      refused('challenge_expired'),
    );

    const late = await fx.ceremonies.registrationOptions(fx.settings, { name: 'alice' });
    fx.clock.advance(CHALLENGE_TTL_MS);
    assert.deepEqual(
      await fx.ceremonies.verifyRegistration(
        fx.settings,
        'alice',
        new SoftAuthenticator().register(late, ORIGIN),
        'late',
      ),
      refused('challenge_expired'),
    );
    const inTime = await fx.ceremonies.registrationOptions(fx.settings, { name: 'alice' });
    fx.clock.advance(CHALLENGE_TTL_MS - 1);
    const ok = await fx.ceremonies.verifyRegistration(
      fx.settings,
      'alice',
      new SoftAuthenticator().register(inTime, ORIGIN),
      'in time',
    );
    assert.equal(ok.ok, true);
    assert.deepEqual(
      (await fx.durable.listFactors('alice')).map((f) => f.name),
      ['one', 'in time'],
    );
  });

  it("a challenge is the user's: bob cannot answer alice's options", async (t) => {
    const fx = await fixture(t);
    const options = await fx.ceremonies.registrationOptions(fx.settings, { name: 'alice' });
    const response = new SoftAuthenticator().register(options, ORIGIN);
    assert.deepEqual(
      await fx.ceremonies.verifyRegistration(fx.settings, 'bob', response, 'x'),
      refused('challenge_expired'),
    );
    assert.deepEqual(await snapshot(fx), [[], []]);
  });
});

describe('authentication as a second factor', () => {
  it('no_credentials for a user without any', async (t) => {
    const fx = await fixture(t);
    assert.deepEqual(await fx.ceremonies.authenticationOptions(fx.settings, 'alice'), refused('no_credentials'));
  });

  it("the options name the user's credentials; a verified assertion moves the counter and lastUsedAt", async (t) => {
    const fx = await fixture(t);
    const key = new SoftAuthenticator({ transports: ['usb', 'nfc'] });
    const { factor } = await register(fx, key, 'alice');
    const phone = new SoftAuthenticator({ transports: ['internal'] });
    const { factor: second } = await register(fx, phone, 'alice', 'Phone');
    await register(fx, new SoftAuthenticator(), 'bob');

    const options = await requestOptions(fx, 'alice');
    assert.equal(options.rpId, RP_ID);
    assert.equal(options.userVerification, 'preferred');
    assert.equal(options.timeout, CHALLENGE_TTL_MS);
    assert.deepEqual(options.allowCredentials, [
      { id: dataOf(factor).credentialId, transports: ['usb', 'nfc'], type: 'public-key' },
      { id: dataOf(second).credentialId, transports: ['internal'], type: 'public-key' },
    ]);

    fx.clock.advance(60_000);
    const result = await fx.ceremonies.verifyAuthentication(fx.settings, 'alice', key.authenticate(options, ORIGIN));
    assert.ok(result.ok);
    assert.equal(result.user, 'alice');
    assert.equal(result.uv, true);
    assert.equal(result.factor.id, factor.id);
    let stored = await fx.durable.getFactor(factor.id);
    assert.deepEqual(stored?.data, { ...factor.data, counter: 1 });
    assert.equal(stored?.lastUsedAt, fx.clock.now());
    assert.equal(stored?.createdAt, factor.createdAt);
    assert.deepEqual(await fx.durable.getFactor(second.id), second, 'the other credential is untouched');

    fx.clock.advance(60_000);
    const again = await fx.ceremonies.verifyAuthentication(fx.settings, 'alice', await assertion(fx, key, 'alice'));
    assert.equal(again.ok, true);
    stored = await fx.durable.getFactor(factor.id);
    assert.equal(dataOf(stored).counter, 2);
    assert.equal(stored?.lastUsedAt, fx.clock.now());

    // the other credential, by the same options shape
    const byPhone = await fx.ceremonies.verifyAuthentication(fx.settings, 'alice', await assertion(fx, phone, 'alice'));
    assert.ok(byPhone.ok);
    assert.equal(byPhone.factor.id, second.id);
    assert.equal(dataOf(await fx.durable.getFactor(second.id)).counter, 1);
  });

  it('an authenticator without user verification proves the key without uv', async (t) => {
    const fx = await fixture(t);
    const key = new SoftAuthenticator({ uv: false });
    await register(fx, key, 'alice');
    const result = await fx.ceremonies.verifyAuthentication(fx.settings, 'alice', await assertion(fx, key, 'alice'));
    assert.ok(result.ok);
    assert.equal(result.uv, false);
  });

  it('a key that always reports counter 0 keeps working, at 0', async (t) => {
    const fx = await fixture(t);
    const key = new SoftAuthenticator({ signCount: 'zero' });
    const { factor } = await register(fx, key, 'alice');
    for (let i = 0; i < 3; i++) {
      fx.clock.advance(1000);
      const r = await fx.ceremonies.verifyAuthentication(fx.settings, 'alice', await assertion(fx, key, 'alice'));
      assert.equal(r.ok, true);
    }
    const stored = await fx.durable.getFactor(factor.id);
    assert.equal(dataOf(stored).counter, 0);
    assert.equal(stored?.lastUsedAt, fx.clock.now());
  });

  const refusals: {
    name: string;
    settings?: Partial<WebAuthnSettings>;
    overrides?: AuthenticateOverrides;
    change?: (r: AuthenticationResponseJSON) => AuthenticationResponseJSON;
    want: ReturnType<typeof refused>;
  }[] = [
    { name: 'a foreign origin', overrides: { origin: EVIL_ORIGIN }, want: refused('invalid_response', 'origin') },
    {
      name: 'a look-alike origin',
      overrides: { origin: 'https://portal.test.evil.example' },
      want: refused('invalid_response', 'origin'),
    },
    { name: 'another rp_id', overrides: { rpId: 'evil.example' }, want: refused('invalid_response', 'rp_id') },
    {
      name: 'a challenge not issued',
      overrides: { challenge: STRANGE_CHALLENGE },
      want: refused('invalid_response', 'challenge'),
    },
    {
      name: 'the wrong ceremony type',
      overrides: { type: 'webauthn.create' },
      want: refused('invalid_response', 'type'),
    },
    { name: 'no user presence', overrides: { up: false }, want: refused('invalid_response', 'user_presence') },
    {
      name: 'no user verification when settings require it',
      settings: { userVerification: 'required' },
      overrides: { uv: false },
      want: refused('user_verification_required', 'uv'),
    },
    {
      name: 'a tampered signature',
      overrides: { tamperSignature: true },
      want: refused('invalid_response', 'signature'),
    },
    { name: 'a replayed counter', overrides: { counter: 1 }, want: refused('counter_regression', '1 <= 1', 'alice') },
    {
      name: 'a counter gone back to 0',
      overrides: { counter: 0 },
      want: refused('counter_regression', '0 <= 1', 'alice'),
    },
    {
      name: 'rawId not id',
      change: (r) => ({ ...r, rawId: Buffer.alloc(32, 1).toString('base64url') }),
      want: refused('unknown_credential'),
    },
    {
      name: 'an unknown credential id',
      overrides: { claimedId: Buffer.alloc(32, 2).toString('base64url') },
      want: refused('unknown_credential'),
    },
    {
      name: 'an id longer than any credential id',
      change: (r) => ({ ...r, id: 'A'.repeat(1401), rawId: 'A'.repeat(1401) }),
      want: refused('unknown_credential'),
    },
  ];

  for (const c of refusals) {
    it(`refused: ${c.name}; nothing changes, the challenge is spent`, async (t) => {
      const fx = await fixture(t, c.settings);
      const key = new SoftAuthenticator();
      const { factor } = await register(fx, key, 'alice');
      await register(fx, new SoftAuthenticator(), 'bob');
      assert.equal(
        (await fx.ceremonies.verifyAuthentication(fx.settings, 'alice', await assertion(fx, key, 'alice'))).ok,
        true,
      );
      const usedAt = fx.clock.now();
      fx.clock.advance(60_000);
      const before = await snapshot(fx);

      const options = await requestOptions(fx, 'alice');
      const bad = key.authenticate(options, ORIGIN, c.overrides);
      const result = await fx.ceremonies.verifyAuthentication(fx.settings, 'alice', c.change ? c.change(bad) : bad);
      assert.deepEqual(result, c.want);
      assert.deepEqual(await snapshot(fx), before);
      const stored = await fx.durable.getFactor(factor.id);
      assert.equal(dataOf(stored).counter, 1);
      assert.equal(stored?.lastUsedAt, usedAt);

      // the challenge went with the refusal: a good answer to the same options finds nothing
      assert.deepEqual(
        await fx.ceremonies.verifyAuthentication(fx.settings, 'alice', key.authenticate(options, ORIGIN)),
        refused('challenge_expired'),
      );
      assert.deepEqual(await snapshot(fx), before);
      // and the key still works on new options
      const next = await fx.ceremonies.verifyAuthentication(fx.settings, 'alice', await assertion(fx, key, 'alice'));
      assert.equal(next.ok, true);
    });
  }

  it('reused challenge: the same response twice is refused the second time', async (t) => {
    const fx = await fixture(t);
    const key = new SoftAuthenticator();
    const { factor } = await register(fx, key, 'alice');
    const response = await assertion(fx, key, 'alice');
    assert.equal((await fx.ceremonies.verifyAuthentication(fx.settings, 'alice', response)).ok, true);
    fx.clock.advance(1000);
    const before = await snapshot(fx);
    assert.deepEqual(
      await fx.ceremonies.verifyAuthentication(fx.settings, 'alice', response),
      refused('challenge_expired'),
    );
    assert.deepEqual(await snapshot(fx), before);
    assert.equal(dataOf(await fx.durable.getFactor(factor.id)).counter, 1);
  });

  it('a new options call replaces the pending challenge of the user', async (t) => {
    const fx = await fixture(t);
    const key = new SoftAuthenticator();
    await register(fx, key, 'alice');
    const first = await requestOptions(fx, 'alice');
    const second = await requestOptions(fx, 'alice');
    assert.notEqual(first.challenge, second.challenge);
    assert.deepEqual(
      await fx.ceremonies.verifyAuthentication(fx.settings, 'alice', key.authenticate(first, ORIGIN)),
      refused('invalid_response', 'challenge'),
    );
  });

  it('expired challenge: the ManualClock past CHALLENGE_TTL_MS (and one ms before it still works)', async (t) => {
    const fx = await fixture(t);
    const key = new SoftAuthenticator();
    const { factor } = await register(fx, key, 'alice');
    const before = await snapshot(fx);
    const options = await requestOptions(fx, 'alice');
    fx.clock.advance(CHALLENGE_TTL_MS);
    assert.deepEqual(
      await fx.ceremonies.verifyAuthentication(fx.settings, 'alice', key.authenticate(options, ORIGIN)),
      refused('challenge_expired'),
    );
    assert.deepEqual(await snapshot(fx), before);

    const inTime = await requestOptions(fx, 'alice');
    fx.clock.advance(CHALLENGE_TTL_MS - 1);
    assert.equal(
      (await fx.ceremonies.verifyAuthentication(fx.settings, 'alice', key.authenticate(inTime, ORIGIN))).ok,
      true,
    );
    assert.equal((await fx.durable.getFactor(factor.id))?.lastUsedAt, fx.clock.now());
  });

  it("another user's credential: alice's key answering bob's options is unknown_credential", async (t) => {
    const fx = await fixture(t);
    const aliceKey = new SoftAuthenticator();
    const { factor } = await register(fx, aliceKey, 'alice');
    const bobKey = new SoftAuthenticator();
    await register(fx, bobKey, 'bob');
    fx.clock.advance(1000);
    const before = await snapshot(fx);
    const options = await requestOptions(fx, 'bob');
    const response = aliceKey.authenticate(options, ORIGIN, { credentialId: dataOf(factor).credentialId });
    assert.deepEqual(
      await fx.ceremonies.verifyAuthentication(fx.settings, 'bob', response),
      refused('unknown_credential', 'other_user'),
    );
    assert.deepEqual(await snapshot(fx), before);
    assert.deepEqual(
      await fx.ceremonies.verifyAuthentication(fx.settings, 'bob', bobKey.authenticate(options, ORIGIN)),
      refused('challenge_expired'),
      "bob's challenge was spent",
    );
  });

  it("a signature by one of the user's keys claiming another of them is invalid", async (t) => {
    const fx = await fixture(t);
    const key = new SoftAuthenticator();
    await register(fx, key, 'alice');
    const { factor: other } = await register(fx, new SoftAuthenticator(), 'alice', 'other');
    const before = await snapshot(fx);
    const response = await assertion(fx, key, 'alice', { claimedId: dataOf(other).credentialId });
    assert.deepEqual(
      await fx.ceremonies.verifyAuthentication(fx.settings, 'alice', response),
      refused('invalid_response', 'signature'),
    );
    assert.deepEqual(await snapshot(fx), before);
  });

  it('a cloned key: after the original is used twice, the clone is counter_regression and the counter stays', async (t) => {
    const fx = await fixture(t);
    const original = new SoftAuthenticator();
    const { factor } = await register(fx, original, 'alice');
    const clone = original.clone();
    for (let i = 0; i < 2; i++) {
      fx.clock.advance(1000);
      const r = await fx.ceremonies.verifyAuthentication(fx.settings, 'alice', await assertion(fx, original, 'alice'));
      assert.equal(r.ok, true);
    }
    const usedAt = fx.clock.now();
    fx.clock.advance(1000);
    const before = await snapshot(fx);
    assert.deepEqual(
      await fx.ceremonies.verifyAuthentication(fx.settings, 'alice', await assertion(fx, clone, 'alice')),
      refused('counter_regression', '1 <= 2', 'alice'),
    );
    assert.deepEqual(await snapshot(fx), before);
    const stored = await fx.durable.getFactor(factor.id);
    assert.equal(dataOf(stored).counter, 2);
    assert.equal(stored?.lastUsedAt, usedAt);
    // the original goes on
    const next = await fx.ceremonies.verifyAuthentication(fx.settings, 'alice', await assertion(fx, original, 'alice'));
    assert.equal(next.ok, true);
    assert.equal(dataOf(await fx.durable.getFactor(factor.id)).counter, 3);
  });
});

describe('passwordless', () => {
  it('options without credentials and with user verification required; the passkey names its user', async (t) => {
    const fx = await fixture(t);
    const alicePasskey = new SoftAuthenticator({ attachment: 'platform', transports: ['internal'] });
    const { factor } = await register(fx, alicePasskey, 'alice');
    const bobPasskey = new SoftAuthenticator();
    const { factor: bobs } = await register(fx, bobPasskey, 'bob');

    const options = await requestOptions(fx, null);
    assert.deepEqual(options.allowCredentials, []);
    assert.equal(options.userVerification, 'required', 'even with settings preferred');
    assert.equal(options.rpId, RP_ID);
    fx.clock.advance(5000);
    const result = await fx.ceremonies.verifyAuthentication(
      fx.settings,
      null,
      alicePasskey.authenticate(options, ORIGIN),
    );
    assert.ok(result.ok);
    assert.equal(result.user, 'alice');
    assert.equal(result.factor.id, factor.id);
    assert.equal(result.uv, true);
    const stored = await fx.durable.getFactor(factor.id);
    assert.equal(dataOf(stored).counter, 1);
    assert.equal(stored?.lastUsedAt, fx.clock.now());

    const forBob = await fx.ceremonies.verifyAuthentication(fx.settings, null, await assertion(fx, bobPasskey, null));
    assert.ok(forBob.ok);
    assert.equal(forBob.user, 'bob');
    assert.equal(forBob.factor.id, bobs.id);
  });

  it('several pending passwordless challenges are independent, each single-use', async (t) => {
    const fx = await fixture(t);
    const passkey = new SoftAuthenticator();
    await register(fx, passkey, 'alice');
    const one = await requestOptions(fx, null);
    const two = await requestOptions(fx, null);
    const r2 = passkey.authenticate(two, ORIGIN);
    const r1 = passkey.authenticate(one, ORIGIN);
    assert.equal((await fx.ceremonies.verifyAuthentication(fx.settings, null, r2)).ok, true);
    assert.equal((await fx.ceremonies.verifyAuthentication(fx.settings, null, r1)).ok, true);
    const before = await snapshot(fx);
    assert.deepEqual(await fx.ceremonies.verifyAuthentication(fx.settings, null, r1), refused('challenge_expired'));
    assert.deepEqual(await fx.ceremonies.verifyAuthentication(fx.settings, null, r2), refused('challenge_expired'));
    assert.deepEqual(await snapshot(fx), before);
  });

  const refusals: {
    name: string;
    overrides?: (bobHandle: string) => AuthenticateOverrides;
    change?: (r: AuthenticationResponseJSON) => AuthenticationResponseJSON;
    want: ReturnType<typeof refused>;
    /** the challenge was found and spent */
    spent: boolean;
  }[] = [
    {
      name: "another user's handle",
      overrides: (bob) => ({ userHandle: bob }),
      want: refused('unknown_credential', 'user_handle'),
      spent: true,
    },
    {
      name: 'no user handle',
      overrides: () => ({ userHandle: null }),
      want: refused('unknown_credential', 'user_handle'),
      spent: true,
    },
    {
      name: 'no user verification',
      overrides: () => ({ uv: false }),
      want: refused('user_verification_required', 'uv'),
      spent: true,
    },
    {
      name: 'a foreign origin',
      overrides: () => ({ origin: EVIL_ORIGIN }),
      want: refused('invalid_response', 'origin'),
      spent: true,
    },
    {
      name: 'another rp_id',
      overrides: () => ({ rpId: 'evil.example' }),
      want: refused('invalid_response', 'rp_id'),
      spent: true,
    },
    {
      name: 'a tampered signature',
      overrides: () => ({ tamperSignature: true }),
      want: refused('invalid_response', 'signature'),
      spent: true,
    },
    {
      name: 'rawId not id',
      change: (r) => ({ ...r, rawId: Buffer.alloc(32, 1).toString('base64url') }),
      want: refused('unknown_credential'),
      spent: true,
    },
    {
      name: 'a challenge not issued',
      overrides: () => ({ challenge: STRANGE_CHALLENGE }),
      want: refused('challenge_expired'),
      spent: false,
    },
    {
      name: 'clientDataJSON that is not JSON',
      change: (r) => ({ ...r, response: { ...r.response, clientDataJSON: Buffer.from('{').toString('base64url') } }),
      want: refused('challenge_expired'),
      spent: false,
    },
  ];

  for (const c of refusals) {
    it(`refused: ${c.name}; nothing changes`, async (t) => {
      const fx = await fixture(t);
      const passkey = new SoftAuthenticator();
      const { factor } = await register(fx, passkey, 'alice');
      const { factor: bobs } = await register(fx, new SoftAuthenticator(), 'bob');
      fx.clock.advance(60_000);
      const before = await snapshot(fx);
      const options = await requestOptions(fx, null);
      const bad = passkey.authenticate(options, ORIGIN, c.overrides?.(dataOf(bobs).userHandle));
      assert.deepEqual(
        await fx.ceremonies.verifyAuthentication(fx.settings, null, c.change ? c.change(bad) : bad),
        c.want,
      );
      assert.deepEqual(await snapshot(fx), before);
      assert.equal(dataOf(await fx.durable.getFactor(factor.id)).counter, 0);

      const good = await fx.ceremonies.verifyAuthentication(fx.settings, null, passkey.authenticate(options, ORIGIN));
      if (c.spent) {
        assert.deepEqual(good, refused('challenge_expired'));
        assert.deepEqual(await snapshot(fx), before);
      } else {
        assert.equal(good.ok, true, 'the challenge was not found, so not spent');
      }
    });
  }

  it('expired: the ManualClock past CHALLENGE_TTL_MS', async (t) => {
    const fx = await fixture(t);
    const passkey = new SoftAuthenticator();
    await register(fx, passkey, 'alice');
    const before = await snapshot(fx);
    const options = await requestOptions(fx, null);
    fx.clock.advance(CHALLENGE_TTL_MS);
    assert.deepEqual(
      await fx.ceremonies.verifyAuthentication(fx.settings, null, passkey.authenticate(options, ORIGIN)),
      refused('challenge_expired'),
    );
    assert.deepEqual(await snapshot(fx), before);
  });

  it('a cloned passkey: counter_regression names the owner, the counter stays', async (t) => {
    const fx = await fixture(t);
    const original = new SoftAuthenticator();
    const { factor } = await register(fx, original, 'alice');
    const clone = original.clone();
    assert.equal(
      (await fx.ceremonies.verifyAuthentication(fx.settings, null, await assertion(fx, original, null))).ok,
      true,
    );
    const before = await snapshot(fx);
    assert.deepEqual(
      await fx.ceremonies.verifyAuthentication(fx.settings, null, await assertion(fx, clone, null)),
      refused('counter_regression', '1 <= 1', 'alice'),
    );
    assert.deepEqual(await snapshot(fx), before);
    assert.equal(dataOf(await fx.durable.getFactor(factor.id)).counter, 1);
  });

  it('a key and its clone at once with the same counter: one wins, the other is counter_regression', async (t) => {
    const fx = await fixture(t);
    const original = new SoftAuthenticator();
    const { factor } = await register(fx, original, 'alice');
    const clone = original.clone();
    const one = await assertion(fx, original, null);
    const two = await assertion(fx, clone, null);
    const results = await Promise.all([
      fx.ceremonies.verifyAuthentication(fx.settings, null, one),
      fx.ceremonies.verifyAuthentication(fx.settings, null, two),
    ]);
    assert.equal(results.filter((r) => r.ok).length, 1, JSON.stringify(results));
    const lost = results.find((r) => !r.ok);
    assert.ok(lost !== undefined && !lost.ok);
    assert.equal(lost.error, 'counter_regression');
    assert.equal(lost.user, 'alice');
    assert.ok(lost.detail === 'concurrent' || lost.detail === '1 <= 1', lost.detail);
    assert.equal(dataOf(await fx.durable.getFactor(factor.id)).counter, 1);
  });

  it('a second-factor challenge does not serve passwordless, nor the other way round', async (t) => {
    const fx = await fixture(t);
    const passkey = new SoftAuthenticator();
    await register(fx, passkey, 'alice');
    const forAlice = await requestOptions(fx, 'alice');
    assert.deepEqual(
      await fx.ceremonies.verifyAuthentication(fx.settings, null, passkey.authenticate(forAlice, ORIGIN)),
      refused('challenge_expired'),
    );
    const open = await requestOptions(fx, null);
    assert.deepEqual(
      await fx.ceremonies.verifyAuthentication(fx.settings, 'bob', passkey.authenticate(open, ORIGIN)),
      refused('challenge_expired'),
    );
  });
});
