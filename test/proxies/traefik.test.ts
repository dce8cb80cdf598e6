import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeBehindProxy } from '../helpers/forward-auth-checks.ts';
import { send } from '../helpers/http.ts';
import { EXAMPLES, exampleText, fillIn } from '../helpers/proxies.ts';
import { canonicalKey, startTraefikReplay } from '../helpers/traefik-replay.ts';
import { startUpstream } from '../helpers/upstream.ts';

// Traefik is not packaged in Debian: test/helpers/traefik-replay.ts replays what its source does with
// deploy/traefik/dynamic.yml (Traefik v3.7, pkg/middlewares/auth/forward.go). Traefik hands a non-2xx auth
// answer to the client with its headers and body, and answers 500 when the auth request fails.

function startTraefik(values: { portcullis: string; app: string; host: string }) {
  return startTraefikReplay(
    fillIn(exampleText(EXAMPLES.traefik), {
      PORTCULLIS_ADDR: values.portcullis,
      APP_ADDR: values.app,
      APP_HOST: values.host,
    }),
  );
}

describeBehindProxy({
  title: 'forward-auth behind Traefik (ForwardAuth, replayed), deploy/traefik/dynamic.yml',
  start: startTraefik,
  profile: { apiSignIn: 401, refusalPage: true, portcullisDown: 500, stripsPrefixes: true },
  // the replay keeps no connections: there is nothing of Traefik's pooling to test here
  keepAlive: false,
  afterDown: (bp) => assert.equal(bp.proxy.output(), '', 'the replay met nothing it does not replay'),
  more: () => {
    it('header names as Go spells them', () => {
      assert.equal(canonicalKey('remote_user'), 'Remote_user');
      assert.equal(canonicalKey('x-portcullis-assertion'), 'X-Portcullis-Assertion');
      assert.equal(canonicalKey('REMOTE.USER'), 'Remote.user');
      assert.equal(canonicalKey('bad name'), 'bad name');
    });

    it('asks Portcullis with the headers Traefik builds (writeHeader, trustForwardHeader false)', async (t) => {
      // a recorder in Portcullis's place (it answers 200, so the request goes on to it as the app too)
      const recorder = await startUpstream();
      t.after(() => recorder.close());
      const replay = await startTraefik({
        portcullis: `127.0.0.1:${recorder.port}`,
        app: `127.0.0.1:${recorder.port}`,
        host: 'app.test',
      });
      t.after(() => replay.stop());
      const answer = await send(replay.port, {
        method: 'POST',
        host: `app.test:${replay.port}`,
        target: '/public/../reports?a=1&b=%2F',
        headers: {
          cookie: 'portcullis_session=abc; other=1',
          accept: 'text/html',
          connection: 'keep-alive, X-Hop',
          'x-hop': 'gone',
          'keep-alive': 'timeout=5',
          'x-forwarded-host': 'evil.example',
          x_forwarded_uri: '/health',
          'x-forwarded-prefix': '/evil',
          'x-real-ip': '203.0.113.9',
          'x-original-url': 'http://app.test/health',
          'content-type': 'text/plain',
        },
        body: 'payload',
      });
      assert.equal(answer.status, 200);
      const [auth, app] = recorder.seen;
      assert.ok(auth && app);
      assert.equal(auth.method, 'GET');
      assert.equal(auth.url, '/.portcullis/authz?login=redirect');
      const port = String(replay.port);
      assert.deepEqual(
        Object.fromEntries(Object.entries(auth.headers).filter(([k]) => k !== 'connection')),
        {
          host: `127.0.0.1:${recorder.port}`,
          cookie: 'portcullis_session=abc; other=1',
          accept: 'text/html',
          'content-type': 'text/plain',
          'x-original-url': 'http://app.test/health',
          'x-forwarded-for': '127.0.0.1',
          'x-forwarded-method': 'POST',
          'x-forwarded-proto': 'http',
          'x-forwarded-port': port,
          'x-forwarded-host': `app.test:${port}`,
          'x-forwarded-uri': '/reports?a=1&b=%2F',
          'accept-encoding': 'gzip',
        },
        "the client header set minus hop-by-hop and X-Forwarded-* ones, plus Traefik's description",
      );
      // the app gets the POST, its body and the cleaned path
      assert.equal(app.method, 'POST');
      assert.equal(app.url, '/reports?a=1&b=%2F');
      assert.equal(JSON.parse(answer.body).url, '/reports?a=1&b=%2F');
    });
  },
});
