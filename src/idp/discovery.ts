/**
 * The providers' metadata (OpenID Connect discovery) and the openid-client Configuration made
 * from it, one per provider, shared by every sign-in: fetched at the first sign-in, refreshed
 * after `refreshMs`, and kept (with its JWKS cache) while a refresh fails, so a provider that is
 * briefly unreachable does not stop sign-ins that need only its keys. A provider never reached
 * is ProviderUnavailable: the sign-in answers 503, never a pass.
 *
 * openid-client is loaded on first use (memory at rest). Its JWT checks read the time from its
 * own clock plus `clockSkew`: each Configuration is made with the skew between the injected
 * clock and the system's, so tests control expiry and auth_time without sleeping.
 */
import { createHash } from 'node:crypto';
import type { Configuration } from 'openid-client';
import type { Clock } from '../clock.ts';
import type { ProviderSettings } from './provider-settings.ts';

type Client = typeof import('openid-client');
let loaded: Promise<Client> | undefined;
export function openidClient(): Promise<Client> {
  loaded ??= import('openid-client');
  return loaded;
}

/** The provider could not be reached or answered nonsense: the caller answers 503. */
export class ProviderUnavailable extends Error {
  constructor(
    readonly provider: string,
    cause: unknown,
  ) {
    super(`identity provider '${provider}' is unavailable: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}

interface Entry {
  readonly key: string;
  readonly config: Configuration;
  readonly fetchedAt: number;
  /** the clock skew (s) it was made with */
  readonly skew: number;
}

export interface DiscoveryOptions {
  readonly clock: Clock;
  /** default 1 h */
  readonly refreshMs?: number;
  /** each request to a provider, default 10 s */
  readonly timeoutSeconds?: number;
}

export class ProviderClients {
  readonly #entries = new Map<string, Entry>();
  readonly #pending = new Map<string, Promise<Entry>>();
  readonly #clock: Clock;
  readonly #refreshMs: number;
  readonly #timeout: number;

  constructor(options: DiscoveryOptions) {
    this.#clock = options.clock;
    this.#refreshMs = options.refreshMs ?? 60 * 60_000;
    this.#timeout = options.timeoutSeconds ?? 10;
  }

  /** The provider's Configuration, discovered or refreshed as needed; ProviderUnavailable if never reached. */
  async configuration(p: ProviderSettings): Promise<Configuration> {
    const key = keyOf(p);
    const now = this.#clock.now();
    const skew = Math.round((now - Date.now()) / 1000);
    const known = this.#entries.get(p.name);
    if (known !== undefined && known.key === key && now - known.fetchedAt < this.#refreshMs) {
      return known.skew === skew ? known.config : this.#withSkew(p, known, skew);
    }
    try {
      return (await this.#discover(p, key, skew)).config;
    } catch (err) {
      // a failed refresh keeps what was known (its keys still verify tokens)
      if (known !== undefined && known.key === key) return known.config;
      throw err instanceof ProviderUnavailable ? err : new ProviderUnavailable(p.name, err);
    }
  }

  #discover(p: ProviderSettings, key: string, skew: number): Promise<Entry> {
    const pending = this.#pending.get(key);
    if (pending !== undefined) return pending;
    const work = (async () => {
      const client = await openidClient();
      let config: Configuration;
      try {
        config = await client.discovery(
          new URL(p.issuer),
          p.clientId,
          { client_secret: p.clientSecret, [client.clockSkew]: skew },
          client.ClientSecretBasic(p.clientSecret),
          { timeout: this.#timeout, ...(p.insecure ? { execute: [client.allowInsecureRequests] } : {}) },
        );
      } catch (err) {
        throw new ProviderUnavailable(p.name, err);
      }
      // the ID token is kept as evidence: its signature is checked through the provider's JWKS too
      client.enableNonRepudiationChecks(config);
      const entry: Entry = { key, config, fetchedAt: this.#clock.now(), skew };
      this.#entries.set(p.name, entry);
      return entry;
    })().finally(() => this.#pending.delete(key));
    this.#pending.set(key, work);
    return work;
  }

  /** The same metadata with another clock skew (tests move the clock): no request to the provider. */
  async #withSkew(p: ProviderSettings, known: Entry, skew: number): Promise<Configuration> {
    const client = await openidClient();
    const config = new client.Configuration(
      known.config.serverMetadata(),
      p.clientId,
      { client_secret: p.clientSecret, [client.clockSkew]: skew },
      client.ClientSecretBasic(p.clientSecret),
    );
    if (p.insecure) client.allowInsecureRequests(config);
    client.enableNonRepudiationChecks(config);
    const entry: Entry = { ...known, config, skew };
    this.#entries.set(p.name, entry);
    return config;
  }
}

/** What a Configuration depends on; the secret only as a hash. */
function keyOf(p: ProviderSettings): string {
  const secret = createHash('sha256').update(p.clientSecret).digest('base64url');
  return `${p.issuer} ${p.clientId} ${secret} ${p.insecure}`;
}
