import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyInstance } from 'fastify';

const requestIds = new AsyncLocalStorage<string>();

/**
 * Keeps each request's id reachable from code that has no request at hand — the saga's calls
 * to inventory, payment and the monolith — so one x-request-id follows a checkout through
 * every service's logs.
 */
export function trackRequestIds(app: FastifyInstance) {
  app.addHook('onRequest', (request, _reply, done) => requestIds.run(request.id, done));
}

export function currentRequestId(): string | undefined {
  return requestIds.getStore();
}
