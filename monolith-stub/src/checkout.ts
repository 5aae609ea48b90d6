import type { DatabaseSync } from 'node:sqlite';
import {
  type Carts,
  type CheckoutInput,
  type CheckoutResult,
  type Clock,
  inTransaction,
  rolledBack,
  type Inventory,
  type Orders,
  type Payments,
  systemClock,
} from '@fig/domain';
import { confirmOrder } from './confirm-order.ts';

/**
 * The legacy checkout: take the stock, charge, record the order and close the cart in ONE
 * transaction. Any refusal (out of stock 409, declined 402, empty cart 422) rolls all of it
 * back, so there is nothing to compensate — the luxury the checkout service's saga lacks.
 */
export function createCheckout(
  db: DatabaseSync,
  parts: { carts: Carts; inventory: Inventory; payments: Payments; orders: Orders; clock?: Clock },
) {
  const clock = parts.clock ?? systemClock;
  function placeOrder(input: CheckoutInput): CheckoutResult {
    return inTransaction(db, () => {
      const cart = parts.carts.forCheckout(input.cart_id, input.user_id);
      parts.inventory.take(cart.items);
      return confirmOrder(parts, cart, input, clock);
    });
  }
  return placeOrder;
}

/**
 * The legacy checkout as a dry run: the whole transaction — stock taken, charge, order, cart
 * closed — then rolled back, so the answer (201, 402, 409, 422) is exactly the real one.
 */
export function previewCheckout(db: DatabaseSync, placeOrder: (input: CheckoutInput) => CheckoutResult) {
  return (input: CheckoutInput): CheckoutResult => rolledBack(db, () => placeOrder(input));
}
