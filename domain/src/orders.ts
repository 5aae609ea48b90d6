import type { DatabaseSync } from 'node:sqlite';
import { DomainError } from './errors.ts';
import { inTransaction } from './transaction.ts';

export interface Address {
  name: string;
  line1: string;
  city: string;
  postal_code: string;
  country: string;
}

export interface OrderItem {
  sku: string;
  quantity: number;
  unit_price_cents: number;
}

export interface Order {
  order_id: string;
  user_id: string;
  status: string;
  total_cents: number;
  currency: string;
  items: OrderItem[];
  payment_id: string | null;
  shipping_address: Address;
  created_at: string;
}

/** Orders by id and by user. `record` is an upsert, so recording the same order twice is harmless. */
export function createOrders(db: DatabaseSync) {
  const upsert = db.prepare(
    `INSERT INTO orders (id, user_id, status, total_cents, currency, payment_id, shipping_address, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET status = excluded.status, total_cents = excluded.total_cents,
       currency = excluded.currency, payment_id = excluded.payment_id, shipping_address = excluded.shipping_address`,
  );
  const clearItems = db.prepare('DELETE FROM order_items WHERE order_id = ?');
  const insertItem = db.prepare(
    'INSERT INTO order_items (order_id, sku, quantity, unit_price_cents) VALUES (?, ?, ?, ?)',
  );
  const orderRow = db.prepare('SELECT * FROM orders WHERE id = ?');
  const userOrders = db.prepare('SELECT * FROM orders WHERE user_id = ? ORDER BY created_at DESC, id DESC');
  const itemRows = db.prepare(
    'SELECT sku, quantity, unit_price_cents FROM order_items WHERE order_id = ? ORDER BY sku',
  );

  const toOrder = (row: Record<string, unknown>): Order => ({
    order_id: row.id as string,
    user_id: row.user_id as string,
    status: row.status as string,
    total_cents: row.total_cents as number,
    currency: row.currency as string,
    items: itemRows.all(row.id as string) as unknown as OrderItem[],
    payment_id: (row.payment_id as string | null) ?? null,
    shipping_address: JSON.parse(row.shipping_address as string),
    created_at: row.created_at as string,
  });

  /** Whether the order already existed (an update) or is new. */
  function record(order: Order): { created: boolean } {
    return inTransaction(db, () => {
      const existed = orderRow.get(order.order_id) !== undefined;
      upsert.run(
        order.order_id,
        order.user_id,
        order.status,
        order.total_cents,
        order.currency,
        order.payment_id,
        JSON.stringify(order.shipping_address),
        order.created_at,
      );
      clearItems.run(order.order_id);
      for (const item of order.items)
        insertItem.run(order.order_id, item.sku, item.quantity, item.unit_price_cents);
      return { created: !existed };
    });
  }

  /** The order, when it exists and (given a user) belongs to that user; 404 otherwise. */
  function get(id: string, userId?: string): Order {
    const row = orderRow.get(id);
    if (!row || (userId !== undefined && row.user_id !== userId)) throw new DomainError.OrderNotFound(id);
    return toOrder(row);
  }

  function forUser(userId: string): Order[] {
    return userOrders.all(userId).map(toOrder);
  }

  function getMany(ids: readonly string[]): Map<string, Order> {
    const found = new Map<string, Order>();
    for (const id of ids) {
      const row = orderRow.get(id);
      if (row) found.set(id, toOrder(row));
    }
    return found;
  }

  return { record, get, forUser, getMany };
}

export type Orders = ReturnType<typeof createOrders>;
