import { type Clock, systemClock } from '../clock.ts';
import type { Cart } from '../carts.ts';
import { DomainError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { Product } from '../catalog.ts';
import type { CartsRepository } from '../repositories.ts';
import { catalogCurrency } from '../seed.ts';
import type { PostgresDatabase, Row } from './postgres-database.ts';

/** Shopping carts on PostgreSQL, priced from the catalog at read time, as carts.ts does on SQLite. */
export function createPostgresCarts(
  db: PostgresDatabase,
  options: { clock?: Clock } = {},
): CartsRepository & { markCheckedOut(id: string): Promise<void> } {
  const clock = options.clock ?? systemClock;

  async function owned(id: string, userId: string | undefined, lock = false) {
    const [row] = await db.query<{ user_id: string | null; status: Cart['status'] }>(
      `SELECT user_id, status FROM carts WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    if (!row || (row.user_id !== null && row.user_id !== userId)) throw new DomainError.CartNotFound(id);
    return row;
  }

  async function open(id: string, userId: string | undefined) {
    // Locked: an item change and a checkout of the same cart on two replicas queue here.
    const row = await owned(id, userId, true);
    if (row.status !== 'open') throw new DomainError.CartClosed(id);
  }

  async function get(id: string, userId?: string): Promise<Cart> {
    const row = await owned(id, userId);
    const lines = await db.query<{ sku: string; quantity: number } & Product & Row>(
      `SELECT i.sku, i.quantity, p.id, p.name, p.price_cents FROM cart_items i
       JOIN products p ON p.sku = i.sku WHERE i.cart_id = $1 ORDER BY i.position`,
      [id],
    );
    const items = lines.map((line) => ({
      sku: line.sku,
      product_id: line.id,
      name: line.name,
      quantity: line.quantity,
      unit_price_cents: line.price_cents,
      line_total_cents: line.quantity * line.price_cents,
    }));
    return {
      cart_id: id,
      status: row.status,
      items,
      total_cents: items.reduce((sum, item) => sum + item.line_total_cents, 0),
      currency: catalogCurrency,
    };
  }

  async function create(userId?: string): Promise<Cart> {
    const id = newId('cart');
    await db.query("INSERT INTO carts (id, user_id, status, created_at) VALUES ($1, $2, 'open', $3)", [
      id,
      userId ?? null,
      clock(),
    ]);
    return get(id, userId);
  }

  function addItem(id: string, sku: string, quantity: number, userId?: string): Promise<Cart> {
    return db.transaction(async () => {
      await open(id, userId);
      if ((await db.query('SELECT 1 FROM products WHERE sku = $1', [sku])).length === 0) {
        throw new DomainError.SkuNotFound(sku);
      }
      await db.query(
        `INSERT INTO cart_items (cart_id, sku, quantity, position)
         VALUES ($1, $2, $3, (SELECT COALESCE(MAX(position), 0) + 1 FROM cart_items WHERE cart_id = $1))
         ON CONFLICT (cart_id, sku) DO UPDATE SET quantity = cart_items.quantity + excluded.quantity`,
        [id, sku, quantity],
      );
      return get(id, userId);
    });
  }

  function removeItem(id: string, sku: string, userId?: string): Promise<Cart> {
    return db.transaction(async () => {
      await open(id, userId);
      const removed = await db.query('DELETE FROM cart_items WHERE cart_id = $1 AND sku = $2 RETURNING 1', [
        id,
        sku,
      ]);
      if (removed.length === 0) throw new DomainError.CartItemNotFound(id, sku);
      return get(id, userId);
    });
  }

  async function forCheckout(id: string, userId?: string): Promise<Cart> {
    await open(id, userId);
    const cart = await get(id, userId);
    if (cart.items.length === 0) throw new DomainError.CartEmpty(id);
    return cart;
  }

  return {
    create,
    get,
    addItem,
    removeItem,
    forCheckout,
    markCheckedOut: async (id) => {
      await db.query("UPDATE carts SET status = 'checked_out' WHERE id = $1", [id]);
    },
    rehearse: <T>(work: () => T) => db.rolledBack(async (): Promise<Awaited<T>> => await work()),
  };
}
