/**
 * `portcullis access-code NAME [--ttl 1h] [--json] [--config F]`: a one-time code for a user who
 * lost their phone or key. The user signs in with the password and this code, and can then only
 * enrol a new second factor. The code works once, for `--ttl` (5m to 24h, default 1h); a new
 * code replaces the user's earlier one; every session of the user ends.
 *
 * Asks the running gateway (its admin API), so the sessions end at once whatever its stores
 * are. When no gateway answers, the code goes straight into the durable store (it lives there
 * whatever the ephemeral store is) and the sessions end through the durable mark (and in Redis
 * when shared), with a notice. A gateway that answers with a refusal is an error, never a
 * reason to go around it. Exit codes: 0 issued, 1 refused or unreachable store, 2 usage.
 */
import { userInfo } from 'node:os';
import { grantAccessCode, grantDetail } from '../admin/user-actions.ts';
import { recordAdminAction } from '../audit/admin-event.ts';
import { ACCESS_CODE_DEFAULT_TTL_MS, accessCodeTtlProblem } from '../authn/account-recovery/access-codes.ts';
import { systemClock } from '../clock.ts';
import { parseDuration } from '../config/duration.ts';
import { systemRandom } from '../random.ts';
import { openDurable } from '../stores/open.ts';
import { canonicalUsername } from '../users/canonical.ts';
import { loadStateOrReport, userKnown } from './config-or-exit.ts';
import { endUserSessions, sessionsEndedLine } from './end-sessions.ts';
import { parseFlags } from './flags.ts';
import type { CliIo } from './io.ts';
import { askGateway, fallbackNotice, userPath } from './live.ts';

const USAGE = 'portcullis access-code NAME [--ttl 1h] [--json] [--config F]';

interface Issued {
  user: string;
  code: string;
  expires_at: string;
  replaced: boolean;
  sessions_ended: number | 'marked';
}

export async function runAccessCode(args: string[], io: CliIo): Promise<number> {
  const parsed = parseFlags(args, { config: 'string', ttl: 'string', json: 'boolean' });
  const usage = (message: string) => {
    io.stderr.write(`portcullis: ${message}\nusage: ${USAGE}\n`);
    return 2;
  };
  if ('error' in parsed) return usage(parsed.error);
  if (parsed.positional.length !== 1) return usage('give exactly one user name');
  const user = canonicalUsername(parsed.positional[0] as string);
  if (user === null) return usage('invalid user name');
  const ttl = parsed.flags.ttl;
  let ttlMs = ACCESS_CODE_DEFAULT_TTL_MS;
  if (typeof ttl === 'string') {
    if (!/^[0-9]{1,6}(s|m|h|d)$/.test(ttl)) return usage('--ttl is a duration such as 30m or 4h');
    ttlMs = parseDuration(ttl);
  }
  const problem = accessCodeTtlProblem(ttlMs);
  if (problem !== null) return usage(problem);

  const state = await loadStateOrReport(io, parsed.flags.config);
  if (state === null || !userKnown(io, state.files, user)) return 1;

  const live = await askGateway<Issued>(io, state.files, 'POST', userPath(user, 'access-codes'), 201, {
    ttl: `${ttlMs / 1000}s`,
  });
  if (live.kind === 'refused') return 1;
  let issued: Issued;
  if (live.kind === 'answered') {
    issued = live.body;
  } else {
    fallbackNotice(io, live.reason, 'issuing the code in the durable store directly');
    const files = state.files;
    const durable = await openDurable(files.gateway.stores.durable, files.baseDir);
    try {
      const by = `cli:${userInfo().username}`;
      const deps = { durable, clock: systemClock, random: systemRandom };
      const grant = await grantAccessCode(deps, user, ttlMs, by, () =>
        endUserSessions(durable, state, user, systemClock.now()),
      );
      await recordAdminAction(
        durable,
        systemClock,
        'access_code.issued',
        { user, tenant: files.users[user]?.tenant ?? null },
        grantDetail(grant),
        by,
      );
      issued = {
        user,
        code: grant.code,
        expires_at: new Date(grant.expiresAt).toISOString(),
        replaced: grant.replaced,
        sessions_ended: grant.sessionsEnded,
      };
    } finally {
      await durable.close();
    }
  }
  if (parsed.flags.json === true) {
    io.stdout.write(`${JSON.stringify(issued)}\n`);
    return 0;
  }
  io.stdout.write(
    [
      `Access code for ${issued.user}, valid until ${issued.expires_at.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}:`,
      '',
      `    ${issued.code}`,
      '',
      `Give it to ${issued.user} over a channel you trust (a call you placed to a number you know).`,
      'It works once, after their password, and only to set up a new second factor.',
      ...(issued.replaced ? ['Their earlier access code no longer works.'] : []),
      sessionsEndedLine(issued.sessions_ended, issued.user),
      '',
    ].join('\n'),
  );
  return 0;
}
