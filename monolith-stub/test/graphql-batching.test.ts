import { buildSubgraphSchema } from '@apollo/subgraph';
import { openDatabase, seedProducts } from '@fig/domain';
import { graphql } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createDomainModules } from '../src/domain-modules.ts';
import { createLoaders } from '../src/graphql/loaders.ts';
import { typeDefs } from '../src/graphql/plugin.ts';
import { createResolvers } from '../src/graphql/resolvers.ts';

// The real domain modules on a real database, with the batch reads recorded on the way through.
function recordedSources() {
  const domain = createDomainModules(openDatabase(':memory:', { name: 'batching' }));
  const calls: { stock: string[][]; products: string[][] } = { stock: [], products: [] };
  const { inventory, catalog } = domain;
  const sources = {
    ...domain,
    inventory: {
      ...inventory,
      stockOfMany: (skus: readonly string[]) => (calls.stock.push([...skus]), inventory.stockOfMany(skus)),
    },
    catalog: {
      ...catalog,
      getMany: (ids: readonly string[]) => (calls.products.push([...ids]), catalog.getMany(ids)),
    },
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
      contextValue: { loaders: createLoaders(sources, undefined, undefined) },
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
      contextValue: { loaders: createLoaders(sources, undefined, undefined) },
    });
    expect(result.errors).toBeUndefined();
    expect((result.data?._entities as { id: string }[]).map((p) => p.id)).toEqual([...ids, ids[0]]);
    expect(calls.products).toEqual([ids]);
  });
});
