import { resolve } from 'node:path';
import { ConfigError, loadConfigFiles } from '../config/load.ts';
import { canonicalIp } from '../context/cidr.ts';
import { lazyDevice } from '../context/device.ts';
import { normalizePath } from '../gate/normalize-path.ts';
import { evaluate } from '../policy/evaluate.ts';
import type { Decision, RequestFacts } from '../policy/types.ts';
import { parseHost } from '../routing/host-table.ts';
import { buildState } from '../state.ts';
import { canonicalUsername } from '../users/canonical.ts';
import { parseFlags } from './flags.ts';
import type { CliIo } from './io.ts';

const USAGE =
  'usage: portcullis explain --method GET --url URL [--user U] [--ip IP] [--time ISO-8601] [--user-agent UA] [--config F] [--json]';

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
    const entry = state.users.get(canonicalUsername(f.user) ?? '');
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
  const facts: RequestFacts = {
    host,
    path: normal.path,
    method: String(f.method ?? 'GET').toUpperCase(),
    app: app.facts,
    user,
    ip,
    now,
    device: lazyDevice(typeof f['user-agent'] === 'string' ? f['user-agent'] : undefined),
  };
  const decision = evaluate(state.policy, facts);
  if (f.json === true) {
    io.stdout.write(
      `${JSON.stringify({ request: { ...facts, app: app.name, user: user?.name ?? null }, decision }, null, 2)}\n`,
    );
  } else {
    io.stdout.write(
      `request:  ${facts.method} ${host}${normal.path} as ${user?.name ?? 'anonymous'} from ${ip ?? 'unknown IP'} (app ${app.name})\n${describe(decision)}`,
    );
  }
  return 0;
}
