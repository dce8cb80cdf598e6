/**
 * The process logger: JSON lines (pino) with redaction that makes secrets impossible to log.
 *
 * - Any key named like a secret (SECRET_KEYS, including the credential-carrying header names)
 *   is censored at the top level and up to three levels deep (`password`, `*.password`,
 *   `*.*.password`, `*.*.*.password`), plus the request/response header paths. Matching is by
 *   exact key name: deeper values, or keys like `access_token`, are not caught here, so never log
 *   raw credentials or whole request objects.
 * - The log message string itself is not redacted: never interpolate values into it.
 * - The `req` serializer logs method, host, the PATH ONLY (a query string may carry a code),
 *   remote address and request id; never headers. `res` logs the status code only.
 * - The `err` serializer keeps an error's `code` readable as `errorCode` when it looks like a
 *   constant (PC_ERR_..., ECONNREFUSED), since the key `code` itself is redacted.
 *
 * Use with Fastify as `Fastify({ loggerInstance: createLogger(...) })` (Fastify keeps these
 * serializers) or `Fastify({ logger: loggerOptions(level) })`.
 */
import { pino } from 'pino';

export const REDACTED = '[redacted]';

/** Key names whose values are never logged nor stored in the audit trail. */
export const SECRET_KEYS: readonly string[] = [
  'password',
  'passwd',
  'secret',
  'token',
  'code',
  'cookie',
  'key',
  'otp',
  'assertion',
  'recovery_code',
  'authorization',
  'proxy-authorization',
  'set-cookie',
  'x-portcullis-assertion',
];

const HEADER_PATHS = [
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["x-portcullis-assertion"]',
  'res.headers["set-cookie"]',
];

/** `.key`, or `["x-key"]` for names that are not identifiers. */
function segment(key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `.${key}` : `["${key}"]`;
}

/** Every redaction path: the header paths and each secret key at depth 0..3. */
export const REDACT_PATHS: readonly string[] = [
  ...HEADER_PATHS,
  ...SECRET_KEYS.flatMap((k) => {
    const s = segment(k);
    return [s.startsWith('.') ? k : s, `*${s}`, `*.*${s}`, `*.*.*${s}`];
  }),
];

/** The shape shared by Fastify requests and raw IncomingMessages, as far as logging goes. */
interface LoggableRequest {
  method?: string;
  url?: string;
  host?: string;
  hostname?: string;
  ip?: string;
  id?: string | number;
  headers?: Record<string, unknown>;
  socket?: { remoteAddress?: string };
}

/** The request path without query string or fragment. */
function pathOnly(url: string | undefined): string | undefined {
  if (typeof url !== 'string') return undefined;
  const q = url.search(/[?#]/);
  return q === -1 ? url : url.slice(0, q);
}

export function serializeRequest(req: LoggableRequest): Record<string, unknown> {
  const hostHeader = req.headers?.['host'];
  return {
    method: req.method,
    host: req.host ?? (typeof hostHeader === 'string' ? hostHeader : undefined),
    path: pathOnly(req.url),
    remoteAddress: req.ip ?? req.socket?.remoteAddress,
    id: req.id,
  };
}

export function serializeResponse(res: { statusCode?: number }): Record<string, unknown> {
  return { statusCode: res.statusCode };
}

const ERROR_CODE = /^[A-Z][A-Z0-9_]{1,63}$/;

export function serializeError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const out = pino.stdSerializers.err(err) as unknown as Record<string, unknown>;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && ERROR_CODE.test(code)) out['errorCode'] = code;
  return out;
}

/** pino options: level, redaction, serializers. */
export function loggerOptions(level = 'info'): pino.LoggerOptions {
  return {
    level,
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    serializers: { req: serializeRequest, res: serializeResponse, err: serializeError },
  };
}

export function createLogger(opts: { level?: string; destination?: pino.DestinationStream } = {}): pino.Logger {
  const options = loggerOptions(opts.level);
  return opts.destination ? pino(options, opts.destination) : pino(options);
}
