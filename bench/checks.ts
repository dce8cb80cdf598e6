/**
 * What bench/run.ts asks a proxy under test before loading it: plain HTTP on loopback with full
 * control of Host (fetch forbids setting it), the sign-in through the JSON API (and, for an mfa
 * rule, the enrolment of an authenticator app, which raises the session to mfa), and the
 * end-to-end proof that a measured request is really signed in, authorised and carries the
 * identity, inline or through nginx (forward-auth).
 */
import { request as httpRequest } from 'node:http';
import { fail } from './bench-error.ts';
import { APP_HOST, BENCH_PATH, BODY, ECHO_PATH, PASSWORD } from './shared.ts';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function send(
  port: number,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Signs alice in (password rule) through POST /.portcullis/api/login: `name=value` of the session cookie. */
export async function login(port: number, cookieName: string): Promise<string> {
  const answer = await send(port, {
    method: 'POST',
    path: '/.portcullis/api/login',
    headers: { host: APP_HOST, 'content-type': 'application/json', origin: `http://${APP_HOST}` },
    body: JSON.stringify({ username: 'alice', password: PASSWORD }),
  });
  const pair = cookiePair(answer, cookieName);
  if (answer.status !== 200 || pair === undefined)
    fail(`sign-in through POST /.portcullis/api/login failed: ${answer.status} ${answer.body}`);
  return pair;
}

function cookiePair(answer: Answer, cookieName: string): string | undefined {
  const setCookie = answer.headers['set-cookie'];
  return (Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [])
    .map((c) => c.split(';')[0] ?? '')
    .find((c) => c.startsWith(`${cookieName}=`));
}

/** The code an authenticator app shows now for the otpauth:// URL, by the compiled dist/ (npm run bench builds it). */
async function totpCodeNow(otpauthUrl: string): Promise<string> {
  const dist = new URL('../dist/', import.meta.url).href;
  const { generateTotpCode } = (await import(
    `${dist}authn/factors/totp/totp.js`
  )) as typeof import('../src/authn/factors/totp/totp.ts');
  const q = new URL(otpauthUrl).searchParams;
  const secret = q.get('secret') ?? fail(`no secret in ${otpauthUrl}`);
  const digits = Number(q.get('digits') ?? 6) as 6 | 8;
  const period = Number(q.get('period') ?? 30);
  const algorithm = (q.get('algorithm') ?? 'SHA1').toLowerCase() as 'sha1' | 'sha256' | 'sha512';
  return generateTotpCode(secret, Math.floor(Date.now() / 1000 / period), { digits, period, algorithm });
}

/**
 * Signs alice in at level mfa: the password, then the enrolment of an authenticator app through the
 * JSON API (start, then finish with the code of the current time step), which proves the second
 * factor. First proves that the password alone does not pass the benchmarked request. The cookie
 * `name=value` of the raised session.
 */
export async function loginMfa(port: number, cookieName: string): Promise<string> {
  let cookie = await login(port, cookieName);
  const passwordOnly = await send(port, { path: BENCH_PATH, headers: { host: APP_HOST, cookie } });
  if (passwordOnly.status === 200) fail('a password-only session passed the mfa rule: the policy is not in force');
  const post = (path: string, body: object) =>
    send(port, {
      method: 'POST',
      path: `/.portcullis/api/${path}`,
      headers: { host: APP_HOST, 'content-type': 'application/json', origin: `http://${APP_HOST}`, cookie },
      body: JSON.stringify(body),
    });
  const started = await post('enroll/totp/start', {});
  if (started.status !== 200) fail(`TOTP enrolment did not start: ${started.status} ${started.body}`);
  const { otpauth_url } = JSON.parse(started.body) as { otpauth_url: string };
  const finished = await post('enroll/totp/finish', { code: await totpCodeNow(otpauth_url) });
  if (finished.status !== 200) fail(`TOTP enrolment did not finish: ${finished.status} ${finished.body}`);
  cookie = cookiePair(finished, cookieName) ?? cookie;
  return cookie;
}

function jwtPayload(jwt: string): Record<string, unknown> {
  const parts = jwt.split('.');
  if (parts.length !== 3) fail(`X-Portcullis-Assertion is not a JWT: ${jwt}`);
  return JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/**
 * A Portcullis under test must really pass a signed-in, authorised, identity-carrying request, or
 * the figures mean nothing. `repeat` sends the benchmarked request that many times (new connections
 * each), so that with several workers more than one of them is asked.
 */
export async function verifyPortcullis(port: number, cookie: string, cookieName: string, repeat = 1): Promise<void> {
  const anonymous = await send(port, { path: BENCH_PATH, headers: { host: APP_HOST } });
  if (anonymous.status === 200) fail('Portcullis let an anonymous request through: the policy is not in force');

  // forged identity headers must be replaced, the session cookie must not reach the upstream
  const echo = await send(port, {
    path: ECHO_PATH,
    headers: {
      host: APP_HOST,
      cookie: `${cookie}; theme=dark`,
      'remote-user': 'mallory',
      'x-portcullis-assertion': 'forged',
    },
  });
  const seen = aliceSeen(echo, 'Portcullis');
  if (seen.cookie !== 'theme=dark') fail(`upstream saw cookie: ${JSON.stringify(seen.cookie)}, expected theme=dark`);
  if (seen.cookie?.includes(`${cookieName}=`)) fail('the session cookie reached the upstream');
  const claims = jwtPayload(seen['x-portcullis-assertion'] ?? fail('no X-Portcullis-Assertion upstream'));
  if (claims.sub !== 'alice' || claims.aud !== 'app') fail(`unexpected assertion claims ${JSON.stringify(claims)}`);

  for (let i = 0; i < repeat; i++) {
    const real = await send(port, { path: BENCH_PATH, headers: { host: APP_HOST, cookie } });
    if (real.status !== 200 || real.body !== BODY) fail(`the benchmarked request got ${real.status} ${real.body}`);
  }
}

/** alice's identity, as the upstream must see it whatever the client forged */
const ALICE: Record<string, string> = {
  'remote-user': 'alice',
  'remote-groups': 'msp-admins',
  'remote-email': 'alice@msp.example',
  'remote-name': 'Alice Admin',
};

/** The headers the echo upstream saw; fails unless the request passed with alice's identity. */
function aliceSeen(echo: { status: number; body: string }, who: string): Record<string, string> {
  if (echo.status !== 200) fail(`${who} did not pass the signed-in request: ${echo.status} ${echo.body}`);
  const seen = (JSON.parse(echo.body) as { headers: Record<string, string> }).headers;
  for (const [name, value] of Object.entries(ALICE))
    if (seen[name] !== value) fail(`upstream saw ${name}: ${JSON.stringify(seen[name])}, expected ${value}`);
  return seen;
}

export async function verifyBare(port: number): Promise<void> {
  const real = await send(port, { path: BENCH_PATH, headers: { host: APP_HOST } });
  if (real.status !== 200 || real.body !== BODY) fail(`bare proxy answered ${real.status} ${real.body}`);
}

/**
 * nginx `auth_request` in front of an auth service (Portcullis or the trivial one) must refuse an
 * anonymous request, replace forged identity headers with the service's, and pass the benchmarked
 * request. `jwt`: the assertion is Portcullis's signed JWT (checked), not the trivial service's
 * stand-in. The session cookie does reach the upstream here: a proxy in front cannot remove it.
 */
export async function verifyForwardAuth(port: number, cookie: string, jwt: boolean): Promise<void> {
  const anonymous = await send(port, { path: BENCH_PATH, headers: { host: APP_HOST } });
  if (anonymous.status === 200) fail('nginx let an anonymous request through: auth_request is not in force');

  const echo = await send(port, {
    path: ECHO_PATH,
    headers: { host: APP_HOST, cookie, 'remote-user': 'mallory', 'x-portcullis-assertion': 'forged' },
  });
  const seen = aliceSeen(echo, 'nginx');
  const assertion = seen['x-portcullis-assertion'] ?? fail('no X-Portcullis-Assertion upstream');
  if (assertion === 'forged') fail('the forged assertion reached the upstream');
  if (jwt) {
    const claims = jwtPayload(assertion);
    if (claims.sub !== 'alice' || claims.aud !== 'app') fail(`unexpected assertion claims ${JSON.stringify(claims)}`);
  }

  const real = await send(port, { path: BENCH_PATH, headers: { host: APP_HOST, cookie } });
  if (real.status !== 200 || real.body !== BODY) fail(`the benchmarked request got ${real.status} ${real.body}`);
}
