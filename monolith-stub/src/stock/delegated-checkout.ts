import type { DatabaseSync } from 'node:sqlite';
import {
  authorise,
  type Carts,
  type CheckoutInput,
  type CheckoutResult,
  DomainError,
  inTransaction,
  type InventoryRepository,
  newId,
  type Orders,
  type Payments,
  systemClock,
} from '@fig/domain';
import type { FastifyBaseLogger } from 'fastify';
import { confirmOrder } from '../confirm-order.ts';
import type { StockHolds } from './stock-holds.ts';

/**
 * The legacy checkout while the inventory service is the system of record for stock
 * (docs/data-consistency.md): the units are held there first, so they can never be sold by both
 * systems; then charge, order, cart and this side's copy of the stock change in ONE local
 * transaction together with a note of the hold; then the hold is committed there. A crash
 * after the local commit leaves the note, and the stock sync commits the hold on the next pass.
 */
export function createDelegatedCheckout(
  db: DatabaseSync,
  parts: {
    carts: Carts;
    payments: Payments;
    orders: Orders;
    remote: InventoryRepository;
    holds: StockHolds;
    holdSeconds: number;
    log: FastifyBaseLogger;
  },
) {
  const { remote, holds } = parts;

  async function placeOrder(input: CheckoutInput): Promise<CheckoutResult> {
    const cart = parts.carts.forCheckout(input.cart_id, input.user_id);
    // A card that will be declined never holds stock.
    authorise(input.payment_method);
    const hold = await remote.reserve(
      cart.items.map(({ sku, quantity }) => ({ sku, quantity })),
      parts.holdSeconds,
    );
    let result: CheckoutResult;
    try {
      result = inTransaction(db, () => {
        // The cart may have been checked out by a concurrent request while the hold was made.
        const current = parts.carts.forCheckout(input.cart_id, input.user_id);
        const confirmed = confirmOrder(parts, current, input, systemClock);
        holds.note(hold.reservation_id, confirmed.order_id, current.items);
        return confirmed;
      });
    } catch (error) {
      try {
        await remote.release(hold.reservation_id);
      } catch (failure) {
        parts.log.warn(
          { err: failure, hold: hold.reservation_id },
          'hold not released; it lapses by its TTL',
        );
      }
      throw error;
    }
    await holds.commit(hold.reservation_id);
    return result;
  }

  /** The dry run: the same checks and answer, the stock looked at there and nothing held or written. */
  async function previewOrder(input: CheckoutInput): Promise<CheckoutResult> {
    const cart = parts.carts.forCheckout(input.cart_id, input.user_id);
    authorise(input.payment_method);
    const levels = await remote.stockOfMany(cart.items.map((item) => item.sku));
    const short = cart.items.filter((item) => (levels.get(item.sku)?.available ?? 0) < item.quantity);
    if (short.length > 0) throw new DomainError.OutOfStock(short.map((item) => item.sku).join(', '));
    return {
      order_id: newId('ord'),
      status: 'confirmed',
      total_cents: cart.total_cents,
      currency: cart.currency,
    };
  }

  return { placeOrder, previewOrder };
}
