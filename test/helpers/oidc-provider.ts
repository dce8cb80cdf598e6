/**
 * A real OpenID Provider on loopback (panva's oidc-provider) for tests that sign in through
 * OpenID Connect with no human: the harness answers the OP's login and consent interactions itself.
 *
 * - startTestOp({ clients, path }) listens on 127.0.0.1; with `path` the issuer has one, as Entra's
 *   do (http://127.0.0.1:PORT/<tenant>/v2.0, discovery under it).
 * - signInAs(account) names who the next authorization request signs in (login and consent done
 *   by the harness, every requested scope granted); signInAs(null) answers it with
 *   error=access_denied. The OP keeps a session (cookies) like a real one: a further authorization
 *   request from the same cookie jar signs in again without an interaction (single sign-on) unless
 *   max_age or prompt=login asks for it or signInAs has named someone else since.
 * - The ID token carries the account's claims (email with scope email, profile claims with scope
 *   profile, the rest with openid: see ID_TOKEN_CLAIMS), `amr` from the account, and always
 *   `auth_time` (clients are registered with require_auth_time).
 * - tamper(fn) rewrites the ID tokens the token endpoint returns, re-signed with the OP's key (or,
 *   with key 'foreign', with an unknown key under the same kid).
 * - down() refuses connections, up() listens again on the same port.
 * - RP-initiated logout: the OP's sign-out page is a form that submits itself (logout=yes, no
 *   question asked), like its own form_post pages; browse() (oidc-browser.ts) submits such forms
 *   as a browser would, so a test follows the whole round trip with fetch alone.
 *
 * Quiet: oidc-provider prints "Unsupported runtime" on Node 20 (it asks for 22) at import; that
 * line, and only oidc-provider's, is held back while the module loads. Its other notices come from
 * defaults meant to be replaced, and are: an adapter of our own, numeric TTLs, our error and
 * sign-out pages, no CORS, our findAccount and interactions. (It runs on Node 20 from 20.18 on,
 * where URL.parse appeared.)
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, type JWTHeaderParameters, SignJWT } from 'jose';
import type { Adapter, AdapterPayload, Configuration, InteractionResult, Provider } from 'oidc-provider';

export interface OpAccount {
  /** subject */
  sub: string;
  /** any claims of ID_TOKEN_CLAIMS (or startTestOp's extraClaims), e.g. Entra's tid, oid, groups, _claim_names/_claim_sources, Google's hd; amr as an array */
  claims: Record<string, unknown>;
}

export interface OpClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
  post_logout_redirect_uris?: string[];
}

export type OpCounter =
  | 'discovery'
  | 'authorization'
  | 'token'
  | 'jwks'
  | 'userinfo'
  | 'end_session'
  /** logins the harness performed (interactions that signed someone in) */
  | 'logins'
  /** authorization codes redeemed at the token endpoint */
  | 'codesRedeemed';

export type ClaimsRewrite = (claims: Record<string, unknown>) => Record<string, unknown>;

export interface TestOp {
  /** http://127.0.0.1:PORT, followed by startTestOp's path if any */
  issuer: string;
  port: number;
  /** the account the next authorization request signs in; null: the request is answered with error=access_denied */
  signInAs(account: OpAccount | null): void;
  /**
   * Rewrites the ID token of every token response from now on (until tamper(null)): fn gets the
   * decoded claims and returns the new ones; the token is re-signed with the OP's own key (so only
   * what fn changed is wrong) or, with key 'foreign', with a key the OP never published (same kid).
   */
  tamper(fn: ClaimsRewrite | null, options?: { key?: 'own' | 'foreign' }): void;
  /** stops answering: the server closes with every connection, further connections are refused */
  down(): Promise<void>;
  /** listens again on the same port */
  up(): Promise<void>;
  /** requests seen per endpoint, logins performed, codes redeemed */
  readonly counts: Readonly<Record<OpCounter, number>>;
  close(): Promise<void>;
}

/** Claim names the ID token may carry, per scope (openid: always). */
export const ID_TOKEN_CLAIMS = {
  openid: ['sub', 'amr', 'tid', 'oid', 'groups', 'roles', 'wids', 'upn', 'idp', 'hd'],
  email: ['email', 'email_verified'],
  profile: [
    'name',
    'given_name',
    'family_name',
    'middle_name',
    'nickname',
    'preferred_username',
    'profile',
    'picture',
    'website',
    'gender',
    'birthdate',
    'zoneinfo',
    'locale',
    'updated_at',
  ],
} as const;

/** Claims the account may carry besides ID_TOKEN_CLAIMS: distributed claims' pointers (Entra's groups overage). */
const POINTER_CLAIMS = new Set(['_claim_names', '_claim_sources']);

let loading: Promise<typeof import('oidc-provider')> | undefined;

/** Imports oidc-provider with its own console warnings (the Node 20 "Unsupported runtime" notice) held back. */
function importOidcProvider(): Promise<typeof import('oidc-provider')> {
  loading ??= (async () => {
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].includes('oidc-provider WARNING')) return;
      warn(...args);
    };
    try {
      return await import('oidc-provider');
    } finally {
      console.warn = warn;
    }
  })();
  return loading;
}

/** An adapter of this OP's own, in memory (oidc-provider's default one warns that it is for development). */
function memoryAdapter(): new (model: string) => Adapter {
  const rows = new Map<string, { payload: AdapterPayload; expiresAt: number }>();
  return class MemoryAdapter implements Adapter {
    readonly #model: string;
    constructor(model: string) {
      this.#model = model;
    }
    #key(id: string): string {
      return `${this.#model}:${id}`;
    }
    #mine(): [string, AdapterPayload][] {
      const prefix = `${this.#model}:`;
      return [...rows].filter(([key]) => key.startsWith(prefix)).map(([key, row]) => [key, row.payload]);
    }
    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      rows.set(this.#key(id), { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Infinity });
    }
    async find(id: string): Promise<AdapterPayload | undefined> {
      const row = rows.get(this.#key(id));
      if (row && row.expiresAt <= Date.now()) rows.delete(this.#key(id));
      return row && row.expiresAt > Date.now() ? row.payload : undefined;
    }
    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return this.#mine().find(([, payload]) => payload.uid === uid)?.[1];
    }
    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return this.#mine().find(([, payload]) => payload.userCode === userCode)?.[1];
    }
    async consume(id: string): Promise<void> {
      const row = rows.get(this.#key(id));
      if (row) row.payload.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string): Promise<void> {
      rows.delete(this.#key(id));
    }
    async revokeByGrantId(grantId: string): Promise<void> {
      for (const [key, payload] of this.#mine()) if (payload.grantId === grantId) rows.delete(key);
    }
  };
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${title}</title></head><body>${body}</body></html>`;
}

/**
 * Starts an OP on 127.0.0.1 with the given clients: confidential (client_secret_basic or
 * client_secret_post), response type code only, PKCE S256 required, ID tokens signed RS256 with a
 * key generated here.
 */
export async function startTestOp(options: {
  clients: OpClient[];
  /** issuer path, e.g. '/11111111-2222-3333-4444-555555555555/v2.0' to look like Entra */
  path?: string;
  idTokenTtlSeconds?: number;
  /** claim names beyond ID_TOKEN_CLAIMS the ID token should carry (scope openid) */
  extraClaims?: string[];
}): Promise<TestOp> {
  const { default: OidcProvider, interactionPolicy } = await importOidcProvider();
  const prefix = (options.path ?? '').replace(/\/+$/, '');
  if (prefix && !prefix.startsWith('/')) throw new Error(`path must start with '/': ${options.path}`);

  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end();
  const server: Server = createServer((req, res) => handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const issuer = `http://127.0.0.1:${port}${prefix}`;

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = `test-op-${port}`;
  const jwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
  let foreignKey: typeof privateKey | undefined;

  const openidClaims = [...ID_TOKEN_CLAIMS.openid, ...(options.extraClaims ?? [])];
  const supported = new Set<string>([...openidClaims, ...ID_TOKEN_CLAIMS.email, ...ID_TOKEN_CLAIMS.profile]);
  const accounts = new Map<string, OpAccount>();
  let current: OpAccount | null = null;
  let rewrite: { fn: ClaimsRewrite; key: 'own' | 'foreign' } | null = null;
  const counts: Record<OpCounter, number> = {
    discovery: 0,
    authorization: 0,
    token: 0,
    jwks: 0,
    userinfo: 0,
    end_session: 0,
    logins: 0,
    codesRedeemed: 0,
  };
  const counted: Record<string, OpCounter> = {
    '/.well-known/openid-configuration': 'discovery',
    '/auth': 'authorization',
    '/token': 'token',
    '/jwks': 'jwks',
    '/me': 'userinfo',
    '/session/end': 'end_session',
  };

  // The login prompt also comes up when the OP's session belongs to someone other than the
  // account signInAs names (or signInAs(null) refuses everyone), so the next request signs in
  // that account; otherwise the session is reused (single sign-on) as a real OP would.
  const policy = interactionPolicy.base();
  policy.get('login')?.checks.add(
    new interactionPolicy.Check('harness_account', 'signInAs names another account', (ctx) => {
      if (ctx.oidc.result?.login) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      return current === null || ctx.oidc.session.accountId !== current.sub;
    }),
  );

  const configuration: Configuration = {
    adapter: memoryAdapter(),
    clients: options.clients.map((client) => ({
      ...client,
      require_auth_time: true,
      token_endpoint_auth_method: 'client_secret_basic', // client_secret_post is accepted too
    })),
    jwks: { keys: [jwk] },
    claims: { ...ID_TOKEN_CLAIMS, openid: openidClaims },
    conformIdTokenClaims: false,
    responseTypes: ['code'],
    pkce: { required: () => true },
    clientBasedCORS: () => false,
    findAccount: (_ctx, sub) => {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return { accountId: sub, claims: () => ({ ...account.claims, sub }) };
    },
    interactions: { policy, url: (_ctx, interaction) => `${prefix}/interaction/${interaction.uid}` },
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page('OP error', `<pre>${JSON.stringify(out).replace(/</g, '&lt;')}</pre>`);
    },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => {
          const confirm = form.replace('</form>', '<input type="hidden" name="logout" value="yes"/></form>');
          ctx.body = page('Signing out', `${confirm}<script>document.forms[0].submit()</script>`);
        },
        postLogoutSuccessSource: (ctx) => {
          ctx.body = page('Signed out', '<p>Signed out.</p>');
        },
      },
    },
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      IdToken: options.idTokenTtlSeconds ?? 3600,
      Interaction: 600,
      Session: 86_400,
      Grant: 86_400,
    },
  };
  const provider: Provider = new OidcProvider(issuer, configuration);
  provider.on('authorization_code.consumed', () => {
    counts.codesRedeemed++;
  });

  provider.use(async (ctx, next) => {
    await next();
    const body = ctx.body as { id_token?: unknown } | undefined;
    if (rewrite && ctx.path === '/token' && ctx.status === 200 && typeof body?.id_token === 'string') {
      const header = decodeProtectedHeader(body.id_token) as JWTHeaderParameters;
      const claims = rewrite.fn(decodeJwt(body.id_token));
      foreignKey ??= (await generateKeyPair('RS256')).privateKey;
      const key = rewrite.key === 'foreign' ? foreignKey : privateKey;
      body.id_token = await new SignJWT(claims).setProtectedHeader(header).sign(key);
    }
  });

  async function interact(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    let result: InteractionResult;
    if (current === null) {
      result = { error: 'access_denied', error_description: 'the test OP refuses this sign-in' };
    } else if (details.prompt.name === 'login') {
      counts.logins++;
      const amr = current.claims['amr'];
      result = { login: { accountId: current.sub, ...(Array.isArray(amr) ? { amr: amr.map(String) } : {}) } };
    } else if (details.prompt.name === 'consent') {
      const accountId = details.session?.accountId ?? current.sub;
      const clientId = details.params['client_id'] ?? '';
      const grant =
        (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ??
        new provider.Grant({ accountId, clientId });
      const missing = details.prompt.details;
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
      result = { consent: { grantId: await grant.save() } };
    } else {
      throw new Error(`the test OP does not answer the ${details.prompt.name} prompt`);
    }
    await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: !('error' in result) });
  }

  const callback = provider.callback();
  handle = (req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    if (url.pathname !== prefix && !url.pathname.startsWith(`${prefix}/`)) {
      res.writeHead(404).end();
      return;
    }
    const route = url.pathname.slice(prefix.length) || '/';
    const counter = counted[route];
    if (counter) counts[counter]++;
    if (route.startsWith('/interaction/')) {
      interact(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(`interaction failed: ${error instanceof Error ? error.message : String(error)}`);
      });
      return;
    }
    if (prefix) {
      // mounted under the issuer's path: oidc-provider builds its URLs from originalUrl
      (req as IncomingMessage & { originalUrl?: string }).originalUrl = req.url;
      req.url = req.url?.slice(prefix.length) || '/';
    }
    callback(req, res);
  };

  const stop = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      server.closeAllConnections();
    });

  return {
    issuer,
    port,
    counts,
    signInAs(account) {
      if (account) {
        const unknown = Object.keys(account.claims).filter((name) => !supported.has(name) && !POINTER_CLAIMS.has(name));
        if (unknown.length) {
          throw new Error(`claims the ID token would not carry: ${unknown.join(', ')} (startTestOp's extraClaims)`);
        }
        accounts.set(account.sub, account);
      }
      current = account;
    },
    tamper(fn, tamperOptions) {
      rewrite = fn ? { fn, key: tamperOptions?.key ?? 'own' } : null;
    },
    down: stop,
    up: () =>
      new Promise<void>((resolve, reject) => {
        if (server.listening) return resolve();
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      }),
    close: stop,
  };
}
