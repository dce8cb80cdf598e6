/**
 * The Redis URLs `stores.ephemeral` accepts, parsed strictly into ioredis options:
 *
 *   redis://[user:password@]host[:port][/db][?prefix=name:]            one server
 *   rediss://...                                                        the same over TLS
 *   redis+sentinel://[user:password@]host[:port][,host[:port]...]/master[/db][?params]
 *   rediss+sentinel://...                                               TLS to Sentinels and data nodes
 *
 * With Sentinel, the hosts are Sentinels (port 26379 when omitted), `master` is the name they
 * monitor, and the user and password are those of the data nodes (the master the Sentinels name).
 * Parameters: `prefix` (the key prefix, default 'pc:'), and for Sentinel URLs
 * `sentinel_username` / `sentinel_password` (when the Sentinels themselves require AUTH).
 * Anything else is refused: a typo never silently drops a setting.
 *
 * Errors are PortcullisError('PC_ERR_CONFIG_INVALID') that never echo any part of the URL: a
 * password with an unencoded '/' or '@' would otherwise leak through a "bad host" message.
 */
import type { RedisOptions } from 'ioredis';
import { PortcullisError } from '../errors.ts';

const PREFIX = /^[A-Za-z0-9:_.-]{1,64}$/;
const MASTER_NAME = /^[A-Za-z0-9._-]{1,64}$/;
const SENTINEL_URL = /^(rediss?)\+sentinel:\/\/([^/?#]*)(?:\/([^/?#]*))?(?:\/([^/?#]*))?(?:\?([^#]*))?$/i;
const SENTINEL_ADDRESS = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+))(?::([0-9]{1,5}))?$/;
const DEFAULT_SENTINEL_PORT = 26379;

/** What a Redis URL names: the client's options, the key prefix, and the secrets to keep out of errors. */
export interface RedisTarget {
  options: RedisOptions;
  prefix: string;
  /** the passwords, raw and percent-encoded, to scrub from error messages */
  secrets: string[];
  /** how many Sentinels the URL lists (0: one server) */
  sentinels: number;
}

function invalid(message: string): PortcullisError {
  return new PortcullisError('PC_ERR_CONFIG_INVALID', message);
}

/** True for the schemes that name Redis through Sentinel. */
export function isSentinelUrl(url: string): boolean {
  return /^rediss?\+sentinel:\/\//i.test(url);
}

/** Parses any of the four forms; throws PortcullisError, never echoing the URL. */
export function parseRedisTarget(url: string): RedisTarget {
  return isSentinelUrl(url) ? parseSentinelUrl(url) : parseServerUrl(url);
}

/** The ioredis options of a Redis URL (kept for callers that need only those). */
export function parseRedisUrl(url: string): RedisOptions {
  return parseRedisTarget(url).options;
}

/** The key prefix named by `?prefix=` (`redis://host/0?prefix=staging:`), 'pc:' by default. */
export function redisPrefixOf(url: string): string {
  const query = /\?([^#]*)/.exec(url)?.[1];
  return prefixFrom(new URLSearchParams(query ?? ''));
}

/** The URL with its passwords replaced by '***' (safe to log). */
export function redactRedisUrl(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/i.exec(url);
  if (!m) return url.includes('@') ? '***' : url;
  const [, scheme, authority = '', rest = ''] = m;
  // an unencoded '/', '?' or '#' in a password ends the authority early: show nothing then
  if (rest.includes('@')) return `${scheme}***`;
  const at = authority.lastIndexOf('@');
  let shown = authority;
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    const colon = userinfo.indexOf(':');
    shown = `${colon >= 0 ? `${userinfo.slice(0, colon)}:***` : userinfo}${authority.slice(at)}`;
  }
  const redactedRest = rest.replace(/([?&]sentinel_password=)[^&#]*/gi, '$1***');
  return `${scheme}${shown}${redactedRest}`;
}

function prefixFrom(params: URLSearchParams): string {
  const prefix = params.get('prefix');
  if (prefix === null) return 'pc:';
  if (!PREFIX.test(prefix)) throw invalid('redis URL prefix must be 1-64 of A-Z a-z 0-9 : _ . -');
  return prefix;
}

function checkParams(params: URLSearchParams, known: readonly string[]): void {
  for (const name of new Set(params.keys())) {
    if (!known.includes(name)) {
      const shown = /^[A-Za-z0-9_.-]{1,32}$/.test(name) ? `'${name}'` : '(not shown)';
      throw invalid(`unknown redis URL parameter ${shown}: known are ${known.join(', ')}`);
    }
    if (params.getAll(name).length > 1) throw invalid(`redis URL parameter '${name}' is given twice`);
  }
}

function database(text: string | undefined): number {
  const dbText = text ?? '';
  if (dbText === '') return 0;
  if (!/^[0-9]{1,9}$/.test(dbText)) throw invalid('the redis database must be a number, like /0');
  return Number(dbText);
}

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw invalid(`the ${what} in the redis URL is not valid percent-encoding (not shown)`);
  }
}

function credentials(userinfo: string): { username?: string; password?: string } {
  const colon = userinfo.indexOf(':');
  const user = colon >= 0 ? userinfo.slice(0, colon) : userinfo;
  const password = colon >= 0 ? userinfo.slice(colon + 1) : '';
  return {
    ...(user ? { username: decode(user, 'user name') } : {}),
    ...(password ? { password: decode(password, 'password') } : {}),
  };
}

function secretsOf(...passwords: (string | undefined)[]): string[] {
  return passwords.flatMap((p) => (p ? [p, encodeURIComponent(p)] : []));
}

/** redis:// or rediss://: one server. */
function parseServerUrl(url: string): RedisTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw invalid('invalid redis URL (not shown: it may hold a password)');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw invalid('redis URL must start with redis://, rediss://, redis+sentinel:// or rediss+sentinel://');
  }
  checkParams(u.searchParams, ['prefix']);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  const options: RedisOptions = {
    host,
    port: u.port ? Number(u.port) : 6379,
    db: database(u.pathname.replace(/^\//, '')),
  };
  const username = u.username ? decode(u.username, 'user name') : undefined;
  const password = u.password ? decode(u.password, 'password') : undefined;
  if (username) options.username = username;
  if (password) options.password = password;
  if (u.protocol === 'rediss:') options.tls = { servername: host };
  return { options, prefix: prefixFrom(u.searchParams), secrets: secretsOf(password), sentinels: 0 };
}

const SENTINEL_SHAPE =
  'a Sentinel URL is redis+sentinel://[user:password@]host:port[,host:port...]/master[/db] ' +
  '(not shown: it may hold a password; percent-encode / ? # @ : in the password)';

/** redis+sentinel:// or rediss+sentinel://: Sentinels that name the master. */
function parseSentinelUrl(url: string): RedisTarget {
  const m = SENTINEL_URL.exec(url);
  if (!m) throw invalid(SENTINEL_SHAPE);
  const [, scheme = '', authority = '', master, db, query] = m;
  const at = authority.lastIndexOf('@');
  const { username, password } = credentials(at >= 0 ? authority.slice(0, at) : '');
  const hostList = at >= 0 ? authority.slice(at + 1) : authority;
  if (hostList === '') throw invalid(`the Sentinel URL lists no Sentinel: ${SENTINEL_SHAPE}`);
  const sentinels = hostList.split(',').map((address, i) => {
    const a = SENTINEL_ADDRESS.exec(address);
    const port = a?.[3] === undefined ? DEFAULT_SENTINEL_PORT : Number(a[3]);
    if (!a || port < 1 || port > 65535)
      throw invalid(`Sentinel address ${i + 1} of the redis URL is not host:port (not shown)`);
    return { host: (a[1] ?? a[2]) as string, port };
  });
  if (master === undefined || master === '') throw invalid(`the Sentinel URL names no master: ${SENTINEL_SHAPE}`);
  if (!MASTER_NAME.test(master)) throw invalid('the Sentinel master name must be 1-64 of A-Z a-z 0-9 . _ -');
  const params = new URLSearchParams(query ?? '');
  checkParams(params, ['prefix', 'sentinel_username', 'sentinel_password']);
  const sentinelUsername = params.get('sentinel_username') ?? undefined;
  const sentinelPassword = params.get('sentinel_password') ?? undefined;
  if (sentinelUsername === '' || sentinelPassword === '')
    throw invalid('redis URL parameters sentinel_username and sentinel_password must not be empty');

  const options: RedisOptions = { sentinels, name: master, role: 'master', db: database(db) };
  if (username) options.username = username;
  if (password) options.password = password;
  if (sentinelUsername) options.sentinelUsername = sentinelUsername;
  if (sentinelPassword) options.sentinelPassword = sentinelPassword;
  if (scheme.toLowerCase() === 'rediss') {
    // TLS to the data nodes (their certificate must cover the address the Sentinels announce)
    // and to the Sentinels; certificates are checked against the system's CAs.
    options.tls = {};
    options.enableTLSForSentinelMode = true;
    options.sentinelTLS = {};
  }
  return {
    options,
    prefix: prefixFrom(params),
    secrets: secretsOf(password, sentinelPassword),
    sentinels: sentinels.length,
  };
}
