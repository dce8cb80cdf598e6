/**
 * Loads gateway.yaml, the users file and every policy file, validates each against its schema
 * and returns them with defaults filled and paths resolved, or throws one ConfigError listing
 * EVERY problem in EVERY file as `file:line:column: message`.
 *
 * Relative paths in gateway.yaml (users.file, policies, data_dir, server.tls.*, a sqlite: store)
 * are resolved against the folder that holds gateway.yaml, never the working directory.
 * Messages name files the way the caller named gateway.yaml (relative stays relative).
 * A missing users file is an empty user directory (set-up creates the first user); a missing
 * policies folder is an error. Semantic policy checks belong to the policy compiler.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { PortcullisError } from '../errors.ts';
import { PolicyFile } from '../policy/schema.ts';
import { type ConfigReader, diskReader } from './config-reader.ts';
import { interpolateEnv } from './env.ts';
import { GatewayFile, type UserSpec, UsersFile } from './schema.ts';
import { byPosition, validate, withDefaults } from './validate.ts';
import { type JsonPath, type LocateAt, loadYamlSource, type YamlSource } from './yaml-source.ts';

export type Locate = (path: JsonPath, at?: LocateAt) => string;

/** gateway.yaml with every default filled and every path absolute. */
export type Gateway = GatewayFile & {
  server: GatewayFile['server'] & { listen: string; admin_listen: string; trusted_proxies: string[] };
  stores: { durable: string; ephemeral: string };
  data_dir: string;
  session: NonNullable<GatewayFile['session']> & {
    idle_timeout: string;
    max_lifetime: string;
    remember_device: string | 0;
    cookie_name: string;
  };
  lockout: {
    max_failures: number;
    window: string;
    duration: string;
    address: { max_failures: number; exempt: string[] };
  };
  geo: { database?: string };
  risk: { impossible_travel_kmh: number; new_country_window: string; recent_failures: number; history: number };
  audit: {
    retention: string;
    /** absent: every group whose name contains `admin` */
    privileged_groups?: string[];
    stale_after: string;
    suppressions: NonNullable<NonNullable<GatewayFile['audit']>['suppressions']>;
  };
  mfa: NonNullable<GatewayFile['mfa']> & { totp: { issuer: string; digits: 6 | 8; period: number; skew: number } };
  users: { file: string };
  policies: string;
};

export interface LoadedPolicy {
  /** absolute path */
  readonly file: string;
  /** base name, e.g. `acme.yaml` */
  readonly name: string;
  readonly data: PolicyFile;
  readonly locate: Locate;
}

export interface LoadedFiles {
  /** absolute path of gateway.yaml */
  readonly gatewayPath: string;
  /** absolute folder holding gateway.yaml; relative paths are resolved against it */
  readonly baseDir: string;
  readonly gateway: Gateway;
  readonly locateGateway: Locate;
  /** absolute; the file may not exist yet */
  readonly usersPath: string;
  readonly users: Record<string, UserSpec>;
  readonly locateUsers: Locate;
  /** absolute folder of the policy files */
  readonly policiesDir: string;
  /** in file-name order */
  readonly policies: LoadedPolicy[];
  /**
   * What was loaded, as 12 hex digits of a SHA-256 over the three files' data (after defaults
   * and environment): instances and workers on the same version hold the same configuration.
   */
  readonly version: string;
}

export class ConfigError extends PortcullisError {
  readonly problems: string[];
  constructor(problems: string[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super('PC_ERR_CONFIG_INVALID', `invalid configuration (${count}):\n${problems.join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

interface Parsed {
  source: YamlSource;
  data: unknown;
}

const ioWords: Record<string, string> = {
  ENOENT: 'file not found',
  EACCES: 'permission denied',
  EISDIR: 'is a folder, not a file',
};

/** Reads, parses, interpolates and validates one file; problems are appended. */
async function parse(
  reader: ConfigReader,
  file: string,
  label: string,
  schema: object,
  env: NodeJS.ProcessEnv,
  problems: string[],
) {
  let text: string;
  try {
    text = await reader.read(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    problems.push(`${label}: cannot read: ${ioWords[code] ?? (err as Error).message}`);
    return null;
  }
  const source = loadYamlSource(label, text);
  if (source.problems.length > 0) {
    problems.push(...source.problems);
    return { source, data: source.data };
  }
  const interpolated = interpolateEnv(source, env);
  // a value whose variable is missing is reported once, not again by the schema
  const place = (line: string) => line.slice(0, line.indexOf(': '));
  const envPlaces = new Set(interpolated.problems.map(place));
  const invalid = validate(schema, source, interpolated.data).filter((line) => !envPlaces.has(place(line)));
  problems.push(...byPosition([...interpolated.problems, ...invalid]));
  return { source, data: interpolated.data } satisfies Parsed;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export async function loadConfigFiles(
  gatewayPath: string,
  env: NodeJS.ProcessEnv = process.env,
  reader: ConfigReader = diskReader,
): Promise<LoadedFiles> {
  const problems: string[] = [];
  const absGateway = path.resolve(gatewayPath);
  const baseDir = path.dirname(absGateway);
  const labelDir = path.dirname(gatewayPath);
  const label = (p: string) => (path.isAbsolute(p) ? p : path.join(labelDir, p));

  const gatewayProblems: string[] = [];
  const gw = await parse(reader, absGateway, gatewayPath, GatewayFile, env, gatewayProblems);
  const raw = isObject(gw?.data) ? gw.data : {};
  const rawUsers = isObject(raw.users) && typeof raw.users.file === 'string' ? raw.users.file : 'users.yaml';
  const rawPolicies = typeof raw.policies === 'string' ? raw.policies : '../policies/';
  const locateGateway: Locate = (p, at) => (gw ? gw.source.locate(p, at) : `${gatewayPath}:1:1`);
  gatewayProblems.push(...(await crossChecks(raw, baseDir, locateGateway)));
  problems.push(...byPosition(gatewayProblems));

  const usersPath = path.resolve(baseDir, rawUsers);
  let users: Parsed | null = null;
  const usersExists = await reader.exists(usersPath);
  if (usersExists) {
    const usersProblems: string[] = [];
    users = await parse(reader, usersPath, label(rawUsers), UsersFile, env, usersProblems);
    // an empty users file is an empty directory, not an error
    if (users && users.data === null && users.source.problems.length === 0) users.data = { users: null };
    else problems.push(...usersProblems);
  }
  const usersData = users && isObject(users.data) && isObject(users.data.users) ? users.data.users : {};

  const policiesDir = path.resolve(baseDir, rawPolicies);
  const policies: LoadedPolicy[] = [];
  let names: string[] = [];
  try {
    const entries = await reader.list(policiesDir);
    names = entries
      .filter((e) => e.isFile && /\.ya?ml$/i.test(e.name) && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  } catch (err) {
    const where = typeof raw.policies === 'string' ? locateGateway(['policies']) : `${gatewayPath}:1:1`;
    const why = (err as NodeJS.ErrnoException).code === 'ENOTDIR' ? 'is not a folder' : 'not found';
    problems.push(`${where}: policies folder ${why}: ${policiesDir}`);
  }
  for (const name of names) {
    const parsed = await parse(
      reader,
      path.join(policiesDir, name),
      label(path.join(rawPolicies, name)),
      PolicyFile,
      env,
      problems,
    );
    if (parsed) {
      const file = path.join(policiesDir, name);
      policies.push({ file, name, data: parsed.data as PolicyFile, locate: parsed.source.locate });
    }
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    gatewayPath: absGateway,
    baseDir,
    gateway: resolveGateway(withDefaults<GatewayFile>(GatewayFile, raw), baseDir, usersPath, policiesDir),
    locateGateway,
    usersPath,
    users: usersData as Record<string, UserSpec>,
    locateUsers: (p, at) => (users ? users.source.locate(p, at) : `${label(rawUsers)}:1:1`),
    policiesDir,
    policies,
    version: createHash('sha256')
      .update(JSON.stringify([raw, usersData, policies.map((p) => [p.name, p.data])]))
      .digest('hex')
      .slice(0, 12),
  };
}

/** Fills the defaults the schema cannot express and makes every path absolute. */
function resolveGateway(g: GatewayFile, baseDir: string, usersPath: string, policiesDir: string): Gateway {
  const abs = (p: string) => path.resolve(baseDir, p);
  const durable = g.stores?.durable ?? 'sqlite:../data/portcullis.db';
  const sqlite = /^sqlite:(?!:memory:)(.+)$/.exec(durable);
  return {
    ...g,
    server: {
      ...g.server,
      listen: g.server.listen ?? '0.0.0.0:8080',
      admin_listen: g.server.admin_listen ?? '127.0.0.1:9090',
      trusted_proxies: g.server.trusted_proxies ?? [],
      ...(g.server.tls ? { tls: { cert: abs(g.server.tls.cert), key: abs(g.server.tls.key) } } : {}),
    },
    stores: {
      durable: sqlite ? `sqlite:${abs(sqlite[1] as string)}` : durable,
      ephemeral: g.stores?.ephemeral ?? 'memory',
    },
    data_dir: abs(g.data_dir ?? '../data/'),
    session: {
      idle_timeout: '30m',
      max_lifetime: '12h',
      remember_device: '30d',
      cookie_name: 'portcullis_session',
      ...g.session,
    },
    lockout: {
      max_failures: 10,
      window: '15m',
      duration: '30m',
      ...g.lockout,
      address: { max_failures: 50, exempt: [], ...g.lockout?.address },
    },
    apps: g.apps.map((app) =>
      app.upstream_options?.tls?.ca
        ? {
            ...app,
            upstream_options: {
              ...app.upstream_options,
              tls: { ...app.upstream_options.tls, ca: abs(app.upstream_options.tls.ca) },
            },
          }
        : app,
    ),
    geo: g.geo?.database ? { database: abs(g.geo.database) } : {},
    ...(g.branding
      ? {
          branding: {
            ...g.branding,
            ...(g.branding.logo ? { logo: abs(g.branding.logo) } : {}),
            ...(g.branding.tenants
              ? {
                  tenants: Object.fromEntries(
                    Object.entries(g.branding.tenants).map(([k, v]) => [k, v.logo ? { ...v, logo: abs(v.logo) } : v]),
                  ),
                }
              : {}),
          },
        }
      : {}),
    risk: { impossible_travel_kmh: 900, new_country_window: '90d', recent_failures: 3, history: 50, ...g.risk },
    audit: { retention: '400d', stale_after: '90d', suppressions: [], ...g.audit },
    mfa: { ...g.mfa, totp: { issuer: 'Portcullis', digits: 6, period: 30, skew: 1, ...g.mfa?.totp } },
    users: { file: usersPath },
    policies: policiesDir,
  };
}

/** Checks across gateway.yaml that a schema cannot state: unique app names and hosts, TLS files. */
async function crossChecks(raw: Record<string, unknown>, baseDir: string, locate: Locate): Promise<string[]> {
  const problems: string[] = [];
  const names = new Map<string, number>();
  const hosts = new Map<string, number>();
  const apps = Array.isArray(raw.apps) ? raw.apps : [];
  apps.forEach((app: unknown, i) => {
    if (!isObject(app)) return;
    if (typeof app.name === 'string') {
      const first = names.get(app.name);
      if (first === undefined) names.set(app.name, i);
      else
        problems.push(
          `${locate(['apps', i, 'name'])}: duplicate app name '${app.name}' (first at ${locate(['apps', first, 'name'])})`,
        );
    }
    if (typeof app.host === 'string') {
      const host = app.host.toLowerCase().replace(/\.$/, '');
      const first = hosts.get(host);
      if (first === undefined) hosts.set(host, i);
      else {
        const owner = apps[first] as Record<string, unknown>;
        const who = typeof owner.name === 'string' ? `app '${owner.name}'` : `app #${first + 1}`;
        problems.push(
          `${locate(['apps', i, 'host'])}: host '${app.host}' is already used by ${who} (${locate(['apps', first, 'host'])})`,
        );
      }
    }
  });
  const server = isObject(raw.server) ? raw.server : {};
  const tls = isObject(server.tls) ? server.tls : {};
  for (const key of ['cert', 'key'] as const) {
    const file = tls[key];
    if (typeof file !== 'string' || file === '') continue;
    const abs = path.resolve(baseDir, file);
    const ok = await access(abs, constants.R_OK).then(
      () => true,
      () => false,
    );
    if (!ok) problems.push(`${locate(['server', 'tls', key])}: TLS ${key} file not found or unreadable: ${abs}`);
  }
  return problems;
}
