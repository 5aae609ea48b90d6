import type { FastifyBaseLogger } from 'fastify';
import type { Cart } from '@fig/domain/carts';
import type { CheckoutStore } from '../storage/checkout-store.ts';
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
 * reads (changes nothing) and the store inserts (`adoptCart`, or `rehearse` for a dry run).
 */
export function createCartAdoption(deps: {
  store: CheckoutStore;
  monolith: UpstreamClient;
  log: FastifyBaseLogger;
}) {
  // With this service's token, as the caller (x-user-id) or, without one, as nobody in particular.
  const read = (cartId: string, userId?: string) =>
    deps.monolith.request<Cart>({
      method: 'GET',
      path: `/api/carts/${encodeURIComponent(cartId)}`,
      actingFor: userId,
    });

  /** The monolith's cart when it is not here yet and the caller may see it there; reads only. */
  async function find(cartId: string, userId: string | undefined): Promise<FoundCart | undefined> {
    if (await deps.store.hasCart(cartId)) return undefined;
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

  /** Copies the cart from the monolith when it is not here yet and the caller may see it there. */
  async function adopt(cartId: string, userId: string | undefined): Promise<void> {
    const found = await find(cartId, userId);
    if (!found) return;
    await deps.store.adoptCart(found);
    deps.log.info({ cart: cartId }, 'adopted a cart from the monolith');
  }

  return { find, adopt };
}

export type CartAdoption = ReturnType<typeof createCartAdoption>;
