import type { FastifyPluginAsync } from 'fastify';
import type { CartsRepository } from '../repositories.ts';
import { runFor } from '../dry-run.ts';
import { callerOf } from '../identity.ts';
import { optionalBody } from './optional-body.ts';
import { addCartItemRequest, cart, cartItemParams } from '../schemas/carts.ts';
import { emptyBody, errorResponses, idParams, identityHeaders } from '../schemas/shared.ts';

/** `/api/carts`, identical on the monolith and the checkout service; writes honour `x-fig-dry-run`. */
export const cartRoutes: FastifyPluginAsync<{ carts: CartsRepository }> = async (app, { carts }) => {
  const headers = identityHeaders;

  app.post(
    '/api/carts',
    {
      preValidation: optionalBody,
      schema: { headers, body: emptyBody, response: { 201: cart, ...errorResponses } },
    },
    async (request, reply) =>
      reply.code(201).send(await runFor(request, carts.rehearse)(() => carts.create(callerOf(request)))),
  );

  app.get<{ Params: { id: string } }>(
    '/api/carts/:id',
    { schema: { headers, params: idParams, response: { 200: cart, ...errorResponses } } },
    async (request) => carts.get(request.params.id, callerOf(request)),
  );

  app.post<{ Params: { id: string }; Body: { sku: string; quantity: number } }>(
    '/api/carts/:id/items',
    {
      schema: {
        headers,
        params: idParams,
        body: addCartItemRequest,
        response: { 200: cart, ...errorResponses },
      },
    },
    async (request) =>
      await runFor(
        request,
        carts.rehearse,
      )(() => carts.addItem(request.params.id, request.body.sku, request.body.quantity, callerOf(request))),
  );

  app.delete<{ Params: { id: string; sku: string } }>(
    '/api/carts/:id/items/:sku',
    { schema: { headers, params: cartItemParams, response: { 200: cart, ...errorResponses } } },
    async (request) =>
      await runFor(
        request,
        carts.rehearse,
      )(() => carts.removeItem(request.params.id, request.params.sku, callerOf(request))),
  );
};
