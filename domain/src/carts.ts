import type { DatabaseSync } from 'node:sqlite';
import { type Clock, systemClock } from './clock.ts';
import { catalogCurrency } from './seed.ts';
import { createCatalog } from './catalog.ts';
import { DomainError } from './errors.ts';
import { rolledBack } from './dry-run.ts';
import { newId } from './ids.ts';
import { inTransaction } from './transaction.ts';

export interface CartItem {
  sku: string;
  product_id: string;
  name: string;
  quantity: number;
  unit_price_cents: number;
  line_total_cents: number;
}

export interface Cart {
  cart_id: string;
  status: 'open' | 'checked_out';
  items: CartItem[];
  total_cents: number;
  currency: string;
}

/**
 * Shopping carts priced from the catalog at read time. A cart created by a signed-in user
 * belongs to that user (others get 404, as if it did not exist); an anonymous cart is a
 * bearer capability: whoever knows its id may use it.
 */
export function createCarts(db: DatabaseSync, options: { clock?: Clock } = {}) {
  const clock = options.clock ?? systemClock;
  const catalog = createCatalog(db);
  const insertCart = db.prepare(
    "INSERT INTO carts (id, user_id, status, created_at) VALUES (?, ?, 'open', ?)",
  );
  const cartRow = db.prepare('SELECT id, user_id, status FROM carts WHERE id = ?');
  const itemRows = db.prepare('SELECT sku, quantity FROM cart_items WHERE cart_id = ? ORDER BY position');
  const upsertItem = db.prepare(
    `INSERT INTO cart_items (cart_id, sku, quantity, position)
     VALUES (?, ?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM cart_items WHERE cart_id = ?))
     ON CONFLICT (cart_id, sku) DO UPDATE SET quantity = quantity + excluded.quantity`,
  );
  const deleteItem = db.prepare('DELETE FROM cart_items WHERE cart_id = ? AND sku = ?');
  const close = db.prepare("UPDATE carts SET status = 'checked_out' WHERE id = ?");

  function owned(id: string, userId: string | undefined) {
    const row = cartRow.get(id);
    if (!row || (row.user_id !== null && row.user_id !== userId)) throw new DomainError.CartNotFound(id);
    return row;
  }

  function open(id: string, userId: string | undefined) {
    const row = owned(id, userId);
    if (row.status !== 'open') throw new DomainError.CartClosed(id);
  }

  function get(id: string, userId?: string): Cart {
    const row = owned(id, userId);
    const lines = itemRows.all(id);
    const products = catalog.getManyBySku(lines.map((line) => line.sku as string));
    const items = lines.map((line) => {
      const product = products.get(line.sku as string)!;
      const quantity = line.quantity as number;
      return {
        sku: product.sku,
        product_id: product.id,
        name: product.name,
        quantity,
        unit_price_cents: product.price_cents,
        line_total_cents: quantity * product.price_cents,
      };
    });
    return {
      cart_id: id,
      status: row.status as Cart['status'],
      items,
      total_cents: items.reduce((sum, item) => sum + item.line_total_cents, 0),
      currency: catalogCurrency,
    };
  }

  function create(userId?: string): Cart {
    const id = newId('cart');
    insertCart.run(id, userId ?? null, clock());
    return get(id, userId);
  }

  /** Adds to the quantity already in the cart. */
  function addItem(id: string, sku: string, quantity: number, userId?: string): Cart {
    return inTransaction(db, () => {
      open(id, userId);
      if (!catalog.getManyBySku([sku]).has(sku)) throw new DomainError.SkuNotFound(sku);
      upsertItem.run(id, sku, quantity, id);
      return get(id, userId);
    });
  }

  function removeItem(id: string, sku: string, userId?: string): Cart {
    return inTransaction(db, () => {
      open(id, userId);
      if (deleteItem.run(id, sku).changes === 0) throw new DomainError.CartItemNotFound(id, sku);
      return get(id, userId);
    });
  }

  /** The open, non-empty cart a checkout is about to turn into an order. */
  function forCheckout(id: string, userId?: string): Cart {
    open(id, userId);
    const cart = get(id, userId);
    if (cart.items.length === 0) throw new DomainError.CartEmpty(id);
    return cart;
  }

  /** Marks the cart checked out; later changes to it are refused with CART_CLOSED. */
  function markCheckedOut(id: string): void {
    close.run(id);
  }

  /** Runs `work` and undoes everything it wrote: the dry run of a cart change. */
  const rehearse = <T>(work: () => T): T => rolledBack(db, work);

  return { create, get, addItem, removeItem, forCheckout, markCheckedOut, rehearse };
}

export type Carts = ReturnType<typeof createCarts>;
