import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import type pino from 'pino';
import { loadAdminToken } from './admin/admin-token.ts';
import { TokenThrottle } from './admin/token-throttle.ts';
import { buildGateway } from './app.ts';
import { AuditLog } from './audit/audit.ts';
import { AUDIT_TRIM_EVERY_MS, AUDIT_TRIM_FIRST_MS, trimAuditTrail } from './audit/retention.ts';
import { ACCESS_CODE_SWEEP_MS, sweepExpiredAccessCodes } from './authn/account-recovery/access-code-sweep.ts';
import { PushDevices } from './authn/factors/push/push-devices.ts';
import { PushLinks } from './authn/factors/push/push-links.ts';
import { PushPairing } from './authn/factors/push/push-pairing.ts';
import { TotpVerifier } from './authn/factors/totp/totp.ts';
import { WebAuthnCeremonies } from './authn/factors/webauthn/ceremonies.ts';
import { Lockout } from './authn/lockout.ts';
import { SecondFactors } from './authn/second-factors.ts';
import { SetupTokens } from './authn/setup-tokens.ts';
import { type Clock, systemClock } from './clock.ts';
import type { ConfigReader } from './config/config-reader.ts';
import { type LoadedFiles, loadConfigFiles } from './config/load.ts';
import { configWatchTargets, Reloader } from './config/reload.ts';
import { loadSecretKeys, SecretBox } from './crypto/secret-box.ts';
import { Devices } from './devices/devices.ts';
import { ProviderClients } from './idp/discovery.ts';
import { countAccounts, GAUGE_REFRESH_MS } from './observability/account-counts.ts';
import { buildAdminServer } from './observability/admin.ts';
import { createLogger } from './observability/logger.ts';
import { createMetrics, type Metrics } from './observability/metrics.ts';
import { storeReadiness } from './observability/readiness.ts';
import { AssertionSigner } from './proxy/assertion.ts';
import { loadSigningKeys, type SigningKey } from './proxy/signing-keys.ts';
import { pushLimits } from './push/push-settings.ts';
import { PushRequests } from './push/requests/push-requests.ts';
import { type Random, systemRandom } from './random.ts';
import { SESSION_ENDS_POLL_MS, SessionEnds } from './session/session-ends.ts';
import { SessionStore } from './session/session-store.ts';
import { buildState, type GatewayState } from './state.ts';
import type { DurableStore } from './stores/durable.ts';
import type { EphemeralStore } from './stores/ephemeral.ts';
import { openDurable, openEphemeral } from './stores/open.ts';
import { systemTimers, type Timers } from './timers.ts';
import { PasswordVerifier } from './users/password.ts';

export interface RuntimeOptions {
  readonly configPath: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly clock?: Clock;
  readonly random?: Random;
  readonly logger?: pino.Logger;
  /** origin of the demo upstream for `builtin:whoami` apps */
  readonly whoamiOrigin?: string;
  /**
   * One of several worker processes (server.workers): its number, and the metrics of all of them
   * (asked of the primary process). The primary watches the files; the worker reloads when told.
   */
  readonly worker?: { readonly id: number; readonly metrics: () => Promise<string> };
  /**
   * Where the files are read from, asked at start and at each reload (default: the disk); a
   * worker reads the snapshot its primary validated.
   */
  readonly configReader?: () => ConfigReader;
  /** watch the files for changes (default true); SIGHUP is wired by main.ts */
  readonly watch?: boolean;
  readonly reloadDebounceMs?: number;
  /** the background work: the audit trim, the account gauges (default: real timers) */
  readonly timers?: Timers;
  /** how push messages are posted (tests: a short timeout, no wait before the retry) */
  readonly pushSend?: { timeoutMs?: number; retryDelayMs?: number; sleep?: (ms: number) => Promise<void> };
  /** how often the account gauges are recounted (default GAUGE_REFRESH_MS, a minute) */
  readonly gaugeRefreshMs?: number;
}

/** The state plus what is derived from it asynchronously, swapped together on reload. */
interface Loaded {
  readonly state: GatewayState;
  readonly verifier: PasswordVerifier;
}

export interface Runtime {
  readonly app: FastifyInstance;
  readonly admin: FastifyInstance;
  readonly reloader: Reloader<Loaded>;
  readonly ephemeral: EphemeralStore;
  readonly durable: DurableStore;
  readonly sessions: SessionStore;
  /** the administrators' "sessions ended before" marks, read from the durable store every few seconds */
  readonly sessionEnds: SessionEnds;
  readonly devices: Devices;
  readonly audit: AuditLog;
  readonly metrics: Metrics;
  readonly setup: SetupTokens;
  readonly lockout: Lockout;
  /** push approval requests and their limits */
  readonly push: PushRequests;
  readonly logger: pino.Logger;
  state(): GatewayState;
  signingKeys(): readonly SigningKey[];
  /** Starts both listeners on the configured (or given) addresses; returns their URLs. */
  listen(overrides?: { listen?: string; admin?: string }): Promise<{ gateway: string; admin: string }>;
  /** Graceful: stops accepting, finishes in-flight requests, flushes the audit trail, closes stores. */
  close(): Promise<void>;
}

async function load(files: LoadedFiles, whoamiOrigin: string | undefined): Promise<Loaded> {
  const state = buildState(files, { whoamiOrigin });
  const hashes = state.users.all().flatMap((u) => (u.passwordHash ? [u.passwordHash] : []));
  return { state, verifier: await PasswordVerifier.create(hashes) };
}

function splitHostPort(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  return { host: listen.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(listen.slice(i + 1)) };
}

/** Assembles a gateway from a configuration: stores, keys, state, the two listeners. */
export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? systemRandom;
  const env = options.env ?? process.env;
  const files = await loadConfigFiles(options.configPath, env, options.configReader?.());
  const g = files.gateway;
  const logger = options.logger ?? createLogger({ level: g.log?.level ?? 'info' });
  const initial = await load(files, options.whoamiOrigin);
  for (const warning of initial.state.warnings) logger.warn({ warning }, 'policy warning');

  // what is opened here is closed again when the start fails, so a gateway that cannot start
  // exits (non-zero) instead of lingering on an open connection
  const ephemeral = await openEphemeral(g.stores.ephemeral, { clock });
  let durable: DurableStore;
  try {
    durable = await openDurable(g.stores.durable, files.baseDir, {
      onIdleError: (err) =>
        logger.warn({ err: { message: err.message } }, 'a pooled durable store connection failed; it is replaced'),
    });
  } catch (err) {
    await ephemeral.close().catch(() => {});
    throw err;
  }
  try {
    return await assemble(durable);
  } catch (err) {
    await Promise.allSettled([ephemeral.close(), durable.close()]);
    throw err;
  }

  async function assemble(durable: DurableStore): Promise<Runtime> {
    const keys = await loadSigningKeys(g.data_dir);
    const metrics = createMetrics();
    const audit = new AuditLog({ durable, logger, clock, onWriteError: () => metrics.observeStoreError('durable') });
    const s = initial.state.session;
    const sessionEnds = new SessionEnds(durable);
    await sessionEnds.refresh();
    const sessions = new SessionStore(
      ephemeral,
      clock,
      random,
      { idleMs: s.idleMs, maxLifetimeMs: s.maxLifetimeMs },
      (user) => sessionEnds.before(user),
    );
    // the marks administrators set from the command line (reset-mfa, revoke-sessions)
    const endsTimer = setInterval(() => {
      sessionEnds.refresh().catch((err: Error) => {
        metrics.observeStoreError('durable');
        logger.error({ err: { message: err.message } }, 'cannot read ended sessions from the durable store');
      });
    }, SESSION_ENDS_POLL_MS);
    endsTimer.unref();
    // access codes that expired unused: removed, and each audited once across instances
    const accessCodeTimer = setInterval(() => {
      sweepExpiredAccessCodes({ durable, audit, clock, users: () => reloader.current.state.users }).catch(
        (err: Error) => {
          metrics.observeStoreError('durable');
          logger.error({ err: { message: err.message } }, 'cannot sweep expired access codes');
        },
      );
    }, ACCESS_CODE_SWEEP_MS);
    accessCodeTimer.unref();
    const setup = new SetupTokens(clock, random);
    const lockout = new Lockout({ store: ephemeral, clock, settings: () => reloader.current.state.lockout });
    const box = new SecretBox(await loadSecretKeys({ env: env.PORTCULLIS_SECRET_KEYS, dataDir: g.data_dir }));
    const totpFor = (s: GatewayState) => {
      const t = s.files.gateway.mfa.totp;
      return {
        verifier: new TotpVerifier({ store: ephemeral, clock, digits: t.digits, period: t.period, skew: t.skew }),
        issuer: t.issuer,
        digits: t.digits,
        period: t.period,
      };
    };
    let totp = totpFor(initial.state);
    const factors = new SecondFactors({ durable, ephemeral, box, clock, random, totp: () => totp });
    const devices = new Devices({ durable, box, clock, random });
    const webauthn = new WebAuthnCeremonies({ durable, ephemeral, clock, random });
    const push = new PushRequests({ store: ephemeral, durable, clock, random, limits: () => pushLimits(current()) });
    const pushLinks = new PushLinks({ store: ephemeral, push, clock, random });
    const pushDevices = new PushDevices({
      durable,
      box,
      clock,
      random,
      audit,
      settings: () => current().push,
      dataDir: g.data_dir,
      origin: () => current().publicUrl.origin,
      links: pushLinks,
      ...(options.pushSend ? { send: options.pushSend } : {}),
    });

    const reloader = new Reloader<Loaded>({
      build: async () =>
        load(await loadConfigFiles(options.configPath, env, options.configReader?.()), options.whoamiOrigin),
      initial,
      logger,
      watch: options.watch === false ? [] : (l) => configWatchTargets(l.state.files),
      ...(options.reloadDebounceMs !== undefined ? { debounceMs: options.reloadDebounceMs } : {}),
    });
    let signer = new AssertionSigner(keys[0] as SigningKey, initial.state.publicUrl.origin);
    metrics.showConfigVersion(initial.state.files.version);
    reloader.onSwap((next, prev) => {
      metrics.showConfigVersion(next.state.files.version);
      const ns = next.state.session;
      sessions.setTimeouts({ idleMs: ns.idleMs, maxLifetimeMs: ns.maxLifetimeMs });
      signer = new AssertionSigner(keys[0] as SigningKey, next.state.publicUrl.origin);
      totp = totpFor(next.state);
      const [a, b] = [prev.state.files.gateway.stores, next.state.files.gateway.stores];
      if (a.durable !== b.durable || a.ephemeral !== b.ephemeral)
        logger.warn('stores changed in gateway.yaml: restart to apply');
      if (next.state.users.size > 0) setup.revoke();
      for (const warning of next.state.warnings) logger.warn({ warning }, 'policy warning');
      logger.info(
        { apps: next.state.apps.length, rules: next.state.policy.rules.length, users: next.state.users.size },
        'configuration reloaded',
      );
    });

    const timers = options.timers ?? systemTimers;
    // audit events past audit.retention: deleted a minute after start, then daily
    const stopTrim = timers.repeat(
      async () => {
        try {
          const deleted = await trimAuditTrail({
            durable,
            audit,
            clock,
            retentionMs: () => reloader.current.state.audit.retentionMs,
          });
          if (deleted > 0) logger.info({ deleted }, 'audit trail trimmed');
        } catch (err) {
          metrics.observeStoreError('durable');
          logger.error({ err: { message: (err as Error).message } }, 'cannot trim the audit trail');
        }
      },
      AUDIT_TRIM_EVERY_MS,
      AUDIT_TRIM_FIRST_MS,
    );
    // the account gauges of /metrics: counted here, never on a scrape; a failure keeps the last numbers
    const stopGauges = timers.repeat(
      async () => {
        try {
          const now = clock.now();
          const counts = await countAccounts({ state: reloader.current.state, durable, lockout, now });
          metrics.showAccountCounts(counts, now);
        } catch (err) {
          metrics.gaugeRefreshErrors.inc();
          logger.error({ err: { message: (err as Error).message } }, 'cannot refresh the account gauges');
        }
      },
      options.gaugeRefreshMs ?? GAUGE_REFRESH_MS,
      0,
    );

    const tlsSpec = g.server.tls;
    const tls = tlsSpec ? { cert: await readFile(tlsSpec.cert), key: await readFile(tlsSpec.key) } : undefined;
    const current = () => reloader.current.state;
    const app = await buildGateway({
      logger,
      clock,
      random,
      sessions,
      ephemeral,
      audit,
      metrics,
      setup,
      lockout,
      factors,
      durable,
      devices,
      webauthn,
      push,
      pushDevices,
      pushLinks,
      pushPairing: new PushPairing({ store: ephemeral, random }),
      providers: new ProviderClients({ clock }),
      current,
      verifier: () => reloader.current.verifier,
      signingKeys: () => keys,
      signer: () => signer,
      reload: async () => {
        await reloader.reload();
      },
      ...(tls ? { tls } : {}),
    });
    const adminToken = await loadAdminToken({ env: env.PORTCULLIS_ADMIN_TOKEN, dataDir: g.data_dir });
    const admin = buildAdminServer({
      metrics,
      readiness: storeReadiness({ ephemeral, durable }),
      configVersion: () => reloader.current.state.files.version,
      ...(options.worker !== undefined ? { worker: options.worker.id, clusterMetrics: options.worker.metrics } : {}),
      logger,
      api: {
        token: adminToken,
        throttle: new TokenThrottle({ clock }),
        clock,
        durable,
        sessions,
        lockout,
        push,
        state: current,
        random,
      },
    });

    return {
      app,
      admin,
      reloader,
      ephemeral,
      durable,
      sessions,
      sessionEnds,
      devices,
      audit,
      metrics,
      setup,
      lockout,
      push,
      logger,
      state: current,
      signingKeys: () => keys,
      async listen(overrides = {}) {
        const main = splitHostPort(overrides.listen ?? g.server.listen);
        const adm = splitHostPort(overrides.admin ?? g.server.admin_listen);
        const gateway = await app.listen({ host: main.host, port: main.port });
        const adminUrl = await admin.listen({ host: adm.host, port: adm.port });
        return { gateway, admin: adminUrl };
      },
      async close() {
        clearInterval(endsTimer);
        clearInterval(accessCodeTimer);
        stopTrim();
        stopGauges();
        reloader.close();
        await app.close();
        await admin.close();
        await audit.flush();
        await ephemeral.close();
        await durable.close();
      },
    };
  }
}
