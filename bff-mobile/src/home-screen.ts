import { readFileSync } from 'node:fs';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { BffContext, ExecuteOnGraph } from '@fig/federation';
import { GraphQLError, type GraphQLFormattedError, parse } from 'graphql';

export const mobileSubgraphSdl = readFileSync(new URL('./graphql/schema.graphql', import.meta.url), 'utf8');

const finishedStatuses = new Set(['delivered', 'cancelled', 'canceled', 'refunded', 'failed']);
const maxFeatured = 20;

// Only keys: the fields a client selects on these come from their owners through federation.
const keysQuery = `query HomeScreenKeys($cartId: ID!, $withCart: Boolean!, $featured: Int!) {
  products(first: $featured) { items { id } }
  cart(id: $cartId) @include(if: $withCart) { items { quantity } }
  me { orders { id status } }
}`;

interface Keys {
  products?: { items: { id: string }[] };
  cart?: { items: { quantity: number }[] } | null;
  me?: { orders: { id: string; status: string }[] } | null;
}

interface Screen {
  keys: Keys;
  errors: readonly GraphQLFormattedError[];
}

/** A field's value, or its owner's error when the keys it needs could not be read. */
function answer<T>(screen: Screen, root: keyof Keys, value: (keys: Keys) => T): T {
  const failed = screen.errors.find((error) => error.path?.[0] === root);
  if (failed) {
    throw new GraphQLError(failed.message, {
      extensions: { code: failed.extensions?.code ?? 'SUBGRAPH_ERROR' },
    });
  }
  return value(screen.keys);
}

/**
 * The BFF-local subgraph behind `homeScreen`. It gathers keys with one operation on the
 * BFF's own graph — so the caller's override decisions apply (a cart on the checkout service
 * is read there) — and returns references; the planner then fetches the selected fields
 * from the owning subgraphs in batches.
 */
export function homeScreenSubgraph(execute: ExecuteOnGraph) {
  const resolvers = {
    Query: {
      homeScreen: async (
        _: unknown,
        args: { cartId?: string | null; featuredCount: number },
        context: BffContext,
      ) => {
        if (args.featuredCount < 0 || args.featuredCount > maxFeatured) {
          throw new GraphQLError(`featuredCount must be between 0 and ${maxFeatured}`, {
            extensions: { code: 'BAD_USER_INPUT' },
          });
        }
        const { data, errors = [] } = await execute(
          keysQuery,
          { cartId: args.cartId ?? '', withCart: Boolean(args.cartId), featured: args.featuredCount },
          context,
        );
        return { keys: (data ?? {}) as Keys, errors };
      },
    },
    HomeScreen: {
      featured: (screen: Screen) =>
        answer(screen, 'products', (keys) =>
          (keys.products?.items ?? []).map(({ id }) => ({ __typename: 'Product', id })),
        ),
      cartItemCount: (screen: Screen) =>
        answer(screen, 'cart', (keys) =>
          (keys.cart?.items ?? []).reduce((sum, item) => sum + item.quantity, 0),
        ),
      activeOrders: (screen: Screen) =>
        answer(screen, 'me', (keys) =>
          (keys.me?.orders ?? [])
            .filter((order) => !finishedStatuses.has(order.status))
            .map(({ id }) => ({ __typename: 'Order', id })),
        ),
    },
  };
  return buildSubgraphSchema([{ typeDefs: parse(mobileSubgraphSdl), resolvers }]);
}
