/**
 * A Web Push service that runs inside a test, on loopback: it plays the browser's push service
 * and the browser at once. It makes subscriptions (a P-256 key pair and an auth secret, as a
 * browser does), and for every message posted to one it checks the VAPID Authorization (RFC
 * 8292: an ES256 JWT whose `aud` is this origin, `exp` within 24 h, `sub` a contact, and `k` the
 * key it was signed with) and decrypts the body itself (RFC 8291 aes128gcm with node:crypto
 * only, independently of the sender's library). What it answers is up to the test: 201, 404,
 * 410, 429, 500, or no answer at all.
 */
import assert from 'node:assert/strict';
import { createDecipheriv, createECDH, hkdfSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { importJWK, jwtVerify } from 'jose';

export interface PushSubscriptionJson {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export interface ReceivedPush {
  /** the subscription's id (the last path segment) */
  id: string;
  headers: IncomingMessage['headers'];
  /** the VAPID JWT's claims, verified */
  claims: { aud: string; exp: number; sub: string };
  /** the `k` of the Authorization header */
  vapidKey: string;
  /** the decrypted payload */
  payload: string;
}

/** What the service answers for the next message(s): a status, or 'hang' (never answers). */
export type Answer = number | 'hang';

interface Keys {
  ecdh: ReturnType<typeof createECDH>;
  auth: Buffer;
}

/** RFC 8291 section 3.4 and RFC 8188: the one-record aes128gcm body, decrypted by the user agent. */
export function decryptAes128gcm(body: Buffer, keys: Keys): string {
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20] as number;
  const senderKey = body.subarray(21, 21 + idlen);
  const record = body.subarray(21 + idlen);
  assert.equal(idlen, 65, 'keyid is the sender public key');
  assert.ok(record.length <= rs, 'one record');
  const uaPublic = keys.ecdh.getPublicKey();
  const ecdhSecret = keys.ecdh.computeSecret(senderKey);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), uaPublic, senderKey]);
  const ikm = Buffer.from(hkdfSync('sha256', ecdhSecret, keys.auth, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const plain = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  // padding: the last record ends with 0x02 and then zeros
  let end = plain.length - 1;
  while (end >= 0 && plain[end] === 0) end--;
  assert.equal(plain[end], 2, 'the last record delimiter');
  return plain.subarray(0, end).toString('utf8');
}

async function verifyVapid(header: string | undefined, origin: string) {
  const m = /^vapid t=([A-Za-z0-9_.-]+), *k=([A-Za-z0-9_-]+)$/.exec(header ?? '');
  assert.ok(m, `a VAPID Authorization header: ${header}`);
  const [, token, k] = m as unknown as [string, string, string];
  const point = Buffer.from(k, 'base64url');
  assert.equal(point.length, 65);
  const key = await importJWK(
    {
      kty: 'EC',
      crv: 'P-256',
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33, 65).toString('base64url'),
    },
    'ES256',
  );
  const { payload, protectedHeader } = await jwtVerify(token, key, { audience: origin, algorithms: ['ES256'] });
  assert.equal(protectedHeader.alg, 'ES256');
  return { claims: payload as ReceivedPush['claims'], vapidKey: k };
}

export class TestPushService {
  readonly received: ReceivedPush[] = [];
  /** messages whose check failed: the reason */
  readonly rejected: string[] = [];
  #answers: Answer[] = [];
  #keys = new Map<string, Keys>();
  #hanging: ServerResponse[] = [];

  private constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {}

  static async start(): Promise<TestPushService> {
    let service: TestPushService | undefined;
    const server = createServer((req, res) => void service?.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    service = new TestPushService(server, `http://127.0.0.1:${port}`);
    return service;
  }

  /** A new subscription, as a browser's pushManager.subscribe() answers it. */
  subscribe(): PushSubscriptionJson {
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const auth = randomBytes(16);
    const id = randomBytes(8).toString('hex');
    this.#keys.set(id, { ecdh, auth });
    return {
      endpoint: `${this.origin}/push/${id}`,
      keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') },
    };
  }

  /** The next messages get these answers, in order; then 201. */
  answer(...answers: Answer[]): void {
    this.#answers.push(...answers);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const answer = this.#answers.shift() ?? 201;
    const id = (req.url ?? '').split('/').pop() ?? '';
    const keys = this.#keys.get(id);
    try {
      assert.equal(req.method, 'POST');
      assert.ok(keys, `a known subscription: ${req.url}`);
      assert.equal(req.headers['content-encoding'], 'aes128gcm');
      const { claims, vapidKey } = await verifyVapid(req.headers.authorization, this.origin);
      const payload = decryptAes128gcm(Buffer.concat(chunks), keys);
      this.received.push({ id, headers: req.headers, claims, vapidKey, payload });
    } catch (err) {
      this.rejected.push((err as Error).message);
      res.writeHead(400).end();
      return;
    }
    if (answer === 'hang') {
      this.#hanging.push(res);
      return;
    }
    res.writeHead(
      answer,
      answer === 201 ? { location: `${this.origin}/message/${randomBytes(4).toString('hex')}` } : {},
    );
    res.end();
  }

  async close(): Promise<void> {
    for (const res of this.#hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
