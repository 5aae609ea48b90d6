import type { FastifyPluginAsync } from 'fastify';
import { DomainError } from '../errors.ts';
import { scopeRequired } from '../identity.ts';
import type { ItemQuantity } from '../inventory.ts';
import type { InventoryRepository } from '../repositories.ts';
import { reservation, reservationRequest, skuParams, stockLevel } from '../schemas/inventory.ts';
import { errorResponses, idParams } from '../schemas/shared.ts';

/** `/api/inventory`: stock levels and reservations, identical on the monolith and the inventory service. */
export const inventoryRoutes: FastifyPluginAsync<{ inventory: InventoryRepository }> = async (
  app,
  { inventory },
) => {
  app.get<{ Params: { sku: string } }>(
    '/api/inventory/:sku',
    { schema: { params: skuParams, response: { 200: stockLevel, ...errorResponses } } },
    async (request) => {
      const level = await inventory.stockOf(request.params.sku);
      if (!level) throw new DomainError.SkuNotFound(request.params.sku);
      return level;
    },
  );

  // Holding and selling stock belong to the checkout saga: a service token with this scope.
  const reserver = scopeRequired('inventory:reserve');

  app.post<{ Body: { items: ItemQuantity[]; ttl_seconds: number } }>(
    '/api/inventory/reservations',
    {
      onRequest: reserver,
      schema: { body: reservationRequest, response: { 201: reservation, ...errorResponses } },
    },
    async (request, reply) =>
      reply.code(201).send(await inventory.reserve(request.body.items, request.body.ttl_seconds)),
  );

  app.get<{ Params: { id: string } }>(
    '/api/inventory/reservations/:id',
    { onRequest: reserver, schema: { params: idParams, response: { 200: reservation, ...errorResponses } } },
    async (request) => inventory.get(request.params.id),
  );

  // Not in the legacy API's first version: the checkout saga needs to turn a hold into a sale.
  app.post<{ Params: { id: string } }>(
    '/api/inventory/reservations/:id/commit',
    { onRequest: reserver, schema: { params: idParams, response: { 200: reservation, ...errorResponses } } },
    async (request) => inventory.commit(request.params.id),
  );

  app.delete<{ Params: { id: string } }>(
    '/api/inventory/reservations/:id',
    {
      onRequest: reserver,
      schema: { params: idParams, response: { 204: { type: 'null' }, ...errorResponses } },
    },
    async (request, reply) => {
      await inventory.release(request.params.id);
      return reply.code(204).send();
    },
  );
};

/**
 * `GET /internal/stock`: units on hand of every sku, for the monolith's copy of the stock
 * (docs/data-consistency.md). Internal listener only, with the stock-holding scope.
 */
export const stockSnapshotRoute: FastifyPluginAsync<{ inventory: InventoryRepository }> = async (
  app,
  { inventory },
) => {
  app.get('/internal/stock', { onRequest: scopeRequired('inventory:reserve') }, async () => ({
    items: await inventory.onHand(),
  }));
};
