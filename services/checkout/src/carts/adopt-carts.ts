import type { DatabaseSync } from 'node:sqlite';
import type { FastifyBaseLogger } from 'fastify';
import type { Cart } from '@fig/domain/carts';
import { inTransaction } from '@fig/domain/transaction';
import type { UpstreamClient } from '../clients/upstream-client.ts';

/** A monolith cart this service does not have yet, as the caller may see it there. */
export interface FoundCart {
  cart: Cart;
  /** `null` for an anonymous cart. */
  owner: string | null;
}

/**
 * Raising the `carts` percentage moves users here who may already have a cart on the
 * monolith. Such a cart is adopted on first sight: read from the monolith on the caller's
 * behalf (this service's token, the caller's id) and copied here under the same id, so the user carries on where they were.
 * Only the lines move; prices always come from the catalog. The monolith's copy is left as
 * it was (it becomes stale if the user is later moved back).
 *
 * Two phases, so that a dry run can keep the copy inside its rolled-back transaction: `find`
 * reads (async, changes nothing) and `store` inserts (synchronous, in the caller's transaction).
 */
export function createCartAdoption(deps: {
  db: DatabaseSync;
  monolith: UpstreamClient;
  log: FastifyBaseLogger;
}) {
  const exists = deps.db.prepare('SELECT 1 FROM carts WHERE id = ?');
  const insertCart = deps.db.prepare(
    'INSERT OR IGNORE INTO carts (id, user_id, status, created_at) VALUES (?, ?, ?, ?)',
  );
  const insertItem = deps.db.prepare(
    'INSERT OR IGNORE INTO cart_items (cart_id, sku, quantity, position) VALUES (?, ?, ?, ?)',
  );

  // With this service's token, as the caller (x-user-id) or, without one, as nobody in particular.
  const read = (cartId: string, userId?: string) =>
    deps.monolith.request<Cart>({
      method: 'GET',
      path: `/api/carts/${encodeURIComponent(cartId)}`,
      actingFor: userId,
    });

  /** The monolith's cart when it is not here yet and the caller may see it there; reads only. */
  async function find(cartId: string, userId: string | undefined): Promise<FoundCart | undefined> {
    if (exists.get(cartId)) return undefined;
    try {
      const visible = await read(cartId, userId);
      if (visible.status !== 200) return undefined;
      // The monolith does not say who owns a cart; a cart it also shows to nobody in
      // particular is anonymous, otherwise it is the caller's.
      const anonymous = userId === undefined || (await read(cartId)).status === 200;
      return { cart: visible.body, owner: anonymous ? null : userId! };
    } catch (error) {
      // Without the monolith the cart is simply not found here, as before adoption existed.
      deps.log.warn({ cart: cartId, err: error }, 'could not look for the cart on the monolith');
      return undefined;
    }
  }

  /** Inserts a found cart; run it in a transaction (a dry run's rolled-back one keeps nothing). */
  function store({ cart, owner }: FoundCart): void {
    insertCart.run(cart.cart_id, owner, cart.status, Date.now());
    cart.items.forEach((item, index) => insertItem.run(cart.cart_id, item.sku, item.quantity, index + 1));
  }

  /** Copies the cart from the monolith when it is not here yet and the caller may see it there. */
  async function adopt(cartId: string, userId: string | undefined): Promise<void> {
    const found = await find(cartId, userId);
    if (!found) return;
    inTransaction(deps.db, () => store(found));
    deps.log.info({ cart: cartId }, 'adopted a cart from the monolith');
  }

  return { find, store, adopt };
}

export type CartAdoption = ReturnType<typeof createCartAdoption>;
