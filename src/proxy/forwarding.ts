import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { AppRuntime } from '../state.ts';
import { clientResponseHeaders } from './response-headers.ts';

/** What happens when a forwarding ends. */
export interface ForwardingEnd {
  /** the upstream failed before the client got a byte: the caller answers 502 or 504 */
  failed(forwarding: Forwarding, status: 502 | 504, error: Error): void;
  /** the upstream's status and headers were passed on (the body follows) */
  responded(forwarding: Forwarding): void;
}

/** Timeouts are the upstream being slow (504); every other failure is the upstream being broken (502). */
const TIMEOUTS = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT']);

const FORWARDING = Symbol('portcullis.forwarding');
type Carrier = ServerResponse & { [FORWARDING]?: Forwarding };

/** The response's 'close' listener, one function for every request (`this` is the response). */
function clientClosed(this: Carrier): void {
  this[FORWARDING]?.clientGone();
}

/**
 * One request passed to its upstream and the answer passed back, as an undici dispatch handler:
 * both bodies are streamed with backpressure (undici pauses reading the upstream while the client
 * is slow; it reads the client's body as the upstream takes it), nothing is buffered. A client that
 * goes away aborts the upstream request. One object per request, no closures.
 */
export class Forwarding implements Dispatcher.DispatchHandler {
  /** the answer's status, once its head was written to the client */
  status = 0;
  #abort: ((reason?: Error) => void) | null = null;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly app: AppRuntime,
    /** performance.now() when the request arrived */
    readonly start: number,
    readonly end: ForwardingEnd,
    /** the caller's own, for its `end` */
    readonly opaque: unknown,
  ) {}

  onConnect(abort: (reason?: Error) => void): void {
    this.#abort = abort;
    if (this.res.destroyed) abort();
    else {
      (this.res as Carrier)[FORWARDING] = this;
      this.res.once('close', clientClosed);
    }
  }

  /** The client's connection closed: if the answer was not all written, the upstream request stops. */
  clientGone(): void {
    if (!this.res.writableFinished) this.#abort?.();
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    // informational answers (100, 103) are not passed on; the final one follows
    if (statusCode < 200) return true;
    const res = this.res;
    const headers = clientResponseHeaders(rawHeaders);
    // the upstream answered before it read the whole body: the client's connection cannot be reused
    if (!this.req.complete) headers.push('connection', 'close');
    try {
      res.writeHead(statusCode, headers);
    } catch (error) {
      // a status or header Node will not send (the answer is the upstream's fault): 502
      this.#abort?.(error as Error);
      return false;
    }
    this.status = statusCode;
    this.end.responded(this);
    res.on('drain', resume);
    return !res.writableNeedDrain;
  }

  onData(chunk: Buffer): boolean {
    return this.res.write(chunk);
  }

  onComplete(): void {
    this.res.end();
  }

  onError(error: Error): void {
    if (this.status === 0 && !this.res.headersSent && !this.res.destroyed) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      this.end.failed(this, TIMEOUTS.has(code) ? 504 : 502, error);
      return;
    }
    // the head is out: the client sees the answer cut, never a different one
    this.res.destroy();
  }
}
