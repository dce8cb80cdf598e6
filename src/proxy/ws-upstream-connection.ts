import type { Socket } from 'node:net';
import { isIP, connect as netConnect } from 'node:net';
import { type ConnectionOptions, type TLSSocket, connect as tlsConnect } from 'node:tls';
import type { AppRuntime } from '../state.ts';

/**
 * The app a WebSocket handshake to an upstream is for, carried on the handshake's headers object
 * under a symbol: never written on the wire (Node writes string keys only), kept by the copies the
 * WebSocket client makes of the headers, and read back when it opens the connection.
 */
export const WS_UPSTREAM_APP = Symbol('portcullis.ws-upstream-app');

type Options = ConnectionOptions & {
  host?: string;
  port?: number;
  defaultPort?: number;
  path?: string | undefined;
  headers?: Record<string | symbol, unknown>;
};
type Created = (error: Error | null, socket?: Socket) => void;

/**
 * The WebSocket client's `createConnection` towards the upstreams: a wss:// upstream is reached
 * with its app's `upstream_options.tls` (CA file, server name, pinned certificates), as HTTP
 * requests are (upstream-pools.ts). The connection is handed to the handshake only once TLS is
 * established and, for pins, the certificate's fingerprint was found among them: with any other
 * certificate not a byte of the handshake (with its identity headers) is sent.
 */
export function wsUpstreamConnection(options: Options, created: Created): Socket | undefined {
  const secure = options.defaultPort === 443;
  if (!secure) return netConnect(options as never);
  const app = options.headers?.[WS_UPSTREAM_APP] as AppRuntime | undefined;
  const tls = app?.upstreamSettings.tls;
  const pins = tls?.pins ?? [];
  const socket: TLSSocket = tlsConnect({
    ...options,
    path: undefined,
    servername: tls?.serverName ?? options.servername ?? (isIP(options.host ?? '') !== 0 ? '' : options.host),
    ...(tls?.ca ? { ca: tls.ca } : {}),
    // a pinned certificate is the trust itself (checked below, before the handshake is written)
    ...(pins.length > 0 ? { rejectUnauthorized: false } : {}),
  });
  const failed = (error: Error) => created(error);
  socket.once('error', failed);
  socket.once('secureConnect', () => {
    socket.off('error', failed);
    if (pins.length > 0 && !pins.includes(socket.getPeerCertificate().fingerprint256)) {
      socket.destroy();
      created(
        Object.assign(new Error('the upstream certificate is not one of the pinned certificates'), {
          code: 'ERR_PORTCULLIS_PIN',
        }),
      );
      return;
    }
    created(null, socket);
  });
  return undefined;
}
