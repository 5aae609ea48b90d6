import { readFileSync } from 'node:fs';
import DataLoader from 'dataloader';
import type { FastifyPluginAsync } from 'fastify';
import { parse } from 'graphql';
import { skuForProductId } from '@fig/domain/ids';
import type { StockLevel } from '@fig/domain/inventory';
import type { InventoryRepository } from '@fig/domain/repositories';
import { mountSubgraph } from '@fig/federation/subgraph-server';

export const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

interface Context {
  stock: DataLoader<string, StockLevel | null>;
}

/** The `inventory` subgraph: Product.stock, each request's lookups batched into one query. */
export const inventorySubgraph: FastifyPluginAsync<{ inventory: InventoryRepository }> = async (
  app,
  { inventory },
) => {
  await mountSubgraph<Context>(app, {
    typeDefs,
    context: () => ({
      stock: new DataLoader(async (skus) => {
        const levels = await inventory.stockOfMany(skus);
        return skus.map((sku) => levels.get(sku) ?? null);
      }),
    }),
    resolvers: {
      Product: {
        async __resolveReference(reference: { id: string }, context: Context) {
          const sku = skuForProductId(reference.id);
          return { id: reference.id, stock: sku ? await context.stock.load(sku) : null };
        },
      },
    },
  });
};
