import { type Orders, requireCaller, requireReader } from '@fig/domain';
import { errorResponses, identityHeaders, idParams, order, orderList } from '@fig/domain/schemas';
import type { FastifyPluginAsync } from 'fastify';

/** The caller's orders, wherever they were placed (here, or recorded by the checkout service). */
export const orderRoutes: FastifyPluginAsync<{ orders: Orders }> = async (app, { orders }) => {
  app.get(
    '/api/orders',
    { schema: { headers: identityHeaders, response: { 200: orderList, ...errorResponses } } },
    async (request) => ({ items: orders.forUser(requireCaller(request)) }),
  );

  app.get<{ Params: { id: string } }>(
    '/api/orders/:id',
    { schema: { headers: identityHeaders, params: idParams, response: { 200: order, ...errorResponses } } },
    async (request) => orders.get(request.params.id, requireReader(request)),
  );
};
