import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import type { BodyBudget } from './body-budget.ts';

// Bodies up to this size are read into memory so a request can be retried or sent to the
// monolith after a failure; larger ones stream straight through, once.
export const replayableBodyBytes = 64 * 1024;

// Fastify reads no body for these, whatever the headers say.
const bodyless = new Set(['GET', 'HEAD', 'TRACE']);

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

/**
 * Request bodies are passed through untouched, whatever their content type. A small one is
 * read whole (replayable) when the body budget has room for its declared length; otherwise it
 * streams through like a large one, and can only go elsewhere if none of it was sent.
 */
export function acceptAnyBody(app: FastifyInstance, budget: BodyBudget): void {
  // Requests over the budget; few, so a set costs nothing on the usual path.
  const overBudget = new WeakSet<FastifyRequest>();
  // The reply is known here, not in the parser: the share is held until the response closes.
  app.addHook('preParsing', (request, reply, payload, done) => {
    const declared = request.headers['content-length'];
    if (declared !== undefined && !bodyless.has(request.method)) {
      const length = Number(declared);
      if (length > 0 && length <= replayableBodyBytes && !budget.hold(reply.raw, length, 'streamed')) {
        overBudget.add(request);
      }
    }
    done(null, payload);
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (request, payload, done) => {
    const declared = request.headers['content-length'];
    const length = declared === undefined ? Number.NaN : Number(declared);
    if (!(length <= replayableBodyBytes) || overBudget.has(request)) {
      done(null, payload);
      return;
    }
    const chunks: Buffer[] = [];
    payload.on('data', (chunk: Buffer) => chunks.push(chunk));
    payload.on('end', () => done(null, Buffer.concat(chunks)));
    payload.on('error', (error) => done(error, undefined));
  });
}
