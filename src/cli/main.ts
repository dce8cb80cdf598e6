import { ConfigError } from '../config/load.ts';
import { StoreUnavailableError } from '../errors.ts';
import { runAccessCode } from './access-code.ts';
import { runAudit } from './audit.ts';
import { runCheck } from './check.ts';
import { runUserDevices, runUserForgetDevice } from './devices.ts';
import { runEvents } from './events.ts';
import { runExplain } from './explain.ts';
import { runUserInvite } from './invite.ts';
import type { CliIo } from './io.ts';
import { runKeys } from './keys.ts';
import { runUserPushUnblock } from './push-unblock.ts';
import { runUserResetMfa } from './reset-mfa.ts';
import { runSchema } from './schema.ts';
import { semanticCheck } from './semantic-check.ts';
import { runUserSessions } from './sessions.ts';
import { runStart } from './start.ts';
import { runMigrate, runStoreCommand } from './store.ts';
import { runUserUnlock } from './unlock.ts';
import { runHashPassword, runUserAdd, runUserList } from './users.ts';

const HELP = `portcullis: an MFA gateway for managed service providers

  portcullis start [--config F]            run the gateway (what npm start runs)
  portcullis check [--config F]            validate gateway.yaml, users.yaml and policies/*.yaml
  portcullis schema [gateway|users|policy] print the JSON Schema of the files
  portcullis explain --url URL [--method M] [--user U] [--ip IP] [--json]
  portcullis hash-password                 read a password on stdin, print its argon2id hash
  portcullis user add NAME [--email E] [--groups a,b] [--tenant T] [--name N] --password-stdin
  portcullis user invite NAME [--email E] [--groups a,b] [--tenant T] [--name N] [--ttl 7d]
                                           create a user without a password; print a one-time link
                                           where they set one and enrol a second factor
  portcullis user list
  portcullis user unlock NAME              clear a user's lockout, and their browsers'
  portcullis user reset-mfa NAME           remove a user's second factors, recovery codes and devices (lost device)
  portcullis user devices NAME [--json]    list the browsers a user signed in from, and their trust
  portcullis user forget-device NAME (ID | --all)
                                           forget a device (or all): no longer trusted, its sessions end
  portcullis user sessions NAME            list a user's live sessions
  portcullis user revoke-sessions NAME     end every session of a user, on every instance
  portcullis user push-unblock NAME        let a user who reported a push receive pushes again
  portcullis access-code NAME [--ttl 1h] [--json]
                                           a one-time code for a user who lost their device: after
                                           the password it only lets them enrol a new factor
  portcullis events [--tenant T] [--user U] [--type T] [--since 24h] [--limit N] [--format text|json|csv]
                                           the audit trail, newest first (--tenant _msp: the MSP staff;
                                           --type access_code.*: every type under a prefix)
  portcullis audit [--tenant T] [--format text|json|html|sarif] [--fail-on critical|high|medium|low]
                   [--out FILE] [--config-only]
                                           the MFA coverage report per tenant and for the MSP staff;
                                           exit 1 on a finding at or above --fail-on, 3 when a store
                                           cannot be read (docs/audit.md)
  portcullis keys rotate [--keep 2]        add a new assertion signing key
  portcullis migrate [--config F]          bring the durable store's schema up to date (start does too)
  portcullis store copy FROM TO            copy a whole durable store into a new, empty one, e.g.
                                           sqlite:data/portcullis.db postgres://user@host:5432/db
`;

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'start':
        return await runStart(rest, io);
      case 'check':
        return await runCheck(rest, io, semanticCheck);
      case 'schema':
        return await runSchema(rest, io);
      case 'explain':
        return await runExplain(rest, io);
      case 'hash-password':
        return await runHashPassword(rest, io);
      case 'user': {
        const [sub, ...more] = rest;
        if (sub === 'add') return await runUserAdd(more, io);
        if (sub === 'invite') return await runUserInvite(more, io);
        if (sub === 'list') return await runUserList(more, io);
        if (sub === 'unlock') return await runUserUnlock(more, io);
        if (sub === 'reset-mfa') return await runUserResetMfa(more, io);
        if (sub === 'sessions') return await runUserSessions(more, io, 'list');
        if (sub === 'revoke-sessions') return await runUserSessions(more, io, 'revoke');
        if (sub === 'devices') return await runUserDevices(more, io);
        if (sub === 'forget-device') return await runUserForgetDevice(more, io);
        if (sub === 'push-unblock') return await runUserPushUnblock(more, io);
        io.stderr.write(
          'usage: portcullis user add|invite|list|unlock|reset-mfa|sessions|revoke-sessions|devices|forget-device|push-unblock ...\n',
        );
        return 2;
      }
      case 'access-code':
        return await runAccessCode(rest, io);
      case 'events':
        return await runEvents(rest, io);
      case 'audit':
        return await runAudit(rest, io);
      case 'keys':
        return await runKeys(rest, io);
      case 'migrate':
        return await runMigrate(rest, io);
      case 'store':
        return await runStoreCommand(rest, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(HELP);
        return command === undefined ? 2 : 0;
      default:
        io.stderr.write(`unknown command '${command}'\n${HELP}`);
        return 2;
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const p of err.problems) io.stderr.write(`${p}\n`);
      return 1;
    }
    // a store's cause says why (a refused connection, a file that is a folder); never a password
    const cause = err instanceof StoreUnavailableError && err.cause instanceof Error ? `: ${err.cause.message}` : '';
    io.stderr.write(`portcullis: ${(err as Error).message}${cause}\n`);
    return 1;
  }
}
