import { timingSafeEqual } from 'node:crypto';
import { DomainError, type Order, type Orders } from '@fig/domain';
import { errorResponses, idParams, order, recordOrderRequest } from '@fig/domain/schemas';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Keystore } from '../auth/keystore.ts';

function tokenMatches(given: unknown, expected: string) {
  if (typeof given !== 'string' || given.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

/**
 * Service-to-service endpoints, never meant for clients. Requests that came through a proxy are
 * refused; the rest need a service token with the endpoint's scope (or INTERNAL_TOKEN, when set).
 */
export const internalRoutes: FastifyPluginAsync<{
  orders: Orders;
  keystore: Keystore;
  internalToken?: string;
}> = async (app, { orders, keystore, internalToken }) => {
  app.addHook('onRequest', async (request: FastifyRequest) => {
    // The edge adds X-Forwarded-For to everything it proxies; services call us directly. So
    // a client cannot reach these via the edge, whatever it holds.
    if (request.headers['x-forwarded-for'] !== undefined || request.headers.forwarded !== undefined) {
      throw new DomainError.Forbidden('internal endpoints are not reachable through a proxy');
    }
  });

  // A service token with the endpoint's scope is the way in; INTERNAL_TOKEN, where set, still
  // works for callers that have not moved to service tokens yet.
  const allowed = (scope: string, openWithoutInternalToken: boolean) => async (request: FastifyRequest) => {
    if (request.caller?.scopes.includes(scope)) return;
    if (internalToken && tokenMatches(request.headers['x-internal-token'], internalToken)) return;
    if (request.caller) throw new DomainError.InsufficientScope(scope);
    if (internalToken) throw new DomainError.Forbidden('internal endpoints need a valid x-internal-token');
    if (!openWithoutInternalToken) throw new DomainError.Unauthenticated();
  };

  // The checkout service records each order it places (and later status changes) here, so
  // GET /api/orders stays the one place a user's order history lives. Idempotent upsert.
  app.put<{ Params: { id: string }; Body: Omit<Order, 'order_id'> }>(
    '/internal/orders/:id',
    {
      onRequest: allowed('orders:record', false),
      schema: {
        params: idParams,
        body: recordOrderRequest,
        response: { 200: order, 201: order, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { created } = orders.record({ ...request.body, order_id: request.params.id });
      return reply.code(created ? 201 : 200).send(orders.get(request.params.id));
    },
  );

  // Local dev (no INTERNAL_TOKEN) keeps `npm run rotate-keys` working without credentials.
  app.post('/internal/keys/rotate', { onRequest: allowed('keys:rotate', true) }, async () =>
    keystore.rotate(),
  );
};
