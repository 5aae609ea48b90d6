import type { FastifyInstance } from 'fastify';

// Bodies up to this size are read into memory so a request can be retried or sent to the
// monolith after a failure; larger or chunked bodies stream straight through, and are sent
// once, to the backend first chosen.
export const replayableBodyBytes = 64 * 1024;

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
