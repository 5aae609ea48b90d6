import { DomainError } from '../errors.ts';
import type { Order, OrderItem } from '../orders.ts';
import type { OrdersRepository } from '../repositories.ts';
import type { PostgresDatabase, Row } from './postgres-database.ts';

/** Orders on PostgreSQL; `record` is an upsert, as orders.ts on SQLite. */
export function createPostgresOrders(
  db: PostgresDatabase,
): OrdersRepository & { record(order: Order): Promise<void> } {
  async function toOrder(row: Row): Promise<Order> {
    const items = await db.query<OrderItem & Row>(
      'SELECT sku, quantity, unit_price_cents FROM order_items WHERE order_id = $1 ORDER BY sku',
      [row.id],
    );
    return {
      order_id: row.id as string,
      user_id: row.user_id as string,
      status: row.status as string,
      total_cents: row.total_cents as number,
      currency: row.currency as string,
      items: items.map(({ sku, quantity, unit_price_cents }) => ({ sku, quantity, unit_price_cents })),
      payment_id: (row.payment_id as string | null) ?? null,
      shipping_address: JSON.parse(row.shipping_address as string),
      created_at: row.created_at as string,
    };
  }

  async function record(order: Order): Promise<void> {
    await db.transaction(async () => {
      await db.query(
        `INSERT INTO orders (id, user_id, status, total_cents, currency, payment_id, shipping_address, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, total_cents = excluded.total_cents,
           currency = excluded.currency, payment_id = excluded.payment_id, shipping_address = excluded.shipping_address`,
        [
          order.order_id,
          order.user_id,
          order.status,
          order.total_cents,
          order.currency,
          order.payment_id,
          JSON.stringify(order.shipping_address),
          order.created_at,
        ],
      );
      await db.query('DELETE FROM order_items WHERE order_id = $1', [order.order_id]);
      await db.query(
        `INSERT INTO order_items (order_id, sku, quantity, unit_price_cents)
         SELECT $1, sku, quantity, unit_price_cents
         FROM jsonb_to_recordset($2::jsonb) AS i(sku TEXT, quantity INTEGER, unit_price_cents INTEGER)`,
        [order.order_id, JSON.stringify(order.items)],
      );
    });
  }

  async function get(id: string, userId?: string): Promise<Order> {
    const [row] = await db.query('SELECT * FROM orders WHERE id = $1', [id]);
    if (!row || (userId !== undefined && row.user_id !== userId)) throw new DomainError.OrderNotFound(id);
    return toOrder(row);
  }

  async function forUser(userId: string): Promise<Order[]> {
    const rows = await db.query('SELECT * FROM orders WHERE user_id = $1 ORDER BY created_at DESC, id DESC', [
      userId,
    ]);
    return Promise.all(rows.map(toOrder));
  }

  return { record, get, forUser };
}
