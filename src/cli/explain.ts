import { resolve } from 'node:path';
import { ConfigError, loadConfigFiles } from '../config/load.ts';
import { canonicalIp } from '../context/cidr.ts';
import { lazyGeo, requestFacts } from '../context/request-facts.ts';
import { normalizePath } from '../gate/normalize-path.ts';
import { findUser } from '../idp/provider-user.ts';
import { evaluate } from '../policy/evaluate.ts';
import { type Decision, type GeoFacts, RISK_BITS, RISK_SIGNALS, type RiskSignal, riskNames } from '../policy/types.ts';
import { parseHost } from '../routing/host-table.ts';
import { buildState, type GatewayState } from '../state.ts';
import { canonicalUsername } from '../users/canonical.ts';
import type { DirectoryUser } from '../users/directory.ts';
import { parseFlags } from './flags.ts';
import type { CliIo } from './io.ts';

const USAGE =
  'usage: portcullis explain --method GET --url URL [--user U] [--ip IP] [--country CC] [--time ISO-8601]\n' +
  '       [--user-agent UA] [--trusted-device] [--risk new_device,new_country,impossible_travel,recent_failures,push_reported]\n' +
  '       [--config F] [--json]';

function describe(decision: Decision): string {
  const rule = decision.rule
    ? `rule ${decision.rule.index} '${decision.rule.name}' (${decision.rule.file})`
    : 'no rule';
  const what =
    decision.action === 'authenticate'
      ? `authenticate, level ${decision.require.level}${decision.require.maxAgeMs !== undefined ? `, max_age ${decision.require.maxAgeMs / 1000}s` : ''}${decision.require.methods ? `, methods ${decision.require.methods.join('/')}` : ''}`
      : decision.action;
  return `decision: ${what}\nby:       ${rule}\nreasons:  ${decision.reasons.join(', ')}\n`;
}

/**
 * The user `--user` names: users.yaml's, else a user an identity provider signed in, from the
 * durable store (a notice, and no such user, when the store cannot be read).
 */
async function userNamed(state: GatewayState, name: string, io: CliIo): Promise<DirectoryUser | undefined> {
  const local = state.users.get(name);
  if (local !== undefined || name === '' || state.providers.size === 0) return local;
  const { openDurable } = await import('../stores/open.ts');
  let durable: Awaited<ReturnType<typeof openDurable>>;
  try {
    durable = await openDurable(state.files.gateway.stores.durable, state.files.baseDir);
  } catch (err) {
    io.stderr.write(
      `notice: the users identity providers signed in are not known: ${(err as Error).message.split('\n')[0]}\n`,
    );
    return undefined;
  }
  try {
    return await findUser(state, durable, name);
  } finally {
    await durable.close();
  }
}

/** `portcullis explain`: what the policy decides for one request, and which rule decided. */
export async function runExplain(args: string[], io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const parsed = parseFlags(args, {
    config: 'string',
    method: 'string',
    url: 'string',
    user: 'string',
    ip: 'string',
    time: 'string',
    'user-agent': 'string',
    country: 'string',
    'trusted-device': 'boolean',
    risk: 'string',
    json: 'boolean',
  });
  if ('error' in parsed) {
    io.stderr.write(`${parsed.error}\n${USAGE}\n`);
    return 2;
  }
  const f = parsed.flags;
  if (typeof f.url !== 'string') {
    io.stderr.write(`--url is required\n${USAGE}\n`);
    return 2;
  }
  let url: URL;
  try {
    url = new URL(f.url);
  } catch {
    io.stderr.write(`--url must be an absolute URL like https://rmm.acme.example/admin\n`);
    return 2;
  }
  let state: ReturnType<typeof buildState>;
  try {
    state = buildState(await loadConfigFiles(resolve(String(f.config ?? 'config/gateway.yaml')), env), {
      whoamiOrigin: 'http://127.0.0.1:1',
    });
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const p of err.problems) io.stderr.write(`${p}\n`);
      return 1;
    }
    throw err;
  }
  const host = parseHost(url.host)?.hostname ?? '';
  const app = state.hosts.lookupHostname(host);
  if (app === undefined) {
    io.stderr.write(`no app serves host '${host}': the gateway answers 404\n`);
    return 1;
  }
  // judge the path as the gateway would receive it, not as the URL parser tidied it up
  const rawTarget = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*([^#]*)/i.exec(f.url)?.[1] || '/';
  const normal = normalizePath(rawTarget.startsWith('/') ? rawTarget : `/${rawTarget}`);
  if (!normal.ok) {
    io.stderr.write(`the path is refused with 400: ${normal.reason}\n`);
    return 1;
  }
  let user = null;
  if (typeof f.user === 'string') {
    const entry = await userNamed(state, canonicalUsername(f.user) ?? '', io);
    if (entry === undefined) {
      io.stderr.write(`unknown user '${f.user}'\n`);
      return 1;
    }
    if (entry.disabled)
      io.stderr.write(`user '${entry.name}' is disabled: the gateway treats the request as anonymous\n`);
    else user = entry.facts;
  }
  const ip = typeof f.ip === 'string' ? canonicalIp(f.ip) : null;
  if (typeof f.ip === 'string' && ip === null) {
    io.stderr.write(`--ip is not an IP address\n`);
    return 2;
  }
  // the moment judged: --time (for schedules), else now
  const now = typeof f.time === 'string' ? Date.parse(f.time) : Date.now();
  if (Number.isNaN(now)) {
    io.stderr.write('--time must be an ISO 8601 date and time, like 2026-03-02T08:30:00Z\n');
    return 2;
  }
  const country = typeof f.country === 'string' ? f.country.toUpperCase() : undefined;
  if (country !== undefined && !/^[A-Z]{2}$/.test(country)) {
    io.stderr.write('--country must be an ISO 3166 alpha-2 code, like US or DE\n');
    return 2;
  }
  let risk = 0;
  for (const name of typeof f.risk === 'string' ? f.risk.split(',').map((r) => r.trim()) : []) {
    if (!(RISK_SIGNALS as readonly string[]).includes(name)) {
      io.stderr.write(`--risk: unknown signal '${name}' (known: ${RISK_SIGNALS.join(', ')})\n`);
      return 2;
    }
    risk |= RISK_BITS[name as RiskSignal];
  }
  if (user === null && (f['trusted-device'] === true || risk !== 0))
    io.stderr.write('--trusted-device and --risk describe a sign-in: they need --user\n');
  // --country stands in for the geography source (which may not even be configured here)
  const located = lazyGeo(state.geo, ip);
  const geo = country === undefined ? located : () => ({ country, latitude: null, longitude: null }) satisfies GeoFacts;
  const userAgent = typeof f['user-agent'] === 'string' ? f['user-agent'] : undefined;
  const facts = requestFacts({
    host,
    path: normal.path,
    method: String(f.method ?? 'GET').toUpperCase(),
    app: app.facts,
    user,
    ip,
    now,
    userAgent,
    geo,
    session: user === null ? null : { trusted: f['trusted-device'] === true, risk },
  });
  const decision = evaluate(state.policy, facts);
  const device = facts.device?.() ?? null;
  const context = {
    method: facts.method,
    host,
    path: normal.path,
    forwarded: normal.forward,
    app: app.name,
    tenant: app.facts.tenant,
    user: user?.name ?? null,
    groups: user?.groups ?? [],
    ip,
    country: geo()?.country ?? null,
    country_source: country !== undefined ? '--country' : (state.geo?.description ?? null),
    time: new Date(now).toISOString(),
    device: userAgent === undefined ? null : device,
    trusted_device: facts.trustedDevice ?? null,
    risk: facts.risk === undefined ? null : riskNames(facts.risk),
  };
  if (f.json === true) {
    io.stdout.write(`${JSON.stringify({ request: context, decision }, null, 2)}\n`);
  } else {
    const signIn =
      user === null
        ? ''
        : `\nsign-in:  ${context.trusted_device ? 'trusted device' : 'device not trusted'}, risk ${context.risk?.length ? context.risk.join(', ') : 'none'}`;
    io.stdout.write(
      `request:  ${facts.method} ${host}${normal.path}${normal.forward === normal.path ? '' : ` (forwarded as ${normal.forward})`} as ${user?.name ?? 'anonymous'} from ${ip ?? 'unknown IP'} (app ${app.name})\n` +
        `context:  country ${context.country ?? 'unknown'}, ${context.time}${device && userAgent !== undefined ? `, ${device.type} ${device.os ?? '?'} ${device.browser ?? '?'}` : ''}${signIn}\n` +
        describe(decision),
    );
  }
  return 0;
}
