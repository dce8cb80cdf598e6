/**
 * The software authenticator against the real @simplewebauthn/server: its registration and
 * authentication responses (none and packed self attestation) verify, they decode to the
 * expected flags, AAGUID and COSE key, and every malformed or malicious variant it can produce
 * is refused (foreign origin or RP ID, stale challenge, wrong ceremony type, no UP, no UV when
 * required, tampered signatures, counters that do not move forward, a cloned key). Some checks
 * pin what the library itself does and does not verify, which the server has to do on its own.
 */
import assert from 'node:assert/strict';
import { createHash, createPublicKey } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  type AuthenticationResponseJSON,
  type GenerateRegistrationOptionsOpts,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type RegistrationResponseJSON,
  type VerifyAuthenticationResponseOpts,
  type VerifyRegistrationResponseOpts,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type WebAuthnCredential,
} from '@simplewebauthn/server';
import {
  decodeAttestationObject,
  decodeClientDataJSON,
  isoBase64URL,
  isoCBOR,
  parseAuthenticatorData,
} from '@simplewebauthn/server/helpers';
import { encodeCbor, type RegisterOverrides, SoftAuthenticator } from '../helpers/soft-authenticator.ts';

const RP_ID = 'localhost';
const ORIGIN = 'http://localhost:8080';
const EVIL_ORIGIN = 'https://evil.example';
const USER_ID = Uint8Array.from(Buffer.from('user-0001', 'utf8'));
const AAGUID = Buffer.from('cb69481e8ff7403993ec0a2729a154a8', 'hex');
const ZERO_AAGUID = '00000000-0000-0000-0000-000000000000';

const sha256 = (data: string): Buffer => createHash('sha256').update(data).digest();
const bytes = (b64url: string): Buffer => Buffer.from(isoBase64URL.toBuffer(b64url));

function registrationOptions(
  extra: Partial<GenerateRegistrationOptionsOpts> = {},
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return generateRegistrationOptions({
    rpName: 'Portcullis',
    rpID: RP_ID,
    userName: 'alice',
    userID: USER_ID,
    ...extra,
  });
}

function verifyRegistration(
  response: RegistrationResponseJSON,
  options: PublicKeyCredentialCreationOptionsJSON,
  extra: Partial<VerifyRegistrationResponseOpts> = {},
) {
  return verifyRegistrationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    ...extra,
  });
}

/** Registers a new credential on `auth` and returns what the server would store. */
async function enrol(
  auth: SoftAuthenticator,
  extra: Partial<GenerateRegistrationOptionsOpts> = {},
): Promise<WebAuthnCredential> {
  const options = await registrationOptions(extra);
  const verification = await verifyRegistration(auth.register(options, ORIGIN), options);
  assert.equal(verification.verified, true);
  return verification.registrationInfo!.credential;
}

async function assertion(
  auth: SoftAuthenticator,
  credential: WebAuthnCredential,
  overrides: Parameters<SoftAuthenticator['authenticate']>[2] = {},
  extra: Partial<VerifyAuthenticationResponseOpts> = {},
) {
  const options = await generateAuthenticationOptions({ rpID: RP_ID, allowCredentials: [{ id: credential.id }] });
  const response = auth.authenticate(options, ORIGIN, overrides);
  return verifyAuthenticationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    credential,
    ...extra,
  });
}

describe('CBOR encoder', () => {
  it('matches the RFC 8949 examples', () => {
    const cases: [Parameters<typeof encodeCbor>[0], string][] = [
      [0, '00'],
      [23, '17'],
      [24, '1818'],
      [100, '1864'],
      [1000, '1903e8'],
      [1000000, '1a000f4240'],
      [1000000000000, '1b000000e8d4a51000'],
      [18446744073709551615n, '1bffffffffffffffff'],
      [-1, '20'],
      [-100, '3863'],
      [-1000, '3903e7'],
      ['', '60'],
      ['a', '6161'],
      ['IETF', '6449455446'],
      ['\u00fc', '62c3bc'],
      [new Uint8Array([1, 2, 3, 4]), '4401020304'],
      [[], '80'],
      [[1, [2, 3], [4, 5]], '8301820203820405'],
      [
        new Map([
          [1, 2],
          [3, 4],
        ]),
        'a201020304',
      ],
      [{ a: 1, b: [2, 3] }, 'a26161016162820203'],
      [false, 'f4'],
      [true, 'f5'],
      [null, 'f6'],
    ];
    for (const [value, hex] of cases) assert.equal(encodeCbor(value).toString('hex'), hex, String(value));
    assert.throws(() => encodeCbor(1.5), RangeError);
  });

  it('writes COSE keys the library decodes and re-encodes byte for byte', async () => {
    const auth = new SoftAuthenticator();
    await enrol(auth);
    const cose = auth.credentials[0]!.publicKeyCose;
    const decoded = isoCBOR.decodeFirst<Map<number, number | Uint8Array>>(new Uint8Array(cose));
    assert.deepEqual([...decoded.keys()], [1, 3, -1, -2, -3]);
    assert.equal(decoded.get(1), 2);
    assert.equal(decoded.get(3), -7);
    assert.equal(decoded.get(-1), 1);
    assert.equal((decoded.get(-2) as Uint8Array).length, 32);
    assert.equal((decoded.get(-3) as Uint8Array).length, 32);
    assert.deepEqual(Buffer.from(isoCBOR.encode(decoded)), cose);
  });
});

describe('registration the library accepts', () => {
  it("'none' attestation: verified, and it decodes to UP|UV|AT, a zero AAGUID and the credential", async () => {
    const auth = new SoftAuthenticator();
    const options = await registrationOptions();
    const response = auth.register(options, ORIGIN);
    const verification = await verifyRegistration(response, options);
    assert.equal(verification.verified, true);
    const info = verification.registrationInfo!;
    const held = auth.credentials[0]!;
    assert.equal(info.fmt, 'none');
    assert.equal(info.aaguid, ZERO_AAGUID);
    assert.equal(info.credential.id, response.id);
    assert.equal(info.credential.id, held.id);
    assert.equal(info.credential.counter, 0);
    assert.deepEqual(info.credential.transports, ['usb']);
    assert.deepEqual(Buffer.from(info.credential.publicKey), held.publicKeyCose);
    assert.equal(info.userVerified, true);
    assert.equal(info.credentialDeviceType, 'singleDevice');
    assert.equal(info.credentialBackedUp, false);
    assert.equal(info.origin, ORIGIN);
    assert.equal(info.rpID, RP_ID);
    assert.equal(held.rpId, RP_ID);
    assert.equal(held.userHandle, options.user.id);
    assert.equal(held.userHandle, isoBase64URL.fromBuffer(USER_ID));

    assert.deepEqual(decodeClientDataJSON(response.response.clientDataJSON), {
      type: 'webauthn.create',
      challenge: options.challenge,
      origin: ORIGIN,
      crossOrigin: false,
    });
    const attestation = decodeAttestationObject(isoBase64URL.toBuffer(response.response.attestationObject));
    assert.equal(attestation.get('fmt'), 'none');
    assert.equal(attestation.get('attStmt').size, 0);
    const authData = attestation.get('authData');
    assert.equal(response.response.authenticatorData, isoBase64URL.fromBuffer(authData));
    const parsed = parseAuthenticatorData(authData);
    assert.deepEqual(Buffer.from(parsed.rpIdHash), sha256(RP_ID));
    assert.deepEqual(
      { ...parsed.flags },
      { up: true, uv: true, be: false, bs: false, at: true, ed: false, flagsInt: 0x45 },
    );
    assert.equal(parsed.counter, 0);
    assert.deepEqual(Buffer.from(parsed.aaguid!), Buffer.alloc(16));
    assert.equal(isoBase64URL.fromBuffer(parsed.credentialID!), response.id);
    assert.deepEqual(Buffer.from(parsed.credentialPublicKey!), held.publicKeyCose);

    // L3 extras: the SPKI public key and its algorithm, and credProps (the library always asks)
    assert.equal(response.response.publicKeyAlgorithm, -7);
    const spki = createPublicKey({ key: bytes(response.response.publicKey), format: 'der', type: 'spki' });
    assert.deepEqual(spki.export({ format: 'jwk' }), createPublicKey(held.privateKey).export({ format: 'jwk' }));
    assert.deepEqual(response.clientExtensionResults, { credProps: { rk: true } });
    assert.equal(response.authenticatorAttachment, 'cross-platform');
  });

  it("'packed-self' attestation: verified, fmt packed with alg -7 and a signature, no x5c; the AAGUID shows", async () => {
    const auth = new SoftAuthenticator({ attestation: 'packed-self', aaguid: AAGUID });
    const options = await registrationOptions({ attestationType: 'direct' });
    const response = auth.register(options, ORIGIN);
    const verification = await verifyRegistration(response, options);
    assert.equal(verification.verified, true);
    assert.equal(verification.registrationInfo!.fmt, 'packed');
    assert.equal(verification.registrationInfo!.aaguid, 'cb69481e-8ff7-4039-93ec-0a2729a154a8');

    const attestation = decodeAttestationObject(isoBase64URL.toBuffer(response.response.attestationObject));
    assert.equal(attestation.get('fmt'), 'packed');
    const statement = attestation.get('attStmt');
    assert.equal(statement.get('alg'), -7);
    assert.ok(statement.get('sig'));
    assert.equal(statement.get('x5c'), undefined);
    assert.deepEqual(Buffer.from(parseAuthenticatorData(attestation.get('authData')).aaguid!), AAGUID);
  });

  it('backup flags and a starting counter come through', async () => {
    const auth = new SoftAuthenticator({ backup: 'backed-up', signCount: 41, attachment: 'platform' });
    const options = await registrationOptions();
    const response = auth.register(options, ORIGIN);
    const info = (await verifyRegistration(response, options)).registrationInfo!;
    assert.equal(info.credentialDeviceType, 'multiDevice');
    assert.equal(info.credentialBackedUp, true);
    assert.equal(info.credential.counter, 41);
    assert.equal(response.authenticatorAttachment, 'platform');
    const flags = parseAuthenticatorData(isoBase64URL.toBuffer(response.response.authenticatorData)).flags;
    assert.equal(flags.be, true);
    assert.equal(flags.bs, true);
  });

  it('a non-resident credential is reported as such; UV off when discouraged', async () => {
    const auth = new SoftAuthenticator();
    const options = await registrationOptions({
      authenticatorSelection: { residentKey: 'discouraged', userVerification: 'discouraged' },
    });
    const response = auth.register(options, ORIGIN);
    assert.deepEqual(response.clientExtensionResults, { credProps: { rk: false } });
    assert.equal(auth.credentials[0]!.discoverable, false);
    const verification = await verifyRegistration(response, options, { requireUserVerification: false });
    assert.equal(verification.registrationInfo!.userVerified, false);
  });
});

describe('registration the library refuses', () => {
  async function refused(overrides: RegisterOverrides, message: string | RegExp) {
    const options = await registrationOptions();
    const response = new SoftAuthenticator().register(options, ORIGIN, overrides);
    await assert.rejects(verifyRegistration(response, options), (err: Error) => {
      if (typeof message === 'string') assert.equal(err.message, message);
      else assert.match(err.message, message);
      return true;
    });
  }

  it('a foreign origin', () =>
    refused({ origin: EVIL_ORIGIN }, `Unexpected registration response origin "${EVIL_ORIGIN}", expected "${ORIGIN}"`));

  it('a foreign RP ID (when expectedRPID is given)', () => refused({ rpId: 'evil.example' }, 'Unexpected RP ID hash'));

  it('a challenge other than the one issued', () =>
    refused({ challenge: 'c3RhbGU' }, /^Unexpected registration response challenge "c3RhbGU", expected "[\w-]+"$/));

  it('an assertion type in clientDataJSON', () =>
    refused({ type: 'webauthn.get' }, 'Unexpected registration response type: webauthn.get'));

  it('a credential type other than public-key', () =>
    refused({ credentialType: 'password' }, 'Unexpected credential type password, expected "public-key"'));

  it('no user verification (required by default)', () =>
    refused({ uv: false }, 'User verification was required, but user could not be verified'));

  it('no user presence', () => refused({ up: false }, 'User presence was required, but user was not present'));

  it('a key algorithm the server did not offer', async () => {
    const options = await registrationOptions();
    const response = new SoftAuthenticator().register(options, ORIGIN);
    await assert.rejects(verifyRegistration(response, options, { supportedAlgorithmIDs: [-8, -257] }), {
      message: 'Unexpected public key alg "-7", expected one of "-8, -257"',
    });
  });

  it('a tampered packed attestation signature: verified false, no exception', async () => {
    const auth = new SoftAuthenticator({ attestation: 'packed-self' });
    const options = await registrationOptions();
    const verification = await verifyRegistration(auth.register(options, ORIGIN, { tamperSignature: true }), options);
    assert.deepEqual(verification, { verified: false });
  });

  it('but without expectedRPID the RP ID is not checked at all', async () => {
    const options = await registrationOptions();
    const response = new SoftAuthenticator().register(options, ORIGIN, { rpId: 'evil.example' });
    const verification = await verifyRegistration(response, options, { expectedRPID: undefined });
    assert.equal(verification.verified, true);
    assert.equal(verification.registrationInfo!.rpID, undefined);
  });
});

describe('client behaviour', () => {
  it('excludeCredentials: InvalidStateError when it already holds one for the RP ID', async () => {
    const auth = new SoftAuthenticator();
    const credential = await enrol(auth);
    const options = await registrationOptions({ excludeCredentials: [{ id: credential.id }] });
    assert.throws(() => auth.register(options, ORIGIN), { name: 'InvalidStateError' });
    assert.equal(auth.credentials.length, 1);
    // another authenticator (or the same ID under another RP ID) does not match
    new SoftAuthenticator().register(options, ORIGIN);
    const other = await generateRegistrationOptions({
      rpName: 'Other',
      rpID: 'other.example',
      userName: 'alice',
      excludeCredentials: [{ id: credential.id }],
    });
    auth.register(other, 'https://other.example');
    assert.equal(auth.credentials.length, 2);
  });

  it('NotSupportedError when ES256 is not offered', async () => {
    const options = await registrationOptions({ supportedAlgorithmIDs: [-8] });
    assert.throws(() => new SoftAuthenticator().register(options, ORIGIN), { name: 'NotSupportedError' });
  });

  it('NotAllowedError when UV is required of an authenticator without it', async () => {
    const auth = new SoftAuthenticator({ uv: false });
    const options = await registrationOptions({ authenticatorSelection: { userVerification: 'required' } });
    assert.throws(() => auth.register(options, ORIGIN), { name: 'NotAllowedError' });
    const preferred = await registrationOptions();
    const response = auth.register(preferred, ORIGIN);
    assert.equal(parseAuthenticatorData(isoBase64URL.toBuffer(response.response.authenticatorData)).flags.uv, false);
  });

  it('NotAllowedError when no held credential fits the request', async () => {
    const auth = new SoftAuthenticator();
    await enrol(auth, { authenticatorSelection: { residentKey: 'discouraged' } });
    const named = await generateAuthenticationOptions({ rpID: RP_ID, allowCredentials: [{ id: 'bm90LWhlbGQ' }] });
    assert.throws(() => auth.authenticate(named, ORIGIN), { name: 'NotAllowedError' });
    const discoverable = await generateAuthenticationOptions({ rpID: RP_ID });
    assert.throws(() => auth.authenticate(discoverable, ORIGIN), { name: 'NotAllowedError' });
  });

  it('clone(): same keys and counters, then each counts on its own', async () => {
    const auth = new SoftAuthenticator();
    const credential = await enrol(auth);
    await assertion(auth, credential);
    const twin = auth.clone();
    assert.deepEqual(
      twin.credentials.map((c) => [c.id, c.counter, c.userHandle]),
      auth.credentials.map((c) => [c.id, c.counter, c.userHandle]),
    );
    await assertion(auth, credential);
    assert.equal(auth.credentials[0]!.counter, 2);
    assert.equal(twin.credentials[0]!.counter, 1);
  });
});

describe('authentication the library accepts', () => {
  for (const attestation of ['none', 'packed-self'] as const) {
    it(`after '${attestation}' registration: verified, the counter advances`, async () => {
      const auth = new SoftAuthenticator({ attestation });
      const credential = await enrol(auth);
      const options = await generateAuthenticationOptions({ rpID: RP_ID, allowCredentials: [{ id: credential.id }] });
      const response = auth.authenticate(options, ORIGIN);
      assert.equal(response.id, credential.id);
      assert.equal(response.response.userHandle, isoBase64URL.fromBuffer(USER_ID));
      assert.deepEqual(decodeClientDataJSON(response.response.clientDataJSON), {
        type: 'webauthn.get',
        challenge: options.challenge,
        origin: ORIGIN,
        crossOrigin: false,
      });
      const parsed = parseAuthenticatorData(isoBase64URL.toBuffer(response.response.authenticatorData));
      assert.equal(parsed.flags.flagsInt, 0x05);
      assert.equal(parsed.aaguid, undefined);

      const first = await verifyAuthenticationResponse({
        response,
        expectedChallenge: options.challenge,
        expectedOrigin: ORIGIN,
        expectedRPID: RP_ID,
        credential,
      });
      assert.deepEqual(first, {
        verified: true,
        authenticationInfo: {
          newCounter: 1,
          credentialID: credential.id,
          userVerified: true,
          credentialDeviceType: 'singleDevice',
          credentialBackedUp: false,
          authenticatorExtensionResults: undefined,
          origin: ORIGIN,
          rpID: RP_ID,
        },
      });
      credential.counter = first.authenticationInfo.newCounter;
      const second = await assertion(auth, credential);
      assert.equal(second.verified, true);
      assert.equal(second.authenticationInfo.newCounter, 2);
    });
  }

  it('a discoverable credential with an empty allowCredentials, returning the user handle', async () => {
    const auth = new SoftAuthenticator();
    await enrol(auth, { authenticatorSelection: { residentKey: 'discouraged' } });
    const resident = await enrol(auth, { authenticatorSelection: { residentKey: 'required' } });
    const options = await generateAuthenticationOptions({ rpID: RP_ID });
    const response = auth.authenticate(options, ORIGIN);
    assert.equal(response.id, resident.id);
    assert.equal(response.response.userHandle, isoBase64URL.fromBuffer(USER_ID));
    const verification = await verifyAuthenticationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
      credential: resident,
    });
    assert.equal(verification.verified, true);
  });

  it("a counter that stays 0 (signCount 'zero') is accepted every time", async () => {
    const auth = new SoftAuthenticator({ signCount: 'zero' });
    const credential = await enrol(auth);
    for (let i = 0; i < 3; i++) {
      const verification = await assertion(auth, credential);
      assert.equal(verification.verified, true);
      assert.equal(verification.authenticationInfo.newCounter, 0);
    }
  });

  it('without UV when the server does not require it', async () => {
    const auth = new SoftAuthenticator();
    const credential = await enrol(auth);
    const verification = await assertion(auth, credential, { uv: false }, { requireUserVerification: false });
    assert.equal(verification.verified, true);
    assert.equal(verification.authenticationInfo.userVerified, false);
  });
});

describe('authentication the library refuses', () => {
  async function refused(
    overrides: Parameters<SoftAuthenticator['authenticate']>[2],
    message: string | RegExp,
    extra: Partial<VerifyAuthenticationResponseOpts> = {},
  ) {
    const auth = new SoftAuthenticator();
    const credential = await enrol(auth);
    await assert.rejects(assertion(auth, credential, overrides, extra), (err: Error) => {
      if (typeof message === 'string') assert.equal(err.message, message);
      else assert.match(err.message, message);
      return true;
    });
  }

  it('a foreign origin', () =>
    refused(
      { origin: EVIL_ORIGIN },
      `Unexpected authentication response origin "${EVIL_ORIGIN}", expected "${ORIGIN}"`,
    ));

  it('a foreign RP ID', () => refused({ rpId: 'evil.example' }, 'Unexpected RP ID hash'));

  it('a challenge other than the one issued', () =>
    refused({ challenge: 'c3RhbGU' }, /^Unexpected authentication response challenge "c3RhbGU", expected "[\w-]+"$/));

  it('a registration type in clientDataJSON', () =>
    refused({ type: 'webauthn.create' }, 'Unexpected authentication response type: webauthn.create'));

  it('no user verification (required by default)', () =>
    refused({ uv: false }, 'User verification required, but user could not be verified'));

  it("no user verification with advancedFIDOConfig.userVerification 'required'", () =>
    refused({ uv: false }, 'User verification required, but user could not be verified', {
      requireUserVerification: false,
      advancedFIDOConfig: { userVerification: 'required' },
    }));

  it('no user presence', () =>
    refused({ up: false }, 'User not present during authentication', { requireUserVerification: false }));

  it('a tampered signature: verified false, no exception', async () => {
    const auth = new SoftAuthenticator();
    const credential = await enrol(auth);
    const verification = await assertion(auth, credential, { tamperSignature: true });
    assert.equal(verification.verified, false);
  });

  it('a counter not above the stored one, equal or lower', async () => {
    const auth = new SoftAuthenticator();
    const credential = await enrol(auth);
    credential.counter = (await assertion(auth, credential)).authenticationInfo.newCounter; // 1
    credential.counter = (await assertion(auth, credential)).authenticationInfo.newCounter; // 2
    await assert.rejects(assertion(auth, credential, { counter: 2 }), {
      message: 'Response counter value 2 was lower than expected 2',
    });
    await assert.rejects(assertion(auth, credential, { counter: 1 }), {
      message: 'Response counter value 1 was lower than expected 2',
    });
    await assert.rejects(assertion(auth, credential, { counter: 0 }), {
      message: 'Response counter value 0 was lower than expected 2',
    });
    assert.equal((await assertion(auth, credential)).authenticationInfo.newCounter, 3);
  });

  it('a cloned key falls behind the original', async () => {
    const auth = new SoftAuthenticator();
    const credential = await enrol(auth);
    const twin = auth.clone();
    credential.counter = (await assertion(auth, credential)).authenticationInfo.newCounter;
    credential.counter = (await assertion(auth, credential)).authenticationInfo.newCounter;
    await assert.rejects(assertion(twin, credential), {
      message: 'Response counter value 1 was lower than expected 2',
    });
  });

  it("another credential's signature: verified false", async () => {
    const auth = new SoftAuthenticator();
    const first = await enrol(auth);
    const second = await enrol(auth);
    const options = await generateAuthenticationOptions({ rpID: RP_ID, allowCredentials: [{ id: first.id }] });
    const response = auth.authenticate(options, ORIGIN, { credentialId: second.id, claimedId: first.id });
    const verification = await verifyAuthenticationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
      credential: first,
    });
    assert.equal(verification.verified, false);
  });

  it('not checked by the library: response.id against credential.id, and userHandle', async () => {
    const auth = new SoftAuthenticator();
    const credential = await enrol(auth);
    const options = await generateAuthenticationOptions({ rpID: RP_ID, allowCredentials: [{ id: credential.id }] });
    const response: AuthenticationResponseJSON = auth.authenticate(options, ORIGIN, {
      claimedId: 'c29tZW9uZS1lbHNl',
      userHandle: 'c29tZW9uZS1lbHNl',
    });
    const verification = await verifyAuthenticationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
      credential,
    });
    assert.equal(verification.verified, true);
    assert.equal(verification.authenticationInfo.credentialID, credential.id);
  });

  it('a response without userHandle still verifies', async () => {
    const auth = new SoftAuthenticator();
    const credential = await enrol(auth);
    const verification = await assertion(auth, credential, { userHandle: null });
    assert.equal(verification.verified, true);
  });
});
