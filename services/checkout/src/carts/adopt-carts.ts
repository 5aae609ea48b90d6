import type { DatabaseSync } from 'node:sqlite';
import type { FastifyBaseLogger } from 'fastify';
import type { Cart } from '@fig/domain/carts';
import { inTransaction } from '@fig/domain/transaction';
import type { UpstreamClient } from '../clients/upstream-client.ts';

/**
 * Raising the `carts` percentage moves users here who may already have a cart on the
 * monolith. Such a cart is adopted on first sight: read from the monolith on the caller's
 * behalf (this service's token, the caller's id) and copied here under the same id, so the user carries on where they were.
 * Only the lines move; prices always come from the catalog. The monolith's copy is left as
 * it was (it becomes stale if the user is later moved back).
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

  /** Copies the cart from the monolith when it is not here yet and the caller may see it there. */
  return async function adopt(cartId: string, userId: string | undefined): Promise<void> {
    if (exists.get(cartId)) return;
    try {
      const visible = await read(cartId, userId);
      if (visible.status !== 200) return;
      // The monolith does not say who owns a cart; a cart it also shows to nobody in
      // particular is anonymous, otherwise it is the caller's.
      const anonymous = userId === undefined || (await read(cartId)).status === 200;
      const cart = visible.body;
      inTransaction(deps.db, () => {
        insertCart.run(cart.cart_id, anonymous ? null : userId!, cart.status, Date.now());
        cart.items.forEach((item, index) => insertItem.run(cart.cart_id, item.sku, item.quantity, index + 1));
      });
      deps.log.info({ cart: cartId }, 'adopted a cart from the monolith');
    } catch (error) {
      // Without the monolith the cart is simply not found here, as before adoption existed.
      deps.log.warn({ cart: cartId, err: error }, 'could not look for the cart on the monolith');
    }
  };
}

export type CartAdoption = ReturnType<typeof createCartAdoption>;
