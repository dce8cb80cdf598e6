/**
 * `stores.durable: postgres://user:password@host:5432/db?options` read into connection settings,
 * strictly: an option this code does not know, or a value out of range, is a configuration
 * error, never ignored. Messages name the database as `postgres://user@host:port/db`, never with
 * the password.
 *
 * Options:
 * - `sslmode`: `disable` (the default), `require` or `verify-full` (TLS, the server's certificate
 *   checked against the trusted CAs and its name against the host: unlike libpq, `require`
 *   verifies too), `no-verify` (TLS without checking the certificate: only where the network
 *   path is trusted anyway);
 * - `sslrootcert`: a PEM file of the CAs to trust (relative to the configuration's folder);
 * - `schema`: the schema the tables live in (created at the first start); default `public`;
 * - `pool_max`: connections per process (1-100, default 10);
 * - `connect_timeout`: seconds to connect or wait for a pooled connection (1-60, default 5);
 * - `statement_timeout`: ms a statement may run before the server cancels it (100-60000,
 *   default 5000); the client gives up one second after that, on a server that went silent.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { PortcullisError } from '../errors.ts';

export interface PostgresSettings {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string | undefined;
  readonly password: string | undefined;
  /** false: no TLS */
  readonly ssl: false | ConnectionOptions;
  /** null: the server's search_path (normally `public`) */
  readonly schema: string | null;
  readonly poolMax: number;
  readonly connectTimeoutMs: number;
  readonly statementTimeoutMs: number;
  /** `postgres://user@host:port/db`: for messages and logs */
  readonly label: string;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const OPTIONS = ['sslmode', 'sslrootcert', 'schema', 'pool_max', 'connect_timeout', 'statement_timeout'];

function invalid(label: string, why: string): PortcullisError {
  return new PortcullisError('PC_ERR_CONFIG_INVALID', `durable store ${label}: ${why}`);
}

function integer(label: string, name: string, value: string, min: number, max: number): number {
  const n = /^\d{1,6}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= min && n <= max)) throw invalid(label, `${name} must be an integer from ${min} to ${max}`);
  return n;
}

/** Whether `spec` names a PostgreSQL database. */
export const isPostgresSpec = (spec: string): boolean => /^postgres(ql)?:\/\//i.test(spec);

/**
 * Reads a postgres:// URL. `baseDir` resolves a relative `sslrootcert`; `readCa` false skips
 * reading that file (`check` reports a missing file on its own).
 */
export function postgresSettings(spec: string, baseDir: string, readCa = true): PostgresSettings {
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw new PortcullisError('PC_ERR_CONFIG_INVALID', 'durable store postgres://...: not a valid URL');
  }
  const user = url.username === '' ? undefined : decodeURIComponent(url.username);
  const password = url.password === '' ? undefined : decodeURIComponent(url.password);
  const host = decodeURIComponent(url.hostname).replace(/^\[|\]$/g, '');
  const port = url.port === '' ? 5432 : Number(url.port);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  const label = `postgres://${user === undefined ? '' : `${encodeURIComponent(user)}@`}${url.host}/${encodeURIComponent(database)}`;
  if (host === '') throw invalid(label, 'the URL names no host');
  if (database === '' || database.includes('/'))
    throw invalid(label, 'the URL must name one database: postgres://user:password@host:5432/db');
  if (url.hash !== '') throw invalid(label, 'the URL must not have a #fragment');
  const params = url.searchParams;
  for (const name of new Set(params.keys())) {
    if (!OPTIONS.includes(name))
      throw invalid(label, `unknown option ${JSON.stringify(name)} (known: ${OPTIONS.join(', ')})`);
    if (params.getAll(name).length > 1) throw invalid(label, `option ${name} is given twice`);
  }
  const sslmode = params.get('sslmode') ?? 'disable';
  if (!['disable', 'require', 'verify-full', 'no-verify'].includes(sslmode))
    throw invalid(label, 'sslmode must be disable, require, verify-full or no-verify');
  const rootcert = params.get('sslrootcert');
  if (rootcert !== null && (sslmode === 'disable' || sslmode === 'no-verify'))
    throw invalid(label, 'sslrootcert needs sslmode=require or verify-full');
  let ssl: false | ConnectionOptions = false;
  if (sslmode === 'no-verify') ssl = { rejectUnauthorized: false };
  else if (sslmode !== 'disable') {
    ssl = { rejectUnauthorized: true, servername: /^[\d.:]+$/.test(host) ? undefined : host };
    if (rootcert !== null && readCa) {
      const file = isAbsolute(rootcert) ? rootcert : resolve(baseDir, rootcert);
      try {
        ssl = { ...ssl, ca: readFileSync(file, 'utf8') };
      } catch (err) {
        throw invalid(label, `cannot read sslrootcert ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
      }
    }
  }
  const schema = params.get('schema');
  if (schema !== null && !IDENTIFIER.test(schema))
    throw invalid(label, 'schema must be a lower-case identifier (letters, digits, _; at most 63)');
  const get = (name: string, fallback: number, min: number, max: number) => {
    const value = params.get(name);
    return value === null ? fallback : integer(label, name, value, min, max);
  };
  return {
    host,
    port,
    database,
    user,
    password,
    ssl,
    schema,
    poolMax: get('pool_max', 10, 1, 100),
    connectTimeoutMs: get('connect_timeout', 5, 1, 60) * 1000,
    statementTimeoutMs: get('statement_timeout', 5000, 100, 60_000),
    label,
  };
}
