import { ConfigError } from '../config/load.ts';
import { StoreUnavailableError } from '../errors.ts';
import type { CliIo } from './io.ts';

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

/**
 * Runs one command. Each command's module is loaded when that command runs: `start` (the
 * gateway) never loads the modules of the others (the audit report, the store copy, ...).
 */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'start':
        return await (await import('./start.ts')).runStart(rest, io);
      case 'check': {
        const [{ runCheck }, { semanticCheck }] = await Promise.all([
          import('./check.ts'),
          import('./semantic-check.ts'),
        ]);
        return await runCheck(rest, io, semanticCheck);
      }
      case 'schema':
        return await (await import('./schema.ts')).runSchema(rest, io);
      case 'explain':
        return await (await import('./explain.ts')).runExplain(rest, io);
      case 'hash-password':
        return await (await import('./users.ts')).runHashPassword(rest, io);
      case 'user':
        return await runUserCommand(rest, io);
      case 'access-code':
        return await (await import('./access-code.ts')).runAccessCode(rest, io);
      case 'events':
        return await (await import('./events.ts')).runEvents(rest, io);
      case 'audit':
        return await (await import('./audit.ts')).runAudit(rest, io);
      case 'keys':
        return await (await import('./keys.ts')).runKeys(rest, io);
      case 'migrate':
        return await (await import('./store.ts')).runMigrate(rest, io);
      case 'store':
        return await (await import('./store.ts')).runStoreCommand(rest, io);
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

/** `portcullis user SUB ...` */
async function runUserCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...more] = args;
  switch (sub) {
    case 'add':
      return (await import('./users.ts')).runUserAdd(more, io);
    case 'invite':
      return (await import('./invite.ts')).runUserInvite(more, io);
    case 'list':
      return (await import('./users.ts')).runUserList(more, io);
    case 'unlock':
      return (await import('./unlock.ts')).runUserUnlock(more, io);
    case 'reset-mfa':
      return (await import('./reset-mfa.ts')).runUserResetMfa(more, io);
    case 'sessions':
      return (await import('./sessions.ts')).runUserSessions(more, io, 'list');
    case 'revoke-sessions':
      return (await import('./sessions.ts')).runUserSessions(more, io, 'revoke');
    case 'devices':
      return (await import('./devices.ts')).runUserDevices(more, io);
    case 'forget-device':
      return (await import('./devices.ts')).runUserForgetDevice(more, io);
    case 'push-unblock':
      return (await import('./push-unblock.ts')).runUserPushUnblock(more, io);
    default:
      io.stderr.write(
        'usage: portcullis user add|invite|list|unlock|reset-mfa|sessions|revoke-sessions|devices|forget-device|push-unblock ...\n',
      );
      return 2;
  }
}
