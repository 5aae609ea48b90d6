import {
  type Cart,
  type Carts,
  type CheckoutInput,
  type CheckoutResult,
  type Clock,
  newId,
  type Orders,
  type Payments,
} from '@fig/domain';

/**
 * The writes every legacy checkout ends with once the stock is settled: charge the cart's total,
 * record the confirmed order, close the cart. The caller's transaction holds them, so a declined
 * charge (402) leaves no order and an open cart.
 */
export function confirmOrder(
  parts: { carts: Carts; payments: Payments; orders: Orders },
  cart: Cart,
  input: CheckoutInput,
  clock: Clock,
): CheckoutResult {
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
}
