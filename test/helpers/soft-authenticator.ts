/**
 * A software WebAuthn authenticator (and the browser around it) for tests: it answers the JSON
 * options the server produces for navigator.credentials.create() and .get() with the W3C WebAuthn
 * Level 3 JSON serialisation (RegistrationResponseJSON, AuthenticationResponseJSON), so the
 * ceremonies can be exercised without a browser, including responses a real browser would never
 * send (foreign origin or RP ID, stale challenge, missing UP/UV, tampered signature, replayed or
 * regressed counter, a cloned key, a claimed credential ID that is not the signing one).
 *
 * Keys are ES256 (ECDSA P-256, SHA-256), COSE algorithm -7. Attestation is `none` or `packed`
 * self attestation (signed with the credential key, no x5c). All binary values are base64url
 * without padding.
 *
 * Counters: `signCount: 'increment'` (the default) starts each credential at 0, reported at
 * registration, and adds one before every assertion; a number starts new credentials there
 * instead; `'zero'` always reports 0, like many passkey providers.
 */
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';

// ---------------------------------------------------------------------------------------------
// CBOR (RFC 8949), the subset COSE keys and attestation objects need; always the shortest form.
// ---------------------------------------------------------------------------------------------

export type CborValue =
  | number
  | bigint
  | string
  | boolean
  | null
  | Uint8Array
  | readonly CborValue[]
  | ReadonlyMap<number | string, CborValue>
  | { readonly [key: string]: CborValue };

function cborHead(major: number, arg: number | bigint): Buffer {
  const n = BigInt(arg);
  if (n < 0n) throw new RangeError('CBOR argument must not be negative');
  const m = major << 5;
  if (n < 24n) return Buffer.from([m | Number(n)]);
  if (n < 0x100n) return Buffer.from([m | 24, Number(n)]);
  if (n < 0x10000n) {
    const b = Buffer.alloc(3);
    b[0] = m | 25;
    b.writeUInt16BE(Number(n), 1);
    return b;
  }
  if (n < 0x100000000n) {
    const b = Buffer.alloc(5);
    b[0] = m | 26;
    b.writeUInt32BE(Number(n), 1);
    return b;
  }
  if (n < 0x10000000000000000n) {
    const b = Buffer.alloc(9);
    b[0] = m | 27;
    b.writeBigUInt64BE(n, 1);
    return b;
  }
  throw new RangeError('CBOR integer out of range');
}

function cborInteger(value: number | bigint): Buffer {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new RangeError(`CBOR encoder handles integers only, got ${value}`);
  }
  const n = BigInt(value);
  return n >= 0n ? cborHead(0, n) : cborHead(1, -1n - n);
}

/** Encodes a value as CBOR: integers, byte strings, text strings, arrays, maps, booleans, null. */
export function encodeCbor(value: CborValue): Buffer {
  if (typeof value === 'number' || typeof value === 'bigint') return cborInteger(value);
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([cborHead(3, bytes.length), bytes]);
  }
  if (typeof value === 'boolean') return Buffer.from([value ? 0xf5 : 0xf4]);
  if (value === null) return Buffer.from([0xf6]);
  if (value instanceof Uint8Array) return Buffer.concat([cborHead(2, value.length), value]);
  if (Array.isArray(value)) {
    const items = value as readonly CborValue[];
    return Buffer.concat([cborHead(4, items.length), ...items.map(encodeCbor)]);
  }
  const entries: [number | string, CborValue][] =
    value instanceof Map ? [...value.entries()] : Object.entries(value as { readonly [key: string]: CborValue });
  return Buffer.concat([cborHead(5, entries.length), ...entries.flatMap(([k, v]) => [encodeCbor(k), encodeCbor(v)])]);
}

// ---------------------------------------------------------------------------------------------
// JSON shapes (W3C WebAuthn Level 3). The inputs name only what is read, so the option objects
// @simplewebauthn/server produces fit; the outputs fit its RegistrationResponseJSON and
// AuthenticationResponseJSON.
// ---------------------------------------------------------------------------------------------

export type AuthenticatorTransport = 'ble' | 'cable' | 'hybrid' | 'internal' | 'nfc' | 'smart-card' | 'usb';
export type Requirement = 'discouraged' | 'preferred' | 'required';

export interface CredentialDescriptorJSON {
  readonly id: string;
  readonly type: string;
  readonly transports?: readonly string[];
}

export interface CreationOptionsJSON {
  readonly rp: { readonly id?: string; readonly name: string };
  readonly user: { readonly id: string; readonly name: string; readonly displayName: string };
  readonly challenge: string;
  readonly pubKeyCredParams?: readonly { readonly alg: number; readonly type: string }[];
  readonly excludeCredentials?: readonly CredentialDescriptorJSON[];
  readonly authenticatorSelection?: {
    readonly authenticatorAttachment?: 'platform' | 'cross-platform';
    readonly requireResidentKey?: boolean;
    readonly residentKey?: Requirement;
    readonly userVerification?: Requirement;
  };
  readonly attestation?: string;
  readonly extensions?: { readonly credProps?: boolean };
}

export interface RequestOptionsJSON {
  readonly challenge: string;
  readonly rpId?: string;
  readonly allowCredentials?: readonly CredentialDescriptorJSON[];
  readonly userVerification?: Requirement;
}

export interface ClientExtensionResultsJSON {
  credProps?: { rk?: boolean };
}

export interface RegistrationResponseJSON {
  id: string;
  rawId: string;
  type: 'public-key';
  response: {
    clientDataJSON: string;
    attestationObject: string;
    authenticatorData: string;
    transports: string[];
    publicKeyAlgorithm: number;
    publicKey: string;
  };
  authenticatorAttachment: 'platform' | 'cross-platform';
  clientExtensionResults: ClientExtensionResultsJSON;
}

export interface AuthenticationResponseJSON {
  id: string;
  rawId: string;
  type: 'public-key';
  response: {
    clientDataJSON: string;
    authenticatorData: string;
    signature: string;
    userHandle?: string;
  };
  authenticatorAttachment: 'platform' | 'cross-platform';
  clientExtensionResults: ClientExtensionResultsJSON;
}

// ---------------------------------------------------------------------------------------------
// The authenticator
// ---------------------------------------------------------------------------------------------

export interface SoftAuthenticatorOptions {
  /** 16 bytes; default all zeros */
  aaguid?: Buffer;
  /** default 'increment' (starting at 0); a number is the starting counter of new credentials */
  signCount?: 'increment' | 'zero' | number;
  /** whether the authenticator can verify the user (PIN, biometrics); default true */
  uv?: boolean;
  /** default 'none' */
  attestation?: 'none' | 'packed-self';
  /** the BE/BS flags: 'none' (single-device, the default), 'eligible' (BE), 'backed-up' (BE and BS) */
  backup?: 'none' | 'eligible' | 'backed-up';
  /** reported as authenticatorAttachment; default 'cross-platform' */
  attachment?: 'platform' | 'cross-platform';
  /** reported in response.transports; default ['usb'] */
  transports?: AuthenticatorTransport[];
}

/** One credential held by the authenticator. */
export interface SoftCredential {
  /** credential ID, base64url */
  readonly id: string;
  readonly rpId: string;
  /** user.id from the creation options (base64url) */
  readonly userHandle: string;
  readonly privateKey: KeyObject;
  /** the COSE_Key as it appears in the attested credential data */
  readonly publicKeyCose: Buffer;
  /** whether it is discoverable (a resident key), so usable with an empty allowCredentials */
  readonly discoverable: boolean;
  /** the signature counter last reported */
  readonly counter: number;
}

export interface RegisterOverrides {
  /** the RP ID whose hash goes into authenticatorData (and under which the credential is kept) */
  rpId?: string;
  /** clientDataJSON.origin */
  origin?: string;
  /** clientDataJSON.challenge (base64url) */
  challenge?: string;
  /** clientDataJSON.type (default 'webauthn.create') */
  type?: string;
  /** the outer credential type (default 'public-key') */
  credentialType?: string;
  /** the UV flag */
  uv?: boolean;
  /** the UP flag (default true) */
  up?: boolean;
  aaguid?: Buffer;
  attestation?: 'none' | 'packed-self';
  /** corrupt the packed attestation signature (no effect with 'none') */
  tamperSignature?: boolean;
}

export interface AuthenticateOverrides {
  /** the RP ID whose hash goes into authenticatorData; the credential is still looked up under the options' RP ID */
  rpId?: string;
  /** clientDataJSON.origin */
  origin?: string;
  /** clientDataJSON.challenge (base64url) */
  challenge?: string;
  /** clientDataJSON.type (default 'webauthn.get') */
  type?: string;
  /** the UV flag */
  uv?: boolean;
  /** the UP flag (default true) */
  up?: boolean;
  /** report this counter; the stored counter is left as it was */
  counter?: number;
  /** sign with this held credential (base64url), even if allowCredentials does not name it */
  credentialId?: string;
  /** report this ID as id/rawId while signing with the credential actually chosen */
  claimedId?: string;
  /** userHandle to report; null leaves it out; default the stored one */
  userHandle?: string | null;
  /** corrupt the assertion signature (it stays well-formed DER) */
  tamperSignature?: boolean;
}

interface StoredCredential {
  id: string;
  rpId: string;
  userHandle: string;
  privateKey: KeyObject;
  publicKeyCose: Buffer;
  publicKeySpki: Buffer;
  discoverable: boolean;
  counter: number;
}

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;
const ES256 = -7;

const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string): Buffer => createHash('sha256').update(data).digest();

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

function checkAaguid(aaguid: Buffer): Buffer {
  if (aaguid.length !== 16) throw new RangeError(`AAGUID must be 16 bytes, got ${aaguid.length}`);
  return Buffer.from(aaguid);
}

/** Flips one bit near the end of a DER ECDSA signature: still parseable, no longer valid. */
function tamper(signature: Buffer): Buffer {
  const out = Buffer.from(signature);
  const last = out.length - 1;
  out[last] = (out[last] ?? 0) ^ 0x01;
  return out;
}

function clientData(type: string, challenge: string, origin: string): Buffer {
  return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }), 'utf8');
}

function hostOf(origin: string): string {
  return new URL(origin).hostname;
}

export class SoftAuthenticator {
  readonly aaguid: Buffer;
  readonly signCount: 'increment' | 'zero' | number;
  readonly uv: boolean;
  readonly attestation: 'none' | 'packed-self';
  readonly backup: 'none' | 'eligible' | 'backed-up';
  readonly attachment: 'platform' | 'cross-platform';
  readonly transports: readonly AuthenticatorTransport[];
  readonly #store: StoredCredential[] = [];

  constructor(opts: SoftAuthenticatorOptions = {}) {
    this.aaguid = checkAaguid(opts.aaguid ?? Buffer.alloc(16));
    this.signCount = opts.signCount ?? 'increment';
    if (typeof this.signCount === 'number' && !(Number.isInteger(this.signCount) && this.signCount >= 0)) {
      throw new RangeError('signCount must be a non-negative integer');
    }
    this.uv = opts.uv ?? true;
    this.attestation = opts.attestation ?? 'none';
    this.backup = opts.backup ?? 'none';
    this.attachment = opts.attachment ?? 'cross-platform';
    this.transports = [...(opts.transports ?? ['usb'])];
  }

  /** The credentials held, oldest first (a snapshot). */
  get credentials(): readonly SoftCredential[] {
    return this.#store.map((c) => ({
      id: c.id,
      rpId: c.rpId,
      userHandle: c.userHandle,
      privateKey: c.privateKey,
      publicKeyCose: Buffer.from(c.publicKeyCose),
      discoverable: c.discoverable,
      counter: c.counter,
    }));
  }

  /** A copy holding the same credentials (same keys) with the same counters; the two then count apart. */
  clone(): SoftAuthenticator {
    const copy = new SoftAuthenticator({
      aaguid: this.aaguid,
      signCount: this.signCount,
      uv: this.uv,
      attestation: this.attestation,
      backup: this.backup,
      attachment: this.attachment,
      transports: [...this.transports],
    });
    for (const c of this.#store) copy.#store.push({ ...c, publicKeyCose: Buffer.from(c.publicKeyCose) });
    return copy;
  }

  /** Answers navigator.credentials.create({ publicKey: options }) made on `origin`. */
  register(options: CreationOptionsJSON, origin: string, overrides: RegisterOverrides = {}): RegistrationResponseJSON {
    const optionsRpId = options.rp.id ?? hostOf(origin);
    const params = options.pubKeyCredParams ?? [];
    if (params.length > 0 && !params.some((p) => p.type === 'public-key' && p.alg === ES256)) {
      throw new DOMException('The authenticator supports none of the requested algorithms', 'NotSupportedError');
    }
    for (const excluded of options.excludeCredentials ?? []) {
      if (this.#store.some((c) => c.id === excluded.id && c.rpId === optionsRpId)) {
        throw new DOMException('The authenticator already holds one of the excluded credentials', 'InvalidStateError');
      }
    }
    const selection = options.authenticatorSelection ?? {};
    const uv = this.#userVerified(selection.userVerification, overrides.uv);
    const residentKey = selection.residentKey ?? (selection.requireResidentKey ? 'required' : 'discouraged');
    const discoverable = residentKey !== 'discouraged';

    const rpId = overrides.rpId ?? optionsRpId;
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    if (!jwk.x || !jwk.y) throw new Error('P-256 key without coordinates');
    const publicKeyCose = encodeCbor(
      new Map<number, CborValue>([
        [1, 2], // kty: EC2
        [3, ES256], // alg
        [-1, 1], // crv: P-256
        [-2, Buffer.from(jwk.x, 'base64url')],
        [-3, Buffer.from(jwk.y, 'base64url')],
      ]),
    );
    const credentialId = randomBytes(32);
    const stored: StoredCredential = {
      id: b64url(credentialId),
      rpId,
      userHandle: options.user.id,
      privateKey,
      publicKeyCose,
      publicKeySpki: publicKey.export({ format: 'der', type: 'spki' }),
      discoverable,
      counter: typeof this.signCount === 'number' ? this.signCount : 0,
    };

    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(credentialId.length);
    const authData = Buffer.concat([
      sha256(rpId),
      Buffer.from([this.#flags(overrides.up ?? true, uv) | FLAG_AT]),
      uint32(stored.counter),
      overrides.aaguid ? checkAaguid(overrides.aaguid) : this.aaguid,
      idLength,
      credentialId,
      publicKeyCose,
    ]);
    const clientDataJSON = clientData(
      overrides.type ?? 'webauthn.create',
      overrides.challenge ?? options.challenge,
      overrides.origin ?? origin,
    );

    const format = overrides.attestation ?? this.attestation;
    let attestationObject: Buffer;
    if (format === 'packed-self') {
      let sig: Buffer = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), privateKey);
      if (overrides.tamperSignature) sig = tamper(sig);
      attestationObject = encodeCbor(
        new Map<string, CborValue>([
          ['fmt', 'packed'],
          [
            'attStmt',
            new Map<string, CborValue>([
              ['alg', ES256],
              ['sig', sig],
            ]),
          ],
          ['authData', authData],
        ]),
      );
    } else {
      attestationObject = encodeCbor(
        new Map<string, CborValue>([
          ['fmt', 'none'],
          ['attStmt', new Map<string, CborValue>()],
          ['authData', authData],
        ]),
      );
    }

    this.#store.push(stored);
    const clientExtensionResults: ClientExtensionResultsJSON = {};
    if (options.extensions?.credProps) clientExtensionResults.credProps = { rk: discoverable };
    return {
      id: stored.id,
      rawId: stored.id,
      type: (overrides.credentialType ?? 'public-key') as 'public-key',
      response: {
        clientDataJSON: b64url(clientDataJSON),
        attestationObject: b64url(attestationObject),
        authenticatorData: b64url(authData),
        transports: [...this.transports],
        publicKeyAlgorithm: ES256,
        publicKey: b64url(stored.publicKeySpki),
      },
      authenticatorAttachment: this.attachment,
      clientExtensionResults,
    };
  }

  /**
   * Answers navigator.credentials.get({ publicKey: options }) made on `origin`: the first held
   * credential named in allowCredentials, or with none named the oldest discoverable one for the
   * RP ID. Throws a NotAllowedError (as a browser would once the user gives up) when none fits.
   */
  authenticate(
    options: RequestOptionsJSON,
    origin: string,
    overrides: AuthenticateOverrides = {},
  ): AuthenticationResponseJSON {
    const optionsRpId = options.rpId ?? hostOf(origin);
    const credential = this.#pick(options, optionsRpId, overrides.credentialId);
    const uv = this.#userVerified(options.userVerification, overrides.uv);

    let counter: number;
    if (overrides.counter !== undefined) {
      counter = overrides.counter;
    } else if (this.signCount === 'zero') {
      counter = 0;
    } else {
      credential.counter += 1;
      counter = credential.counter;
    }

    const authData = Buffer.concat([
      sha256(overrides.rpId ?? optionsRpId),
      Buffer.from([this.#flags(overrides.up ?? true, uv)]),
      uint32(counter),
    ]);
    const clientDataJSON = clientData(
      overrides.type ?? 'webauthn.get',
      overrides.challenge ?? options.challenge,
      overrides.origin ?? origin,
    );
    let signature: Buffer = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), credential.privateKey);
    if (overrides.tamperSignature) signature = tamper(signature);

    const userHandle = overrides.userHandle === undefined ? credential.userHandle : overrides.userHandle;
    const id = overrides.claimedId ?? credential.id;
    return {
      id,
      rawId: id,
      type: 'public-key',
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        ...(userHandle === null ? {} : { userHandle }),
      },
      authenticatorAttachment: this.attachment,
      clientExtensionResults: {},
    };
  }

  #pick(options: RequestOptionsJSON, rpId: string, forcedId: string | undefined): StoredCredential {
    if (forcedId !== undefined) {
      const forced = this.#store.find((c) => c.id === forcedId);
      if (!forced) throw new Error(`the authenticator holds no credential ${forcedId}`);
      return forced;
    }
    const allowed = options.allowCredentials ?? [];
    const found =
      allowed.length > 0
        ? allowed.map((a) => this.#store.find((c) => c.id === a.id && c.rpId === rpId)).find((c) => c !== undefined)
        : this.#store.find((c) => c.discoverable && c.rpId === rpId);
    if (!found) throw new DOMException('No credential available for this request', 'NotAllowedError');
    return found;
  }

  #userVerified(requirement: Requirement | undefined, override: boolean | undefined): boolean {
    if (override !== undefined) return override;
    if (requirement === 'required' && !this.uv) {
      throw new DOMException('User verification was required but the authenticator cannot verify', 'NotAllowedError');
    }
    return this.uv && requirement !== 'discouraged';
  }

  #flags(up: boolean, uv: boolean): number {
    let flags = 0;
    if (up) flags |= FLAG_UP;
    if (uv) flags |= FLAG_UV;
    if (this.backup !== 'none') flags |= FLAG_BE;
    if (this.backup === 'backed-up') flags |= FLAG_BS;
    return flags;
  }
}
