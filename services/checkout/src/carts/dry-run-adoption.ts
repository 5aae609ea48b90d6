import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyInstance } from 'fastify';
import type { Rehearse } from '@fig/domain/dry-run';
import type { CheckoutStore } from '../storage/checkout-store.ts';
import type { CartAdoption, FoundCart } from './adopt-carts.ts';

/**
 * Cart adoption for dry runs. A dry run of a write on a cart only the monolith has would
 * answer 404 here; adopting it for real would store it. So the monolith's cart is read before
 * the handler (`find`, read-only) and inserted at the start of the dry run's own rolled-back
 * transaction (`rehearse`): the rehearsed write sees the cart, and the rollback takes it away.
 *
 * The found cart is kept per request (the hook and the rehearsal are apart, in the hook and
 * in the route's handler); a request that found nothing stores nothing.
 */
export function createDryRunAdoption(adoption: CartAdoption, store: CheckoutStore) {
  const found = new AsyncLocalStorage<{ cart?: FoundCart }>();

  return {
    /** Gives each request of `app` its own slot. */
    track(app: FastifyInstance) {
      app.addHook('onRequest', (_request, _reply, done) => found.run({}, done));
    },
    /** Phase one: reads the monolith's cart for the request under way. */
    async find(cartId: string, userId: string | undefined): Promise<void> {
      const slot = found.getStore();
      if (slot) slot.cart = await adoption.find(cartId, userId);
    },
    /** Phase two: the store's rolled-back run, with the found cart inserted first. */
    rehearse: ((work) => store.rehearse(work, found.getStore()?.cart)) as Rehearse,
  };
}
