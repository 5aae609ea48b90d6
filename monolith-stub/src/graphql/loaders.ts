import type {
  Cart,
  Carts,
  Catalog,
  Inventory,
  Order,
  Orders,
  Payment,
  Payments,
  Product,
  StockLevel,
  User,
  Users,
} from '@fig/domain';
import { mayRead, type Reader } from '@fig/domain';
import DataLoader from 'dataloader';

export interface LoaderSources {
  catalog: Catalog;
  inventory: Inventory;
  users: Users;
  orders: Orders;
  payments: Payments;
  carts: Carts;
}

// A missing row is `null`, not an error: GraphQL answers `product(id: "nope")` with null.
function attempt<T>(read: () => T): T | null {
  try {
    return read();
  } catch {
    return null;
  }
}

/**
 * Per-request DataLoaders: a page of 20 products asking for `stock` makes one stock query, and
 * entity references from the gateway (`_entities`) are resolved in one batch per type.
 * Every path to a user's entity (a query, `_entities`, a field of another entity) goes through
 * these, so this is where a user's records are limited to that user (or a service): someone
 * else's is null, exactly as if it did not exist.
 */
export function createLoaders(
  sources: LoaderSources,
  callerId: string | undefined,
  reader: Reader | undefined,
) {
  const readable = <T>(record: T | null | undefined, owner: (record: T) => string | null) =>
    record && mayRead(reader, owner(record)) ? record : null;
  return {
    product: new DataLoader<string, Product | null>(async (ids) => {
      const found = sources.catalog.getMany(ids);
      return ids.map((id) => found.get(id) ?? null);
    }),
    stock: new DataLoader<string, StockLevel | null>(async (skus) => {
      const found = sources.inventory.stockOfMany(skus);
      return skus.map((sku) => found.get(sku) ?? null);
    }),
    user: new DataLoader<string, User | null>(async (ids) =>
      ids.map((id) => (mayRead(reader, id) ? attempt(() => sources.users.get(id)) : null)),
    ),
    order: new DataLoader<string, Order | null>(async (ids) => {
      const found = sources.orders.getMany(ids);
      return ids.map((id) => readable(found.get(id), (order) => order.user_id));
    }),
    payment: new DataLoader<string, Payment | null>(async (ids) =>
      ids.map((id) => (reader ? attempt(() => sources.payments.get(id, reader.user)) : null)),
    ),
    cart: new DataLoader<string, Cart | null>(async (ids) =>
      ids.map((id) => attempt(() => sources.carts.get(id, callerId))),
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
