import type { FastifyInstance } from 'fastify';
import { Readable } from 'node:stream';

// Bodies up to this size are read into memory so a request can be retried or sent to the
// monolith after a failure; larger ones stream straight through, once.
export const replayableBodyBytes = 64 * 1024;

/**
 * Whether a request's body can still be sent (again) after a failed attempt: none, one held
 * in memory, or a stream nothing has been read from yet — the attempt failed before sending
 * any of it (a refused connection, an open breaker), so a large upload can still go to the
 * monolith whole.
 */
export function isReplayable(body: unknown): boolean {
  if (body === undefined || Buffer.isBuffer(body)) return true;
  return body instanceof Readable && !body.readableDidRead && !body.destroyed;
}

/** Request bodies are passed through untouched, whatever their content type. */
export function acceptAnyBody(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (request, payload, done) => {
    const declared = request.headers['content-length'];
    const length = declared === undefined ? Number.NaN : Number(declared);
    if (!(length <= replayableBodyBytes)) {
      done(null, payload);
      return;
    }
    const chunks: Buffer[] = [];
    payload.on('data', (chunk: Buffer) => chunks.push(chunk));
    payload.on('end', () => done(null, Buffer.concat(chunks)));
    payload.on('error', (error) => done(error, undefined));
  });
}
