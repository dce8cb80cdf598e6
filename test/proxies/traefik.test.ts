import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type BehindProxy,
  behindProxy,
  checkDeny,
  checkDescriptionSpoof,
  checkPaths,
  checkPortcullisDown,
  checkSignIn,
  checkSpoofs,
  type ProxyProfile,
} from '../helpers/forward-auth-checks.ts';
import { EXAMPLES, exampleText, fillIn } from '../helpers/proxies.ts';
import { canonicalKey, startTraefikReplay } from '../helpers/traefik-replay.ts';

// Traefik is not packaged in Debian: test/helpers/traefik-replay.ts replays what its source does with
// deploy/traefik/dynamic.yml (Traefik v3.7, pkg/middlewares/auth/forward.go). Traefik hands a non-2xx auth
// answer to the client with its headers and body, and answers 500 when the auth request fails.
const TRAEFIK: ProxyProfile = { apiSignIn: 401, refusalPage: true, portcullisDown: 500, stripsPrefixes: true };

function startTraefik(values: { portcullis: string; app: string; host: string }) {
  return startTraefikReplay(
    fillIn(exampleText(EXAMPLES.traefik), {
      PORTCULLIS_ADDR: values.portcullis,
      APP_ADDR: values.app,
      APP_HOST: values.host,
    }),
  );
}

describe('forward-auth behind Traefik (ForwardAuth, replayed), deploy/traefik/dynamic.yml', () => {
  let bp: BehindProxy;
  before(async () => {
    bp = await behindProxy(startTraefik);
  });
  after(() => bp?.close());

  it('header names as Go spells them', () => {
    assert.equal(canonicalKey('remote_user'), 'Remote_user');
    assert.equal(canonicalKey('x-portcullis-assertion'), 'X-Portcullis-Assertion');
    assert.equal(canonicalKey('REMOTE.USER'), 'Remote.user');
    assert.equal(canonicalKey('bad name'), 'bad name');
  });

  it('sends a client to sign in and back to the page with its query, then lets it through as alice', async () => {
    await checkSignIn(bp, TRAEFIK);
  });

  it('never lets a client-sent identity header through, in any spelling', async () => {
    await checkSpoofs(bp, TRAEFIK);
  });

  it('describes the request itself: a client-sent X-Original-URL or X-Forwarded-* decides nothing', async () => {
    await checkDescriptionSpoof(bp);
  });

  it('judges the path the app receives', async () => {
    await checkPaths(bp);
  });

  it('refuses what a rule denies, with the refusal page for a browser', async () => {
    await checkDeny(bp, TRAEFIK);
  });

  it('lets nothing through while Portcullis is down', async () => {
    await checkPortcullisDown(bp, TRAEFIK);
    assert.equal(bp.proxy.output(), '', 'the replay met nothing it does not replay');
  });
});
