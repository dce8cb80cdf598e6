/**
 * `portcullis user invite NAME [--email E] [--groups a,b] [--tenant T] [--name N] [--ttl 7d] [--config F]`:
 * creates the user in users.yaml without a password (or takes an existing one that has none)
 * and prints a one-time link where the person sets a password and enrols a second factor. The
 * link expires (default 7 days, at most 30); a new invite of the same user replaces the earlier
 * link. The invite is stored hashed in the durable store and audited (`invite.issued`, by the
 * operating-system account). A user who already has a password is refused: an invite sets the
 * first password of an account. Exit codes: 0 done, 1 refused (has a password, disabled, invalid
 * configuration, store down), 2 usage.
 */
import { userInfo } from 'node:os';
import { recordAdminAction } from '../audit/admin-event.ts';
import { DEFAULT_INVITE_TTL_MS, INVITE_PATH, inviteLink, issueInvite, MAX_INVITE_TTL_MS } from '../authn/invites.ts';
import { systemClock } from '../clock.ts';
import type { UserSpec } from '../config/schema.ts';
import { PortcullisError } from '../errors.ts';
import { systemRandom } from '../random.ts';
import { openDurable } from '../stores/open.ts';
import { canonicalUsername } from '../users/canonical.ts';
import { addUser, setUserField } from '../users/users-file.ts';
import { loadFilesOrReport } from './config-or-exit.ts';
import { parseFlags } from './flags.ts';
import type { CliIo } from './io.ts';
import { userSpecFromFlags } from './users.ts';

const USAGE =
  'portcullis user invite NAME [--email E] [--groups a,b] [--tenant T] [--name "Full Name"] [--ttl 7d] [--config F]';
const FLAGS = {
  config: 'string',
  email: 'string',
  groups: 'string',
  tenant: 'string',
  name: 'string',
  ttl: 'string',
} as const;
const TTL = /^([1-9][0-9]{0,6})(m|h|d)$/;
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

export async function runUserInvite(args: string[], io: CliIo): Promise<number> {
  const usage = (message: string) => {
    io.stderr.write(`portcullis: ${message}\nusage: ${USAGE}\n`);
    return 2;
  };
  const refuse = (message: string) => {
    io.stderr.write(`portcullis: ${message}\n`);
    return 1;
  };
  const parsed = parseFlags(args, FLAGS);
  if ('error' in parsed) return usage(parsed.error);
  if (parsed.positional.length !== 1) return usage('give exactly one user name');
  const user = canonicalUsername(parsed.positional[0] as string);
  if (user === null) return usage('invalid user name: 1-128 of a-z 0-9 . _ @ -, starting with a letter or digit');
  const spec = userSpecFromFlags(parsed.flags);
  if ('error' in spec) return usage(spec.error);
  const ttl = typeof parsed.flags.ttl === 'string' ? TTL.exec(parsed.flags.ttl) : null;
  if (typeof parsed.flags.ttl === 'string' && ttl === null) return usage('--ttl is a duration such as 7d, 36h or 90m');
  const ttlMs = ttl ? Number(ttl[1]) * (UNIT_MS[ttl[2] as string] as number) : DEFAULT_INVITE_TTL_MS;
  if (ttlMs > MAX_INVITE_TTL_MS) return usage('--ttl is at most 30d');

  const files = await loadFilesOrReport(io, parsed.flags.config);
  if (files === null) return 1;
  const existing = files.users[user];
  if (existing?.password !== undefined) {
    return refuse(
      `${user} already has a password: an invite sets the first password of a new account (nothing was changed)`,
    );
  }
  if (existing?.disabled === true) return refuse(`${user} is disabled in ${files.usersPath}: enable it first`);
  try {
    if (existing === undefined) await addUser(files.usersPath, user, spec);
    else
      for (const [key, value] of Object.entries(spec) as [keyof UserSpec, UserSpec[keyof UserSpec]][])
        await setUserField(files.usersPath, user, key, value);
  } catch (err) {
    if (err instanceof PortcullisError) return refuse(err.message);
    return refuse(`cannot write ${files.usersPath}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  const durable = await openDurable(files.gateway.stores.durable, files.baseDir);
  try {
    const by = `cli:${userInfo().username}`;
    // the account owes a second factor from its first sign-in on, whatever the policy says
    await durable.markEnrolmentDue(user, systemClock.now());
    const issued = await issueInvite(durable, systemClock, systemRandom, user, ttlMs, by);
    await recordAdminAction(
      durable,
      systemClock,
      'invite.issued',
      { user, tenant: existing?.tenant ?? spec.tenant ?? null },
      { expires_at: new Date(issued.expiresAt).toISOString(), replaced: issued.replaced, created: !existing },
    );
    const expires = new Date(issued.expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z');
    io.stdout.write(`${inviteLink(files.gateway.server.public_url, issued.token)}\n`);
    io.stderr.write(
      `${existing === undefined ? 'added' : 'invited'} ${user}: send them the link above; it works once, until ${expires}` +
        `${issued.replaced ? ' (the earlier link no longer works)' : ''}. Keep it secret: it sets the account's password at ${INVITE_PATH}.\n`,
    );
    return 0;
  } finally {
    await durable.close();
  }
}
