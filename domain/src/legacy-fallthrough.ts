import type { FastifyInstance, FastifyRequest } from 'fastify';
import { dryRunHeader } from '@fig/routing-rules';
import { Agent, request as send } from 'undici';

export interface LegacyFallthroughOptions {
  /** The monolith's base URL. */
  legacyUrl: string;
  /** Whether the record named by the route's `:id` lives here. */
  owns(id: string): boolean | Promise<boolean>;
  timeoutMs?: number;
}

// What a caller's request means to the legacy side, and what its answer means to the caller.
const forwardedHeaders = [
  'content-type',
  'authorization',
  'x-user-id',
  'idempotency-key',
  'x-request-id',
  'traceparent',
  // A dry run passed on as a real request would do on the legacy side what the caller only rehearsed.
  dryRunHeader,
];
const returnedHeaders = ['content-type', 'idempotent-replayed'];

/**
 * Records created before a route moved here (a payment the monolith took last month) stay
 * where they were made: a request for an `:id` this service does not own is answered by the
 * monolith, verbatim, so clients keep reaching their old records through the new route.
 * When the monolith cannot be reached the request is handled here as usual (404).
 * Applies to the routes registered in `scope` after this call.
 */
export function addLegacyFallthrough(scope: FastifyInstance, options: LegacyFallthroughOptions) {
  const timeout = options.timeoutMs ?? 2000;
  const dispatcher = new Agent({ connectTimeout: timeout, headersTimeout: timeout, bodyTimeout: timeout });
  scope.addHook('onClose', async () => dispatcher.close());
  scope.addHook('preHandler', async (request: FastifyRequest, reply) => {
    const id = (request.params as { id?: unknown } | undefined)?.id;
    if (typeof id !== 'string' || (await options.owns(id))) return;
    const headers: Record<string, string> = {};
    for (const name of forwardedHeaders) {
      const value = request.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    try {
      const answer = await send(new URL(request.url, options.legacyUrl), {
        method: request.method as 'GET',
        headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        dispatcher,
      });
      const body = await answer.body.text();
      if (answer.statusCode >= 500) return;
      for (const name of returnedHeaders) {
        const value = answer.headers[name];
        if (typeof value === 'string') reply.header(name, value);
      }
      request.log.info({ id, status: answer.statusCode }, 'answered by the legacy side');
      return reply.code(answer.statusCode).send(body === '' ? undefined : body);
    } catch (error) {
      request.log.warn({ id, err: error }, 'legacy side unreachable; answering here');
    }
  });
}
