import { type Catalog, type Inventory, type Product } from '@fig/domain';
import { errorResponses, idParams, product, productListQuery, productPage } from '@fig/domain/schemas';
import type { FastifyPluginAsync } from 'fastify';

/** The catalog joined with what is available right now (the monolith still owns stock). */
export function withStock(products: Product[], inventory: Inventory) {
  const levels = inventory.stockOfMany(products.map((p) => p.sku));
  return products.map((p) => ({ ...p, stock: levels.get(p.sku)?.available ?? 0 }));
}

export const catalogRoutes: FastifyPluginAsync<{ catalog: Catalog; inventory: Inventory }> = async (
  app,
  { catalog, inventory },
) => {
  app.get<{ Querystring: { limit: number; cursor?: string } }>(
    '/api/products',
    { schema: { querystring: productListQuery, response: { 200: productPage, ...errorResponses } } },
    async (request) => {
      const page = catalog.list(request.query.limit, request.query.cursor);
      return { items: withStock(page.items, inventory), next_cursor: page.next_cursor };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/products/:id',
    { schema: { params: idParams, response: { 200: product, ...errorResponses } } },
    async (request) => withStock([catalog.get(request.params.id)], inventory)[0],
  );
};
