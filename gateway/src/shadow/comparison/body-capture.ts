import type { Readable } from 'node:stream';
import type { BodyObserver } from '../../proxy/taps.ts';

/**
 * Collects a body up to `limit` bytes. Past the limit it keeps nothing more and marks the
 * capture truncated: a comparison of half a body would only report nonsense. As the proxy's
 * body observer it follows an answer as it arrives, and starts over with a retried one.
 */
export class BodyCapture implements BodyObserver {
  readonly limit: number;
  #chunks: Buffer[] = [];
  #size = 0;
  #truncated = false;
  #complete = false;

  constructor(limit: number) {
    this.limit = limit;
  }

  get truncated(): boolean {
    return this.#truncated;
  }

  /** Whether the whole body arrived (an answer broken off midway is never compared). */
  get complete(): boolean {
    return this.#complete;
  }

  /** Returns false once the limit is passed, so a reader can stop early. */
  chunk(chunk: Buffer | string): boolean {
    if (this.#truncated) return false;
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.#size += buffer.length;
    if (this.#size > this.limit) {
      this.#truncated = true;
      this.#chunks = [];
      return false;
    }
    this.#chunks.push(buffer);
    return true;
  }

  reset(): void {
    this.#chunks = [];
    this.#size = 0;
    this.#truncated = false;
    this.#complete = false;
  }

  end(): void {
    this.#complete = true;
  }

  body(): Buffer {
    return Buffer.concat(this.#chunks);
  }
}

/** Reads a whole stream into a capture, abandoning it once the limit is passed. */
export function captureStream(stream: Readable, limit: number): Promise<BodyCapture> {
  // Events rather than async iteration: this runs for every shadow, and is cheaper so.
  return new Promise((resolve, reject) => {
    const capture = new BodyCapture(limit);
    stream.on('data', (chunk: Buffer) => {
      if (capture.chunk(chunk)) return;
      stream.destroy();
      resolve(capture);
    });
    stream.once('end', () => {
      capture.end();
      resolve(capture);
    });
    stream.once('error', reject);
  });
}
