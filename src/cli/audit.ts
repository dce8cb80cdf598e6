/**
 * `portcullis audit [--tenant T] [--format text|json|html|sarif] [--fail-on critical|high|medium|low]
 * [--out FILE] [--config-only] [--config F]`: the MFA coverage report (docs/audit.md).
 *
 * Asks the running gateway first (`GET /api/v1/audit`), which reads its own stores, lock state
 * included whatever its ephemeral store is; the CLI renders the answer in the format asked (the
 * HTML with the brands of the local configuration). When no gateway answers, it reads the stores
 * itself, with a notice: the durable store, and the lock state from a shared (Redis) ephemeral
 * store; with `stores.ephemeral: memory` the locks live in the gateway's memory only, so the
 * report says the lock state is unknown. `--config-only` reads no store at all (a policy
 * repository's CI): only the findings of the files.
 *
 * Exit codes: 0 no finding at or above --fail-on (always 0 without it: everything is reported
 * whatever --fail-on says), 1 a finding at or above it, 2 usage or configuration error (an
 * unknown tenant, a gateway refusing the token), 3 a store cannot be read: an incomplete report
 * never exits 0 (nothing is written to --out then).
 */
import { existsSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { Lockout } from '../authn/lockout.ts';
import { type Clock, systemClock } from '../clock.ts';
import { PortcullisError, StoreUnavailableError } from '../errors.ts';
import { auditReport, FORMATS, type Format, knownTenant, render } from '../report/audit-report.ts';
import { atOrAbove, SEVERITIES, type Severity } from '../report/catalogue.ts';
import { failsOn, type Report, SCHEMA_VERSION } from '../report/findings.ts';
import type { GatewayState } from '../state.ts';
import type { DurableStore } from '../stores/durable.ts';
import type { EphemeralStore } from '../stores/ephemeral.ts';
import { openDurable, openEphemeral } from '../stores/open.ts';
import { redactRedisUrl } from '../stores/redis-url.ts';
import { loadStateOrReport } from './config-or-exit.ts';
import { parseFlags } from './flags.ts';
import { answerError, gatewayClient } from './gateway-client.ts';
import type { CliIo } from './io.ts';

const USAGE =
  'portcullis audit [--tenant T] [--format text|json|html|sarif] [--fail-on critical|high|medium|low] [--out FILE] [--config-only] [--config F]';

const TENANT = /^[a-z0-9][a-z0-9_-]*$/;

/** A store could not be read: exit 3. */
class Unreadable extends Error {}
/** The stores are named wrongly (an unknown kind): exit 2. */
class Misconfigured extends Error {}

/** `clock`: the time of the report when the stores are read directly (tests fix it). */
export async function runAudit(args: string[], io: CliIo, clock: Clock = systemClock): Promise<number> {
  const parsed = parseFlags(args, {
    config: 'string',
    tenant: 'string',
    format: 'string',
    'fail-on': 'string',
    out: 'string',
    'config-only': 'boolean',
  });
  const usage = (message: string) => {
    io.stderr.write(`portcullis: ${message}\nusage: ${USAGE}\n`);
    return 2;
  };
  if ('error' in parsed) return usage(parsed.error);
  if (parsed.positional.length > 0) return usage('audit takes no arguments');
  const { flags } = parsed;
  const format = (flags.format ?? 'text') as Format;
  if (!FORMATS.includes(format)) return usage(`--format is one of ${FORMATS.join(', ')}`);
  const failOn = flags['fail-on'] as Severity | undefined;
  if (failOn !== undefined && !SEVERITIES.includes(failOn))
    return usage(`--fail-on is one of ${SEVERITIES.join(', ')}`);
  const tenant = flags.tenant as string | undefined;
  if (tenant !== undefined && !TENANT.test(tenant)) return usage('--tenant must match ^[a-z0-9][a-z0-9_-]*$');
  const out = flags.out as string | undefined;
  if (out === '') return usage('--out needs a file name');

  const state = await loadStateOrReport(io, flags.config);
  if (state === null) return 2;

  let report: Report;
  try {
    const got =
      flags['config-only'] === true
        ? await auditReport(state, null, clock, tenant)
        : await fromGateway(state, io, tenant, clock);
    if (typeof got === 'number') return got;
    report = got;
  } catch (err) {
    if (err instanceof Unreadable) {
      io.stderr.write(`portcullis: ${err.message}; no report (an incomplete report is never given)\n`);
      return 3;
    }
    if (err instanceof Misconfigured) {
      io.stderr.write(`portcullis: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (tenant !== undefined && !knownTenant(report, tenant)) {
    io.stderr.write(`portcullis: the configuration names no tenant '${tenant}'\n`);
    return 2;
  }

  const text = render(report, format, state);
  if (out === undefined) io.stdout.write(text);
  else {
    try {
      await writeFile(out, text);
    } catch (err) {
      io.stderr.write(`portcullis: cannot write ${out}: ${(err as NodeJS.ErrnoException).code ?? 'error'}\n`);
      return 2;
    }
    io.stderr.write(`wrote ${out}: ${report.findings.length} finding(s)\n`);
  }
  if (failOn === undefined) return 0;
  const fails = failsOn(report, failOn);
  if (fails) {
    const n = report.findings.filter((f) => atOrAbove(f.severity, failOn)).length;
    io.stderr.write(`${n} finding(s) at or above ${failOn}\n`);
  }
  return fails ? 1 : 0;
}

/** The gateway's report, else the stores' (with a notice); a number is the exit code of a refusal. */
async function fromGateway(
  state: GatewayState,
  io: CliIo,
  tenant: string | undefined,
  clock: Clock,
): Promise<Report | number> {
  const client = gatewayClient(state.files, io.env ? { env: io.env } : {});
  const query = `audit?format=json${tenant === undefined ? '' : `&tenant=${encodeURIComponent(tenant)}`}`;
  let answer: Awaited<ReturnType<typeof client.call>>;
  try {
    answer = await client.call('GET', query);
  } catch (err) {
    throw new Unreadable((err as Error).message);
  }
  if (answer.kind === 'answer') {
    if (answer.status === 200) {
      const version = (answer.body as { schema_version?: unknown } | null)?.schema_version;
      if (version === SCHEMA_VERSION) return answer.body as Report;
      io.stderr.write(
        `portcullis: the gateway at ${client.origin} answers a report of schema_version ${String(version)}; this command reads ${SCHEMA_VERSION}: run the command of the gateway's version\n`,
      );
      return 2;
    }
    if (answer.status === 503) throw new Unreadable(`the gateway at ${client.origin} cannot read its stores`);
    if (answer.status === 404 && answerError(answer.body) === 'unknown_tenant') {
      io.stderr.write(`portcullis: the gateway's configuration names no tenant '${tenant}'\n`);
      return 2;
    }
    io.stderr.write(
      `portcullis: the gateway at ${client.origin} refused: ${answer.status} ${answerError(answer.body)}\n`,
    );
    return 2;
  }
  io.stderr.write(`notice: ${answer.reason}; reading the stores directly\n`);
  return fromStores(state, tenant, answer.reason, clock);
}

async function fromStores(
  state: GatewayState,
  tenant: string | undefined,
  reason: string,
  clock: Clock,
): Promise<Report> {
  const g = state.files.gateway;
  const sqlite = /^sqlite:(.+)$/i.exec(g.stores.durable)?.[1];
  // the audit never creates a database: a missing one is a store it cannot read
  if (sqlite !== undefined && sqlite !== ':memory:' && !(existsSync(sqlite) && statSync(sqlite).isFile()))
    throw new Unreadable('the durable store (sqlite) does not exist or is not a file');
  let durable: DurableStore | null = null;
  let ephemeral: EphemeralStore | null = null;
  try {
    durable = await openDurable(g.stores.durable, state.files.baseDir);
    const notes = [`the gateway did not answer (${reason}): the stores were read directly`];
    if (g.stores.ephemeral !== 'memory') {
      ephemeral = await openEphemeral(g.stores.ephemeral, { clock });
      const lockout = new Lockout({ store: ephemeral, clock, settings: () => state.lockout });
      return await auditReport(state, { durable, locks: (u) => lockout.status(u), notes }, clock, tenant);
    }
    return await auditReport(state, { durable, locks: null, notes }, clock, tenant);
  } catch (err) {
    if (err instanceof StoreUnavailableError)
      throw new Unreadable(
        `${err.message}${err.cause instanceof Error && err.cause.message ? `: ${err.cause.message}` : ''}${g.stores.ephemeral === 'memory' ? '' : ` (${redactRedisUrl(g.stores.ephemeral)})`}`,
      );
    if (err instanceof PortcullisError && err.code === 'PC_ERR_CONFIG_INVALID') throw new Misconfigured(err.message);
    if (err instanceof PortcullisError) throw new Unreadable(err.message);
    throw err;
  } finally {
    await durable?.close();
    await ephemeral?.close();
  }
}
