import { readFileSync } from 'node:fs';
import DataLoader from 'dataloader';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { parse } from 'graphql';
import type { Cart } from '@fig/domain/carts';
import type { CartsRepository } from '@fig/domain/repositories';
import { DomainError } from '@fig/domain/errors';
import { type CheckoutArgs, checkoutInputFromGraphql } from '@fig/domain/graphql-checkout';
import { callerOf, requireCaller } from '@fig/domain/identity';
import type { CheckoutInput, CheckoutResult } from '@fig/domain/routes/checkout';
import type { CartAdoption } from '../carts/adopt-carts.ts';
import { mountSubgraph } from '@fig/federation/subgraph-server';

export const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

interface Context {
  request: FastifyRequest;
  carts: DataLoader<string, Cart | null>;
}

const toGraphql = (cart: Cart) => ({
  id: cart.cart_id,
  totalCents: cart.total_cents,
  items: cart.items.map((item) => ({
    sku: item.sku,
    quantity: item.quantity,
    product: { __typename: 'Product', id: item.product_id },
  })),
});

/** The `checkout` subgraph: carts and the checkout mutation, answered by the same saga as REST. */
export const checkoutSubgraph: FastifyPluginAsync<{
  carts: CartsRepository;
  /** Brings a cart over from the monolith the first time it is asked for here. */
  adopt: CartAdoption['adopt'];
  placeOrder: (input: CheckoutInput) => Promise<CheckoutResult>;
}> = async (app, { carts, adopt, placeOrder }) => {
  await mountSubgraph<Context>(app, {
    typeDefs,
    context: (request) => ({
      request,
      carts: new DataLoader(async (ids) => {
        await Promise.all(ids.map((id) => adopt(id, callerOf(request))));
        return Promise.all(
          ids.map(async (id) => {
            try {
              return await carts.get(id, callerOf(request));
            } catch (error) {
              if (error instanceof DomainError.CartNotFound) return null;
              throw error;
            }
          }),
        );
      }),
    }),
    resolvers: {
      Query: {
        cart: async (_: unknown, args: { id: string }, context: Context) => {
          const cart = await context.carts.load(args.id);
          return cart && toGraphql(cart);
        },
      },
      Mutation: {
        createCart: async (_: unknown, _args: unknown, context: Context) =>
          toGraphql(await carts.create(callerOf(context.request))),
        addToCart: async (
          _: unknown,
          args: { cartId: string; sku: string; quantity: number },
          context: Context,
        ) => {
          // The REST schema bounds quantity; GraphQL's Int does not, so the same rule is checked here.
          if (args.quantity < 1 || args.quantity > 1000) throw new DomainError.InvalidQuantity(args.quantity);
          await adopt(args.cartId, callerOf(context.request));
          return toGraphql(
            await carts.addItem(args.cartId, args.sku, args.quantity, callerOf(context.request)),
          );
        },
        removeFromCart: async (_: unknown, args: { cartId: string; sku: string }, context: Context) => {
          await adopt(args.cartId, callerOf(context.request));
          return toGraphql(await carts.removeItem(args.cartId, args.sku, callerOf(context.request)));
        },
        checkout: async (_: unknown, args: CheckoutArgs, context: Context) => {
          await adopt(args.cartId, callerOf(context.request));
          const result = await placeOrder(checkoutInputFromGraphql(args, requireCaller(context.request)));
          return {
            orderId: result.order_id,
            status: result.status,
            totalCents: result.total_cents,
            order: { __typename: 'Order', id: result.order_id },
          };
        },
      },
      Cart: {
        async __resolveReference(reference: { id: string }, context: Context) {
          const cart = await context.carts.load(reference.id);
          return cart && toGraphql(cart);
        },
      },
    },
  });
};
