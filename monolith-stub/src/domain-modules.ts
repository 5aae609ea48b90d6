import type { DatabaseSync } from 'node:sqlite';
import {
  type Clock,
  createCarts,
  createCatalog,
  createInventory,
  createOrders,
  createPayments,
  createUsers,
} from '@fig/domain';
import { createCheckout, previewCheckout } from './checkout.ts';

/** The whole domain over the monolith's one database, which its REST routes and subgraph share. */
export function createDomainModules(db: DatabaseSync, options: { clock?: Clock } = {}) {
  const { clock } = options;
  const catalog = createCatalog(db);
  const inventory = createInventory(db, { clock });
  const carts = createCarts(db, { clock });
  const payments = createPayments(db, { clock });
  const orders = createOrders(db);
  const users = createUsers(db);
  const placeOrder = createCheckout(db, { carts, inventory, payments, orders, clock });
  const previewOrder = previewCheckout(db, placeOrder);
  return { catalog, inventory, carts, payments, orders, users, placeOrder, previewOrder };
}
