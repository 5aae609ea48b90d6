import type { Readable } from 'node:stream';

/**
 * Collects a body up to `limit` bytes. Past the limit it keeps nothing more and marks the
 * capture truncated: a comparison of half a body would only report nonsense.
 */
export class BodyCapture {
  readonly limit: number;
  #chunks: Buffer[] = [];
  #size = 0;
  #truncated = false;

  constructor(limit: number) {
    this.limit = limit;
  }

  get truncated(): boolean {
    return this.#truncated;
  }

  /** Returns false once the limit is passed, so a reader can stop early. */
  push(chunk: Buffer | string): boolean {
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
      if (capture.push(chunk)) return;
      stream.destroy();
      resolve(capture);
    });
    stream.once('end', () => resolve(capture));
    stream.once('error', reject);
  });
}
