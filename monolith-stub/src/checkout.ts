import type { DatabaseSync } from 'node:sqlite';
import {
  type Carts,
  type CheckoutInput,
  type CheckoutResult,
  type Clock,
  inTransaction,
  rolledBack,
  type Inventory,
  newId,
  type Orders,
  type Payments,
  systemClock,
} from '@fig/domain';

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
      const orderId = newId('ord');
      const payment = parts.payments.charge(
        {
          amount_cents: cart.total_cents,
          currency: cart.currency,
          payment_method: input.payment_method,
          order_ref: orderId,
        },
        input.user_id,
      );
      parts.orders.record({
        order_id: orderId,
        user_id: input.user_id,
        status: 'confirmed',
        total_cents: cart.total_cents,
        currency: cart.currency,
        items: cart.items.map(({ sku, quantity, unit_price_cents }) => ({ sku, quantity, unit_price_cents })),
        payment_id: payment.payment_id,
        shipping_address: input.shipping_address,
        created_at: new Date(clock()).toISOString(),
      });
      parts.carts.markCheckedOut(cart.cart_id);
      return {
        order_id: orderId,
        status: 'confirmed',
        total_cents: cart.total_cents,
        currency: cart.currency,
      };
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
