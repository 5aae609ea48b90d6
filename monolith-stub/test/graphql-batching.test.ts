import { buildSubgraphSchema } from '@apollo/subgraph';
import {
  createCarts,
  createCatalog,
  createInventory,
  createOrders,
  createPayments,
  createUsers,
  openDatabase,
  seedProducts,
} from '@fig/common/domain/index';
import { graphql } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createCheckout } from '../src/checkout.ts';
import { createLoaders } from '../src/graphql/loaders.ts';
import { typeDefs } from '../src/graphql/plugin.ts';
import { createResolvers } from '../src/graphql/resolvers.ts';

// The real domain modules on a real database, with the batch reads recorded on the way through.
function recordedSources() {
  const db = openDatabase(':memory:', { name: 'batching' });
  const calls: { stock: string[][]; products: string[][] } = { stock: [], products: [] };
  const inventory = createInventory(db);
  const catalog = createCatalog(db);
  const carts = createCarts(db);
  const payments = createPayments(db);
  const orders = createOrders(db);
  const sources = {
    inventory: {
      ...inventory,
      stockOfMany: (skus: readonly string[]) => (calls.stock.push([...skus]), inventory.stockOfMany(skus)),
    },
    catalog: {
      ...catalog,
      getMany: (ids: readonly string[]) => (calls.products.push([...ids]), catalog.getMany(ids)),
    },
    users: createUsers(db),
    carts,
    payments,
    orders,
    placeOrder: createCheckout(db, { carts, inventory, payments, orders }),
  };
  return { sources, calls };
}

describe('legacy subgraph DataLoaders', () => {
  it('reads the stock of a whole page in one query', async () => {
    const { sources, calls } = recordedSources();
    const schema = buildSubgraphSchema({ typeDefs, resolvers: createResolvers(sources) as never });
    const result = await graphql({
      schema,
      source: '{ products(first: 20) { items { sku stock { available } } } }',
      contextValue: { loaders: createLoaders(sources, undefined) },
    });
    expect(result.errors).toBeUndefined();
    expect(calls.stock).toEqual([seedProducts.slice(0, 20).map((p) => p.sku)]);
  });

  it('resolves many entity references with one catalog read', async () => {
    const { sources, calls } = recordedSources();
    const schema = buildSubgraphSchema({ typeDefs, resolvers: createResolvers(sources) as never });
    const ids = seedProducts.slice(10, 15).map((p) => p.id);
    const result = await graphql({
      schema,
      source: 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id name } } }',
      variableValues: { r: [...ids, ids[0]].map((id) => ({ __typename: 'Product', id })) },
      contextValue: { loaders: createLoaders(sources, undefined) },
    });
    expect(result.errors).toBeUndefined();
    expect((result.data?._entities as { id: string }[]).map((p) => p.id)).toEqual([...ids, ids[0]]);
    expect(calls.products).toEqual([ids]);
  });
});
