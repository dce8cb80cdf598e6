/**
 * `portcullis user devices NAME [--config F] [--json]` and
 * `portcullis user forget-device NAME (ID | --all) [--config F]`: the browsers a user signed in
 * from, and forgetting them. A forgotten device is no longer trusted and is a new device at its
 * next sign-in, and the sessions signed in from it end. Both ask the running gateway first (its
 * admin API, live.ts). When none answers (with a notice) they use the stores directly: the
 * sessions end in a shared Redis, on every instance; with `stores.ephemeral: memory` they live in
 * the gateway's memory and go on until they end (the command says so). Forgetting is audited.
 * Exit codes: 0 done, 1 refused (unknown user or device, invalid config, store down), 2 usage.
 */
import { forgetDetail, forgetDevices } from '../admin/user-actions.ts';
import { recordAdminAction } from '../audit/admin-event.ts';
import { systemClock } from '../clock.ts';
import { isTrusted } from '../devices/devices.ts';
import { findUser } from '../idp/provider-user.ts';
import { systemRandom } from '../random.ts';
import { SessionStore } from '../session/session-store.ts';
import type { DeviceRecord } from '../stores/durable.ts';
import { openDurable, openEphemeral } from '../stores/open.ts';
import { canonicalUsername } from '../users/canonical.ts';
import { loadFilesOrReport, loadStateOrReport, userKnown } from './config-or-exit.ts';
import { parseFlags } from './flags.ts';
import type { CliIo } from './io.ts';
import { askGateway, fallbackNotice, userPath } from './live.ts';

export const DEVICES_USAGE = 'portcullis user devices NAME [--config F] [--json]';
export const FORGET_USAGE = 'portcullis user forget-device NAME (ID | --all) [--config F]';

const iso = (ms: number) => new Date(ms).toISOString().replace('.000', '');
/** Text from the store or the command line, for the terminal: control characters replaced. */
const printable = (text: string) => text.replace(/[\p{Cc}\p{Cf}]/gu, '?');
/** A device id as Devices makes them: 128 random bits, base64url. */
const DEVICE_ID_WITH_DASH = /^-[A-Za-z0-9_-]{21}$/;

function usage(io: CliIo, message: string, line: string): number {
  io.stderr.write(`portcullis: ${message}\nusage: ${line}\n`);
  return 2;
}

/** A device as the admin API answers it (GET users/{name}). */
interface ApiDevice {
  id: string;
  name: string;
  first_seen_at: string;
  last_seen_at: string;
  ip: string | null;
  country: string | null;
  trusted_until: string | null;
}

const fromApi = (d: ApiDevice): DeviceRecord =>
  ({
    id: d.id,
    name: d.name,
    firstSeenAt: Date.parse(d.first_seen_at),
    lastSeenAt: Date.parse(d.last_seen_at),
    ip: d.ip,
    country: d.country,
    trustedUntil: d.trusted_until === null ? null : Date.parse(d.trusted_until),
  }) as DeviceRecord;

export async function runUserDevices(args: string[], io: CliIo): Promise<number> {
  const parsed = parseFlags(args, { config: 'string', json: 'boolean' });
  if ('error' in parsed) return usage(io, parsed.error, DEVICES_USAGE);
  if (parsed.positional.length !== 1) return usage(io, 'give exactly one user name', DEVICES_USAGE);
  const user = canonicalUsername(parsed.positional[0] as string);
  if (user === null) return usage(io, 'invalid user name', DEVICES_USAGE);
  const files = await loadFilesOrReport(io, parsed.flags.config);
  if (files === null || !userKnown(io, files, user)) return 1;
  const live = await askGateway<{ devices: ApiDevice[] }>(io, files, 'GET', userPath(user), 200);
  if (live.kind === 'refused') return 1;
  let devices: DeviceRecord[];
  if (live.kind === 'answered') {
    devices = live.body.devices.map(fromApi);
  } else {
    fallbackNotice(io, live.reason, 'reading the devices from the durable store directly');
    const durable = await openDurable(files.gateway.stores.durable, files.baseDir);
    try {
      devices = await durable.listDevices(user);
    } finally {
      await durable.close();
    }
  }
  printDevices(io, user, devices, systemClock.now(), parsed.flags.json === true);
  return 0;
}

function printDevices(io: CliIo, user: string, devices: readonly DeviceRecord[], now: number, json: boolean): void {
  const until = (d: DeviceRecord) => (isTrusted(d, now) ? (d.trustedUntil as number) : null);
  if (json) {
    const rows = devices.map((d) => ({
      id: d.id,
      name: d.name,
      first_seen: iso(d.firstSeenAt),
      last_seen: iso(d.lastSeenAt),
      ip: d.ip,
      country: d.country,
      trusted: until(d) !== null,
      trusted_until: until(d) === null ? null : iso(until(d) as number),
    }));
    io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  if (devices.length === 0) {
    io.stdout.write(`${user} has no devices\n`);
    return;
  }
  const rows = [['ID', 'NAME', 'FIRST SEEN', 'LAST SEEN', 'IP', 'COUNTRY', 'TRUST']];
  for (const d of devices) {
    const t = until(d);
    rows.push(
      [
        d.id,
        d.name,
        iso(d.firstSeenAt),
        iso(d.lastSeenAt),
        d.ip ?? '-',
        d.country ?? '-',
        t === null ? 'not trusted' : `trusted until ${iso(t)}`,
      ].map(printable),
    );
  }
  const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const row of rows)
    io.stdout.write(
      `${row
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd()}\n`,
    );
}

/**
 * Device ids are base64url, so one may begin with '-': such an argument is the ID here, not an
 * option (`--` works too).
 */
function idsAsPositional(args: readonly string[]): string[] {
  if (args.includes('--')) return [...args];
  const rest: string[] = [];
  const ids: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--config' && i + 1 < args.length) {
      rest.push(arg, args[++i] as string);
      continue;
    }
    (DEVICE_ID_WITH_DASH.test(arg) ? ids : rest).push(arg);
  }
  return ids.length === 0 ? rest : [...rest, '--', ...ids];
}

export async function runUserForgetDevice(args: string[], io: CliIo): Promise<number> {
  const parsed = parseFlags(idsAsPositional(args), { config: 'string', all: 'boolean' });
  if ('error' in parsed) return usage(io, parsed.error, FORGET_USAGE);
  const all = parsed.flags.all === true;
  const [name, id, ...extra] = parsed.positional;
  if (name === undefined || extra.length > 0 || (all ? id !== undefined : id === undefined))
    return usage(io, 'give a user name and either one device id or --all', FORGET_USAGE);
  const user = canonicalUsername(name);
  if (user === null) return usage(io, 'invalid user name', FORGET_USAGE);
  const state = await loadStateOrReport(io, parsed.flags.config);
  if (state === null) return 1;
  const files = state.files;
  if (!userKnown(io, files, user)) return 1;
  const which = all ? 'all' : (id as string);
  const live = await askGateway<{ devices: string[]; sessions_ended: number }>(
    io,
    files,
    'DELETE',
    all ? userPath(user, 'devices') : userPath(user, `devices/${encodeURIComponent(which)}`),
    200,
  );
  if (live.kind === 'refused') return 1;
  if (live.kind === 'answered') return forgetReport(io, user, live.body.devices, live.body.sessions_ended);
  fallbackNotice(io, live.reason, 'forgetting in the stores directly');
  const ephemeral = files.gateway.stores.ephemeral;
  // Redis first: when it is down, nothing is forgotten and the command says so
  const store = ephemeral === 'memory' ? null : await openEphemeral(ephemeral, { clock: systemClock });
  try {
    const durable = await openDurable(files.gateway.stores.durable, files.baseDir);
    try {
      const sessions =
        store === null
          ? null
          : new SessionStore(store, systemClock, systemRandom, {
              idleMs: state.session.idleMs,
              maxLifetimeMs: state.session.maxLifetimeMs,
            });
      const forgot = await forgetDevices(durable, sessions, user, which);
      if (forgot === null) {
        io.stderr.write(
          `portcullis: ${user} has no device '${printable(which)}' (portcullis user devices ${user} lists them)\n`,
        );
        return 1;
      }
      if (forgot.names.length > 0) {
        await recordAdminAction(
          durable,
          systemClock,
          'admin.forget_device',
          { user, tenant: (await findUser(state, durable, user))?.tenant ?? null },
          forgetDetail(forgot, all),
        );
      }
      return forgetReport(io, user, forgot.names, forgot.sessionsEnded);
    } finally {
      await durable.close();
    }
  } finally {
    await store?.close();
  }
}

/** What was forgotten; `ended` null: the sessions live in a gateway this process cannot reach. */
function forgetReport(io: CliIo, user: string, names: readonly string[], ended: number | null): number {
  if (names.length === 0) {
    io.stdout.write(`${user} has no devices\n`);
    return 0;
  }
  io.stdout.write(`forgot ${names.length} device(s) of ${user}: ${printable(names.join(', '))}\n`);
  io.stdout.write(
    ended === null
      ? 'the sessions signed in from them live in the memory of the running gateway (stores.ephemeral: memory) and go on until they end; restart the gateway to end them now\n'
      : `ended ${ended} session(s) signed in from them\n`,
  );
  return 0;
}
