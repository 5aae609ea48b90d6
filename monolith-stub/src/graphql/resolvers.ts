import {
  type Cart,
  type CartItem,
  type CheckoutInput,
  type CheckoutResult,
  DomainError,
  type Order,
  type OrderItem,
  type Payment,
  type Product,
  productIdForSku,
  type User,
} from '@fig/domain';
import { type CheckoutArgs, checkoutInputFromGraphql } from '@fig/domain/graphql-checkout';
import type { LoaderSources, Loaders } from './loaders.ts';

export interface GraphqlContext {
  callerId?: string;
  loaders: Loaders;
}

export interface ResolverSources extends LoaderSources {
  placeOrder: (input: CheckoutInput) => CheckoutResult | Promise<CheckoutResult>;
}

function caller(context: GraphqlContext): string {
  if (!context.callerId) throw new DomainError.Unauthenticated();
  return context.callerId;
}

const productOf = (item: { sku: string }, _args: unknown, { loaders }: GraphqlContext) => {
  const id = productIdForSku(item.sku);
  return id ? loaders.product.load(id) : null;
};

/**
 * GraphQL over the same domain modules as REST. Parent objects are the domain's snake_case
 * records; the camelCase fields are mapped here, so REST and GraphQL cannot drift apart.
 */
export function createResolvers(sources: ResolverSources) {
  return {
    Query: {
      products: (_: unknown, args: { first: number; after?: string | null }) => {
        const first = Math.min(Math.max(args.first, 1), 100);
        return sources.catalog.list(first, args.after ?? undefined);
      },
      product: (_: unknown, { id }: { id: string }, { loaders }: GraphqlContext) => loaders.product.load(id),
      me: (_: unknown, __: unknown, { callerId, loaders }: GraphqlContext) =>
        callerId ? loaders.user.load(callerId) : null,
      order: (_: unknown, { id }: { id: string }, context: GraphqlContext) => {
        caller(context);
        return context.loaders.order.load(id);
      },
      cart: (_: unknown, { id }: { id: string }, { loaders }: GraphqlContext) => loaders.cart.load(id),
      payment: (_: unknown, { id }: { id: string }, { loaders }: GraphqlContext) => loaders.payment.load(id),
    },
    Mutation: {
      createCart: (_: unknown, __: unknown, { callerId }: GraphqlContext) => sources.carts.create(callerId),
      addToCart: (
        _: unknown,
        args: { cartId: string; sku: string; quantity: number },
        { callerId }: GraphqlContext,
      ) => {
        if (args.quantity < 1 || args.quantity > 1000) throw new DomainError.InvalidQuantity(args.quantity);
        return sources.carts.addItem(args.cartId, args.sku, args.quantity, callerId);
      },
      removeFromCart: (_: unknown, args: { cartId: string; sku: string }, { callerId }: GraphqlContext) =>
        sources.carts.removeItem(args.cartId, args.sku, callerId),
      checkout: async (_: unknown, args: CheckoutArgs, context: GraphqlContext) =>
        sources.placeOrder(checkoutInputFromGraphql(args, caller(context))),
    },
    ProductConnection: {
      nextCursor: (page: { next_cursor: string | null }) => page.next_cursor,
    },
    Product: {
      __resolveReference: ({ id }: { id: string }, { loaders }: GraphqlContext) => loaders.product.load(id),
      priceCents: (product: Product) => product.price_cents,
      stock: (product: Product, _: unknown, { loaders }: GraphqlContext) => loaders.stock.load(product.sku),
    },
    User: {
      __resolveReference: ({ id }: { id: string }, { loaders }: GraphqlContext) => loaders.user.load(id),
      orders: (user: User) => sources.orders.forUser(user.id),
    },
    Order: {
      __resolveReference: ({ id }: { id: string }, { loaders }: GraphqlContext) => loaders.order.load(id),
      id: (order: Order) => order.order_id,
      totalCents: (order: Order) => order.total_cents,
      createdAt: (order: Order) => order.created_at,
    },
    OrderItem: {
      unitPriceCents: (item: OrderItem) => item.unit_price_cents,
      product: productOf,
    },
    Cart: {
      __resolveReference: ({ id }: { id: string }, { loaders }: GraphqlContext) => loaders.cart.load(id),
      id: (cart: Cart) => cart.cart_id,
      totalCents: (cart: Cart) => cart.total_cents,
    },
    CartItem: {
      product: (item: CartItem, args: unknown, context: GraphqlContext) => productOf(item, args, context),
    },
    Payment: {
      __resolveReference: ({ id }: { id: string }, { loaders }: GraphqlContext) => loaders.payment.load(id),
      id: (payment: Payment) => payment.payment_id,
      amountCents: (payment: Payment) => payment.amount_cents,
    },
    CheckoutResult: {
      orderId: (result: CheckoutResult) => result.order_id,
      totalCents: (result: CheckoutResult) => result.total_cents,
      order: (result: CheckoutResult, _: unknown, { loaders }: GraphqlContext) =>
        loaders.order.load(result.order_id),
    },
  };
}
