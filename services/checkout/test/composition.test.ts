import { readFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url);
const subgraph = (name: string, path: string) => ({
  name,
  url: `http://${name}.invalid/graphql`,
  typeDefs: parse(readFileSync(new URL(path, root), 'utf8')),
});

describe('the services subgraphs', () => {
  it('compose with the monolith subgraph, taking fields over by progressive @override', () => {
    const result = composeServices([
      subgraph('monolith', 'monolith-stub/src/graphql/schema.graphql'),
      subgraph('inventory', 'services/inventory/src/graphql/schema.graphql'),
      subgraph('payment', 'services/payment/src/graphql/schema.graphql'),
      subgraph('checkout', 'services/checkout/src/graphql/schema.graphql'),
    ]);
    expect(result.errors?.map((error) => error.message)).toBeUndefined();
    const overridden = (result.hints ?? [])
      .filter((hint) => hint.definition.code === 'OVERRIDE_MIGRATION_IN_PROGRESS')
      .map((hint) => /Field "([^"]+)"/.exec(hint.message)?.[1])
      .sort();
    expect(overridden).toEqual(
      [
        'Cart.items',
        'Cart.totalCents',
        'Mutation.addToCart',
        'Mutation.checkout',
        'Mutation.createCart',
        'Mutation.removeFromCart',
        'Payment.amountCents',
        'Payment.currency',
        'Payment.status',
        'Product.stock',
        'Query.cart',
        'Query.payment',
      ].sort(),
    );
  });
});
