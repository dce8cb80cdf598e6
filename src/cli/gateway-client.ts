/**
 * How an administrator's command reaches the running gateway: its admin API (`/api/v1/`), so the
 * command works whatever the gateway's stores are (memory included).
 *
 * Where: `PORTCULLIS_ADMIN_URL` when set (a gateway on another host, or behind a tunnel), else
 * `server.admin_listen` of the configuration (a wildcard address is reached on loopback).
 * Token: `PORTCULLIS_ADMIN_TOKEN` when set, else the gateway's `data/admin.token`.
 *
 * A call ends in one of three ways: an answer (any status: the caller decides), `unreachable`
 * (nothing listens there, no token was ever generated, or no answer within the timeout: the
 * caller may fall back to the stores), or a thrown error for anything else. The token never
 * appears in a message.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ADMIN_TOKEN_FILE } from '../admin/admin-token.ts';
import { API_PREFIX } from '../admin/api-routes.ts';
import type { LoadedFiles } from '../config/load.ts';

export type GatewayAnswer =
  | { readonly kind: 'answer'; readonly status: number; readonly body: unknown }
  | { readonly kind: 'unreachable'; readonly reason: string };

export interface GatewayClient {
  /** the admin listener's origin, for messages */
  readonly origin: string;
  /** `path` is below `/api/v1/`, e.g. `users/alice/unlock` (already encoded) */
  call(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<GatewayAnswer>;
}

export interface GatewayClientOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** default 5 s */
  readonly timeoutMs?: number;
}

/** The admin listener's origin: a wildcard address is reached on loopback. */
export function adminOrigin(files: LoadedFiles, env: NodeJS.ProcessEnv): string {
  const given = env.PORTCULLIS_ADMIN_URL;
  if (given !== undefined && given !== '') {
    const url = new URL(given);
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new Error('PORTCULLIS_ADMIN_URL must be an http:// or https:// URL');
    return url.origin;
  }
  const listen = files.gateway.server.admin_listen;
  const at = listen.lastIndexOf(':');
  let host = listen.slice(0, at);
  const port = listen.slice(at + 1);
  if (host === '0.0.0.0' || host === '') host = '127.0.0.1';
  if (host === '[::]') host = '[::1]';
  return `http://${host}:${port}`;
}

async function tokenOf(files: LoadedFiles, env: NodeJS.ProcessEnv): Promise<string | null> {
  const given = env.PORTCULLIS_ADMIN_TOKEN;
  if (given !== undefined && given !== '') return given;
  try {
    return (await readFile(join(files.gateway.data_dir, ADMIN_TOKEN_FILE), 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`cannot read the admin token (data/${ADMIN_TOKEN_FILE}): ${(err as NodeJS.ErrnoException).code}`);
  }
}

/** Connection failures that mean "no gateway there". */
const NOBODY = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ENOTFOUND']);

export function gatewayClient(files: LoadedFiles, options: GatewayClientOptions = {}): GatewayClient {
  const env = options.env ?? process.env;
  const timeoutMs = options.timeoutMs ?? 5000;
  const origin = adminOrigin(files, env);
  return {
    origin,
    async call(method, path, body) {
      const token = await tokenOf(files, env);
      if (token === null)
        return { kind: 'unreachable', reason: `no admin token: the gateway has not started with this data folder` };
      let response: Response;
      try {
        response = await fetch(`${origin}${API_PREFIX}/${path}`, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(timeoutMs),
          redirect: 'error',
        });
      } catch (err) {
        const e = err as Error & { cause?: { code?: string } };
        if (e.name === 'TimeoutError')
          return { kind: 'unreachable', reason: `no answer from ${origin} within ${timeoutMs / 1000} s` };
        const code = e.cause?.code;
        if (code !== undefined && NOBODY.has(code))
          return { kind: 'unreachable', reason: `no gateway answers at ${origin} (${code})` };
        throw new Error(`cannot reach the gateway at ${origin}: ${code ?? e.message}`);
      }
      const text = await response.text();
      let parsed: unknown = null;
      if (text !== '') {
        try {
          parsed = JSON.parse(text);
        } catch {
          throw new Error(`the gateway at ${origin} answered ${response.status} with something other than JSON`);
        }
      }
      return { kind: 'answer', status: response.status, body: parsed };
    },
  };
}

/** The `error` of a refusal body, for messages. */
export function answerError(body: unknown): string {
  if (body !== null && typeof body === 'object' && typeof (body as { error?: unknown }).error === 'string')
    return (body as { error: string }).error;
  return 'unknown error';
}
