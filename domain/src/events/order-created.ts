import { compileJsonSchema } from '@fig/platform';
import { type FigEvent, newEvent } from '@fig/platform/events';
import { productIdForSku, skuForProductId } from '../ids.ts';
import type { Order } from '../orders.ts';
import { address } from '../schemas/orders.ts';
import { cents, currency, idString, quantity, timestamp } from '../schemas/shared.ts';
import { catalogCurrency } from '../seed.ts';

/** The checkout service placed an order; the stream has this name. */
export const orderCreatedType = 'checkout.order_created.v1';

/**
 * `checkout.order_created.v1`'s data. The first four fields are DESIGN §3.5's, field for field;
 * the rest let a consumer record the whole order and are optional, so an event with only the
 * four still applies. A v1 reader ignores fields it does not know; a change that breaks this
 * shape is a new type (`.v2`) on a stream of its own.
 */
export interface OrderCreatedData {
  order_id: string;
  user_id: string;
  total_cents: number;
  items: { product_id: string; quantity: number; price_cents: number }[];
  currency?: string;
  status?: string;
  payment_id?: string | null;
  shipping_address?: Order['shipping_address'];
  created_at?: string;
}

export const orderCreatedDataSchema = {
  type: 'object',
  required: ['order_id', 'user_id', 'total_cents', 'items'],
  properties: {
    order_id: idString,
    user_id: idString,
    total_cents: cents,
    items: {
      type: 'array',
      minItems: 1,
      maxItems: 1000,
      items: {
        type: 'object',
        required: ['product_id', 'quantity', 'price_cents'],
        properties: {
          product_id: { type: 'string', pattern: '^prd_[0-9]{4,}$', maxLength: 64 },
          quantity,
          price_cents: cents,
        },
      },
    },
    currency,
    status: { type: 'string', enum: ['confirmed', 'cancelled', 'refunded', 'shipped'] },
    payment_id: { type: ['string', 'null'], maxLength: 128 },
    shipping_address: address,
    created_at: timestamp,
  },
} as const;

const dataProblem = compileJsonSchema(orderCreatedDataSchema);

/** For a consumer's `validate`: why this event's data is no order, or null. */
export function orderCreatedProblem(event: FigEvent): string | null {
  const problem = dataProblem(event.data);
  if (problem) return problem;
  // An order has one line per product: a second one could never be recorded, only retried.
  const products = (event.data as OrderCreatedData).items.map((item) => item.product_id);
  const twice = products.find((id, index) => products.indexOf(id) !== index);
  return twice ? `event/data/items names ${twice} twice` : null;
}

/** What checkout publishes when it places `order` (every optional field filled). */
export function orderCreatedEvent(order: Order): FigEvent<OrderCreatedData> {
  return newEvent<OrderCreatedData>(orderCreatedType, {
    order_id: order.order_id,
    user_id: order.user_id,
    total_cents: order.total_cents,
    items: order.items.map((item) => ({
      product_id: productIdForSku(item.sku) ?? item.sku,
      quantity: item.quantity,
      price_cents: item.unit_price_cents,
    })),
    currency: order.currency,
    status: order.status,
    payment_id: order.payment_id,
    shipping_address: order.shipping_address,
    created_at: order.created_at,
  });
}

/** The order an event describes, as `Orders.record` takes it; absent optional fields get defaults. */
export function orderFromEvent(event: FigEvent<OrderCreatedData>): Order {
  const { data } = event;
  return {
    order_id: data.order_id,
    user_id: data.user_id,
    status: data.status ?? 'confirmed',
    total_cents: data.total_cents,
    currency: data.currency ?? catalogCurrency,
    items: data.items.map((item) => ({
      sku: skuForProductId(item.product_id)!, // the schema admits product ids only
      quantity: item.quantity,
      unit_price_cents: item.price_cents,
    })),
    payment_id: data.payment_id ?? null,
    // Unknown to an event that carries only the §3.5 fields; recorded empty rather than invented.
    shipping_address: data.shipping_address ?? {
      name: '',
      line1: '',
      city: '',
      postal_code: '',
      country: '',
    },
    created_at: data.created_at ?? event.timestamp,
  };
}
