/**
 * The commands that touch live state (unlock, sessions, revoke-sessions, reset-mfa, devices,
 * forget-device, access-code) ask the running gateway first, through its admin API: the gateway
 * holds the state whatever its stores are (a memory store included), ends sessions at once and
 * audits the action with its token's name.
 *
 * Three outcomes:
 * - `answered`: the gateway did it; the command prints the answer.
 * - `refused`: the gateway answered with a refusal (wrong token, unknown user...). That is an
 *   error (exit 1), never a reason to go around the gateway: the message is already written.
 * - `unreachable`: no gateway answers there. The command may act on the stores directly, when
 *   they are shared with the gateway (the durable store always is; the ephemeral one when it is
 *   Redis), after writing `notice: <reason>; <what it does instead>` to stderr.
 */
import type { LoadedFiles } from '../config/load.ts';
import { answerError, gatewayClient } from './gateway-client.ts';
import type { CliIo } from './io.ts';

export type LiveAnswer<T> =
  | { readonly kind: 'answered'; readonly body: T }
  | { readonly kind: 'refused' }
  | { readonly kind: 'unreachable'; readonly reason: string };

/**
 * One admin API call. `expected` is the status of success; another status is a refusal, said on
 * stderr with the gateway's error code (never the token).
 */
export async function askGateway<T>(
  io: CliIo,
  files: LoadedFiles,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  expected: number,
  body?: unknown,
): Promise<LiveAnswer<T>> {
  const client = gatewayClient(files, io.env ? { env: io.env } : {});
  const answer = await client.call(method, path, body);
  if (answer.kind === 'unreachable') return answer;
  if (answer.status === expected) return { kind: 'answered', body: answer.body as T };
  io.stderr.write(
    `portcullis: the gateway at ${client.origin} refused: ${answer.status} ${answerError(answer.body)}\n`,
  );
  return { kind: 'refused' };
}

/** `notice: <why the gateway was not asked>; <what the command does instead>` on stderr. */
export function fallbackNotice(io: CliIo, reason: string, instead: string): void {
  io.stderr.write(`notice: ${reason}; ${instead}\n`);
}

/** The path of a user's admin API resource: `users/<name>/<rest>`. */
export const userPath = (user: string, rest = ''): string =>
  `users/${encodeURIComponent(user)}${rest === '' ? '' : `/${rest}`}`;
