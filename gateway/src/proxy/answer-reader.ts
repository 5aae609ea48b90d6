import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { BodyObserver, UpstreamAnswer } from './taps.ts';

/**
 * Answers with a declared length up to this size are read whole before the client gets them,
 * as nginx buffers by default: one write to the client, a body the breaker and fallback can
 * still judge (a reset mid-body is a failure nobody has seen yet), and no stream per request.
 */
export const bufferedAnswerBytes = 64 * 1024;

const emptyBody = Buffer.alloc(0);

// No body, whatever the length says.
const bodyless = new Set([204, 304]);

/**
 * The undici dispatch handler of one upstream attempt. It settles once: with the answer —
 * read whole when small (see bufferedAnswerBytes), else as soon as its headers arrive with a
 * stream that follows the upstream with backpressure — or with the transport error. A stream
 * the client side destroys aborts the upstream request.
 */
export class AnswerReader implements Dispatcher.DispatchHandler {
  readonly #method: string;
  readonly #observer: BodyObserver | undefined;
  readonly #settle: (error: Error | null, answer?: UpstreamAnswer) => void;
  #settled = false;
  #statusCode = 0;
  #headers: IncomingHttpHeaders = {};
  #chunks: Buffer[] | undefined;
  #stream: Readable | undefined;

  constructor(
    method: string,
    observer: BodyObserver | undefined,
    settle: (error: Error | null, answer?: UpstreamAnswer) => void,
  ) {
    this.#method = method;
    this.#observer = observer;
    this.#settle = settle;
  }

  // Required by undici; nothing to do before the answer.
  onRequestStart(): void {}

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    if (statusCode < 200) return; // informational; the final answer follows
    this.#statusCode = statusCode;
    this.#headers = headers;
    this.#observer?.reset();
    const declared = Number(headers['content-length']);
    if (this.#method !== 'HEAD' && !bodyless.has(statusCode) && declared <= bufferedAnswerBytes) {
      this.#chunks = [];
      return;
    }
    let ended = false;
    this.#stream = new Readable({
      read: () => controller.resume(),
      destroy: (error, callback) => {
        if (!ended) controller.abort(error ?? new Error('the answer was abandoned'));
        callback(error);
      },
    });
    this.#stream.once('end', () => (ended = true));
    this.#finish(null, { statusCode, headers, body: this.#stream });
  }

  /** The upstream accepted a WebSocket handshake: its connection is now the tunnel's. */
  onRequestUpgrade(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
    socket: Socket,
  ): void {
    // Nobody listens to the socket's errors until it is spliced to the client; one unheard would crash.
    socket.on('error', () => socket.destroy());
    this.#finish(null, { statusCode, headers, body: emptyBody, tunnel: socket });
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#observer?.chunk(chunk);
    if (this.#chunks) this.#chunks.push(chunk);
    else if (this.#stream && !this.#stream.push(chunk)) controller.pause();
  }

  onResponseEnd(): void {
    this.#observer?.end();
    if (this.#stream) {
      this.#stream.push(null);
      return;
    }
    const chunks = this.#chunks ?? [];
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    this.#finish(null, { statusCode: this.#statusCode, headers: this.#headers, body });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.#settled) this.#stream?.destroy(error);
    else this.#finish(error);
  }

  #finish(error: Error | null, answer?: UpstreamAnswer): void {
    this.#settled = true;
    this.#settle(error, answer);
  }
}
