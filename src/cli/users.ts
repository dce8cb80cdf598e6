/**
 * `portcullis hash-password`, `portcullis user add` and `portcullis user list`.
 *
 * Passwords only ever arrive on stdin (never argv, which shows up in `ps` and shell history)
 * and are never printed. Exit codes: 0 done, 1 refused (user exists, weak password, unreadable
 * file), 2 usage error.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadConfigFiles } from '../config/load.ts';
import { type UserSpec, UsersFile } from '../config/schema.ts';
import { validate } from '../config/validate.ts';
import { loadYamlSource } from '../config/yaml-source.ts';
import { PortcullisError } from '../errors.ts';
import type { ProviderUserRecord } from '../stores/durable.ts';
import { openDurable } from '../stores/open.ts';
import { canonicalUsername } from '../users/canonical.ts';
import { UserDirectory } from '../users/directory.ts';
import { type Argon2Params, hashPassword, passwordProblem } from '../users/password.ts';
import { addUser } from '../users/users-file.ts';
import { parseFlags } from './flags.ts';
import type { CliIo } from './io.ts';

export interface UsersCliIO extends CliIo {
  /** argon2 parameters for new hashes; tests pass low ones. Default: m=65536 t=3 p=4. */
  hashParams?: Argon2Params;
}

export const DEFAULT_CONFIG = 'config/gateway.yaml';
const MAX_STDIN_BYTES = 64 * 1024;
const TENANT = /^[a-z0-9][a-z0-9_-]*$/;
const GROUP = /^[A-Za-z0-9_.:-]+$/;
const EMAIL = /^[^\s@]+@[^\s@]+$/;

const usage = (io: UsersCliIO, message: string, help: string): number => {
  io.stderr.write(`portcullis: ${message}\nusage: ${help}\n`);
  return 2;
};
const refuse = (io: UsersCliIO, message: string): number => {
  io.stderr.write(`portcullis: ${message}\n`);
  return 1;
};

const HASH_USAGE = 'portcullis hash-password < password-file';

/** Reads the password from stdin and prints its argon2id hash. */
export async function runHashPassword(args: string[], io: UsersCliIO): Promise<number> {
  const parsed = parseFlags(args, {});
  if ('error' in parsed) return usage(io, parsed.error, HASH_USAGE);
  if (parsed.positional.length > 0) {
    return usage(io, 'the password is read from stdin, not from the command line', HASH_USAGE);
  }
  const password = await readPassword(io);
  if (typeof password === 'object') return usage(io, password.error, HASH_USAGE);
  const problem = passwordProblem(password);
  if (problem) return refuse(io, problem);
  io.stdout.write(`${await hashPassword(password, io.hashParams)}\n`);
  return 0;
}

const ADD_USAGE =
  'portcullis user add NAME [--email E] [--groups a,b] [--tenant T] [--name "Full Name"] [--password-stdin] [--config F]';
const ADD_FLAGS = {
  config: 'string',
  email: 'string',
  groups: 'string',
  tenant: 'string',
  name: 'string',
  'password-stdin': 'boolean',
  password: 'string', // only to say where passwords go instead of "unknown option"
} as const;

/** Adds a user to the users file named by gateway.yaml, keeping the file's comments. */
export async function runUserAdd(args: string[], io: UsersCliIO): Promise<number> {
  const parsed = parseFlags(args, ADD_FLAGS);
  if ('error' in parsed) return usage(io, parsed.error, ADD_USAGE);
  const { flags, positional } = parsed;
  if (flags.password !== undefined) {
    return usage(io, 'passwords are never taken on the command line: pipe it in with --password-stdin', ADD_USAGE);
  }
  if (positional.length !== 1) return usage(io, 'give exactly one user name', ADD_USAGE);
  const user = canonicalUsername(positional[0] as string);
  if (user === null) {
    return usage(io, 'invalid user name: 1-128 of a-z 0-9 . _ @ -, starting with a letter or digit', ADD_USAGE);
  }
  const spec = userSpecFromFlags(flags);
  if ('error' in spec) return usage(io, spec.error, ADD_USAGE);
  const str = (key: string) => (typeof flags[key] === 'string' ? (flags[key] as string) : undefined);
  const usersFile = await findUsersFile(str('config') ?? DEFAULT_CONFIG);
  if ('error' in usersFile) return refuse(io, usersFile.error);
  if (flags['password-stdin'] === true) {
    const password = await readPassword(io);
    if (typeof password === 'object') return usage(io, password.error, ADD_USAGE);
    const problem = passwordProblem(password, user);
    if (problem) return refuse(io, problem);
    spec.password = await hashPassword(password, io.hashParams);
  }
  try {
    await addUser(usersFile.path, user, spec);
  } catch (err) {
    if (err instanceof PortcullisError) return refuse(io, err.message);
    return refuse(io, `cannot write ${usersFile.path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  io.stdout.write(`added user ${user}\n`);
  if (spec.password === undefined)
    io.stderr.write(
      `note: ${user} has no password yet and cannot sign in; \`portcullis user invite ${user}\` prints a link to set one\n`,
    );
  return 0;
}

/**
 * The fields of a new user from `--name`, `--email`, `--groups` and `--tenant` (`user add`,
 * `user invite`), each checked, or the usage error that names the flag.
 */
export function userSpecFromFlags(flags: Record<string, string | boolean>): UserSpec | { error: string } {
  const spec: UserSpec = {};
  const str = (key: string) => (typeof flags[key] === 'string' ? (flags[key] as string) : undefined);
  const display = str('name');
  if (display !== undefined) {
    if (display.trim() === '' || display.length > 200 || /\p{Cc}/u.test(display)) {
      return { error: '--name must be 1-200 printable characters' };
    }
    spec.name = display.trim();
  }
  const email = str('email');
  if (email !== undefined) {
    if (!EMAIL.test(email) || email.length > 254 || /\p{Cc}/u.test(email)) {
      return { error: '--email must look like name@domain' };
    }
    spec.email = email;
  }
  const groups = str('groups');
  if (groups !== undefined) {
    const list = [...new Set(groups.split(',').map((g) => g.trim()))];
    if (list.some((g) => !GROUP.test(g))) {
      return { error: '--groups must be a comma-separated list of names (A-Z a-z 0-9 _ . : -)' };
    }
    spec.groups = list;
  }
  const tenant = str('tenant');
  if (tenant !== undefined) {
    if (!TENANT.test(tenant)) return { error: '--tenant must match ^[a-z0-9][a-z0-9_-]*$' };
    spec.tenant = tenant;
  }
  return spec;
}

const LIST_USAGE = 'portcullis user list [--config F]';

/** Prints the users (users.yaml's, then those identity providers signed in): name, tenant, groups, provider, disabled, factors. */
export async function runUserList(args: string[], io: UsersCliIO): Promise<number> {
  const parsed = parseFlags(args, { config: 'string' });
  if ('error' in parsed) return usage(io, parsed.error, LIST_USAGE);
  if (parsed.positional.length > 0) return usage(io, 'user list takes no arguments', LIST_USAGE);
  const config = typeof parsed.flags.config === 'string' ? parsed.flags.config : DEFAULT_CONFIG;
  const usersFile = await findUsersFile(config);
  if ('error' in usersFile) return refuse(io, usersFile.error);
  let text: string;
  try {
    text = await readFile(usersFile.path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      io.stderr.write(`no users yet (${usersFile.path} does not exist)\n`);
      return 0;
    }
    return refuse(io, `cannot read ${usersFile.path}: ${code ?? 'error'}`);
  }
  const source = loadYamlSource(usersFile.path, text);
  const invalid = source.problems.length > 0 ? source.problems : validate(UsersFile, source);
  if (invalid.length > 0) return refuse(io, invalid.map(printable).join('\n'));
  const users = (source.data as UsersFile).users;
  const { directory, problems } = UserDirectory.build(users);
  for (const problem of problems) io.stderr.write(`warning: ${usersFile.path}: ${problem}\n`);
  const summary = await durableSummary(
    config,
    directory.all().map((u) => u.name),
    io,
  );
  const rows = [['NAME', 'TENANT', 'GROUPS', 'PROVIDER', 'DISABLED', 'SECOND FACTORS', 'RECOVERY CODES']];
  const listed: {
    name: string;
    tenant: string | null;
    groups: readonly string[];
    provider: string;
    disabled: string;
  }[] = directory.all().map((u) => ({ ...u, provider: '-', disabled: u.disabled ? 'yes' : 'no' }));
  // the users identity providers signed in: disabled or removed there, they cannot sign in again
  for (const p of summary?.providerUsers ?? [])
    listed.push({ name: p.user, tenant: p.tenant, groups: p.groups, provider: p.provider, disabled: '-' });
  for (const u of listed) {
    const s = summary?.factors.get(u.name);
    const factors = s === undefined ? '?' : s.factors.length === 0 ? 'none' : s.factors.join(',');
    const recovery =
      s === undefined ? '?' : s.recovery.total === 0 ? '-' : `${s.recovery.unused}/${s.recovery.total} unused`;
    rows.push(
      [u.name, u.tenant ?? '-', u.groups.join(',') || '-', u.provider, u.disabled, factors, recovery].map(printable),
    );
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const row of rows)
    io.stdout.write(
      `${row
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd()}\n`,
    );
  return 0;
}

/** `users.file` from gateway.yaml (relative to its folder), default `users.yaml` beside it. */
export async function findUsersFile(config: string): Promise<{ path: string } | { error: string }> {
  let data: unknown;
  try {
    data = parseYaml(await readFile(config, 'utf8'), { prettyErrors: false });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { error: `cannot read ${config}: ${code ?? 'invalid YAML'} (use --config to name gateway.yaml)` };
  }
  const file = (data as { users?: { file?: unknown } } | null)?.users?.file;
  if (file !== undefined && (typeof file !== 'string' || file === '')) {
    return { error: `${config}: users.file must be a path` };
  }
  return { path: resolve(dirname(config), file ?? 'users.yaml') };
}

/**
 * Reads all of stdin as UTF-8 and strips one trailing newline (`\n` or `\r\n`). Refuses empty
 * input, input over 64 KiB and invalid UTF-8.
 */
async function readPassword(io: UsersCliIO): Promise<string | { error: string }> {
  if ((io.stdin as { isTTY?: boolean }).isTTY)
    io.stderr.write('Password (input is shown; end with Enter then Ctrl-D): ');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of io.stdin) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
    size += buf.length;
    if (size > MAX_STDIN_BYTES) return { error: 'stdin is too large for a password' };
    chunks.push(buf);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    return { error: 'the password on stdin is not valid UTF-8' };
  }
  if (text.endsWith('\r\n')) text = text.slice(0, -2);
  else if (text.endsWith('\n')) text = text.slice(0, -1);
  if (text === '') return { error: 'no password on stdin' };
  return text;
}

/** Cell text for the terminal: control characters (escape sequences) replaced. */
function printable(cell: string): string {
  return cell.replace(/[\p{Cc}\p{Cf}]/gu, '?');
}

interface DurableSummary {
  /** each user's second factors (kinds) and recovery codes */
  readonly factors: Map<string, { factors: string[]; recovery: { total: number; unused: number } }>;
  /** the users identity providers signed in */
  readonly providerUsers: ProviderUserRecord[];
}

/** What the durable store knows of the users (and of the provider users it holds); null when unreachable. */
async function durableSummary(
  config: string,
  users: readonly string[],
  io: UsersCliIO,
): Promise<DurableSummary | null> {
  let durable: Awaited<ReturnType<typeof openDurable>>;
  try {
    const files = await loadConfigFiles(config);
    durable = await openDurable(files.gateway.stores.durable, files.baseDir);
  } catch (err) {
    io.stderr.write(`warning: second factors not shown: ${(err as Error).message.split('\n')[0]}\n`);
    return null;
  }
  try {
    const providerUsers = await durable.listProviderUsers();
    const factors: DurableSummary['factors'] = new Map();
    for (const user of [...users, ...providerUsers.map((p) => p.user)]) {
      const [kinds, recovery] = await Promise.all([durable.listFactors(user), durable.countRecoveryCodes(user)]);
      factors.set(user, { factors: kinds.map((f) => f.kind), recovery });
    }
    return { factors, providerUsers };
  } finally {
    await durable.close();
  }
}
