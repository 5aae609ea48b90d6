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
} from '@fig/common/domain/index';
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
 */
export function createLoaders(sources: LoaderSources, callerId: string | undefined) {
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
      ids.map((id) => attempt(() => sources.users.get(id))),
    ),
    order: new DataLoader<string, Order | null>(async (ids) => {
      const found = sources.orders.getMany(ids);
      return ids.map((id) => found.get(id) ?? null);
    }),
    payment: new DataLoader<string, Payment | null>(async (ids) =>
      ids.map((id) => attempt(() => sources.payments.get(id))),
    ),
    cart: new DataLoader<string, Cart | null>(async (ids) =>
      ids.map((id) => attempt(() => sources.carts.get(id, callerId))),
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
