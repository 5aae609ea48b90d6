import { randomBytes, randomUUID } from 'node:crypto';
import { productIdForSku } from '@fig/domain/ids';
import type { Order } from '@fig/domain/orders';
import type { OutboxEvent } from '@fig/domain/postgres/outbox';

export const orderCreated = 'checkout.order_created.v1';

/** What `checkout.order_created.v1` carries, field for field (docs/architecture.md §3.5). */
export interface OrderCreated {
  order_id: string;
  user_id: string;
  total_cents: number;
  items: { product_id: string; quantity: number; price_cents: number }[];
}

// Ids in the W3C trace-context form (lowercase hex, never all zero), so consumers can link the event.
const hexId = (bytes: number): string => {
  const id = randomBytes(bytes).toString('hex');
  return /^0+$/.test(id) ? hexId(bytes) : id;
};

/** The event announcing an order this service wrote; it goes into the outbox with the order. */
export function orderCreatedEvent(order: Order): OutboxEvent & { data: OrderCreated } {
  return {
    event_id: `evt_${randomUUID().replaceAll('-', '')}`,
    event_type: orderCreated,
    timestamp: new Date().toISOString(),
    data: {
      order_id: order.order_id,
      user_id: order.user_id,
      total_cents: order.total_cents,
      items: order.items.map((item) => ({
        product_id: productIdForSku(item.sku) ?? item.sku,
        quantity: item.quantity,
        price_cents: item.unit_price_cents,
      })),
    },
    metadata: { trace_id: hexId(16), span_id: hexId(8) },
  };
}
