/**
 * The forward-auth reference, a child process of bench/run.ts: the least an auth service behind
 * nginx `auth_request` can do. node:http on loopback, sessions in a Map:
 *
 *   POST /.portcullis/api/login  {"username":"alice","password":...}: a random session id in a cookie
 *   GET  /.portcullis/authz      the cookie's session: 204 with the identity headers Portcullis
 *                                sends (Remote-User, -Groups, -Email, -Name, X-Portcullis-Assertion);
 *                                none: 401 with Location, as Portcullis answers nginx
 *
 * It answers on the paths Portcullis uses, so nginx runs the very example that fronts Portcullis
 * (deploy/nginx/portcullis-forward-auth.conf) and the two differ only in the service asked. Its
 * assertion is an opaque stand-in of the length of Portcullis's (a signed JWT, cached per
 * session), so nginx carries as many bytes to the upstream for both.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { type ChildMessage, cpuMicros, PASSWORD, type ParentMessage } from './shared.ts';

const TRIVIAL_COOKIE = 'bench_auth';
/** about the length of Portcullis's assertion for alice on app `app` */
const ASSERTION_LENGTH = 560;

interface Identity {
  'remote-user': string;
  'remote-groups': string;
  'remote-email': string;
  'remote-name': string;
  'x-portcullis-assertion': string;
}

const sessions = new Map<string, Identity>();

function sessionId(cookie: string | undefined): string | undefined {
  if (cookie === undefined) return undefined;
  for (const pair of cookie.split(';')) {
    const eq = pair.indexOf('=');
    if (eq !== -1 && pair.slice(0, eq).trim() === TRIVIAL_COOKIE) return pair.slice(eq + 1).trim();
  }
  return undefined;
}

const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  const path = req.url ?? '/';
  if (req.method === 'GET' && path.startsWith('/.portcullis/authz')) {
    const id = sessionId(req.headers.cookie);
    const identity = id === undefined ? undefined : sessions.get(id);
    if (identity === undefined) {
      res.writeHead(401, { location: 'http://portal.test/.portcullis/login', 'content-length': '0' });
      res.end();
      return;
    }
    res.writeHead(204, identity as unknown as Record<string, string>);
    res.end();
    return;
  }
  if (req.method === 'POST' && path === '/.portcullis/api/login') {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: { username?: unknown; password?: unknown } = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
      } catch {
        // refused below
      }
      if (body.username !== 'alice' || body.password !== PASSWORD) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end('{"error":"invalid_credentials"}');
        return;
      }
      const id = randomBytes(32).toString('base64url');
      sessions.set(id, {
        'remote-user': 'alice',
        'remote-groups': 'msp-admins',
        'remote-email': 'alice@msp.example',
        'remote-name': 'Alice Admin',
        'x-portcullis-assertion': randomBytes(Math.ceil((ASSERTION_LENGTH * 3) / 4))
          .toString('base64url')
          .slice(0, ASSERTION_LENGTH),
      });
      res.writeHead(200, {
        'content-type': 'application/json',
        'set-cookie': `${TRIVIAL_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax`,
      });
      res.end('{"status":"authenticated"}');
    });
    return;
  }
  res.writeHead(404, { 'content-length': '0' });
  res.end();
});

const send = (m: ChildMessage) => process.send?.(m);
server.listen(0, '127.0.0.1', () =>
  send({ type: 'ready', port: (server.address() as { port: number }).port, cookieName: TRIVIAL_COOKIE }),
);
process.on('message', (m: ParentMessage) => {
  if (m.type === 'cpu') send({ type: 'cpu', cpuMicros: cpuMicros() });
  else if (m.type === 'close') {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
