import { cents, currency, idString, quantity, sku, timestamp } from './shared.ts';

const text = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength }) as const;

export const address = {
  type: 'object',
  required: ['name', 'line1', 'city', 'postal_code', 'country'],
  properties: {
    name: text(200),
    line1: text(200),
    city: text(100),
    postal_code: text(20),
    country: { type: 'string', pattern: '^[A-Z]{2}$' },
  },
  additionalProperties: false,
} as const;

export const orderItem = {
  type: 'object',
  required: ['sku', 'quantity', 'unit_price_cents'],
  properties: { sku, quantity, unit_price_cents: cents },
  additionalProperties: false,
} as const;

const orderProperties = {
  user_id: idString,
  status: { type: 'string', enum: ['confirmed', 'cancelled', 'refunded', 'shipped'] },
  total_cents: cents,
  currency,
  items: { type: 'array', minItems: 1, items: orderItem },
  payment_id: { type: ['string', 'null'], maxLength: 128 },
  shipping_address: address,
  created_at: timestamp,
} as const;

export const order = {
  type: 'object',
  required: ['order_id', ...Object.keys(orderProperties)],
  properties: { order_id: idString, ...orderProperties },
} as const;

export const orderList = {
  type: 'object',
  required: ['items'],
  properties: { items: { type: 'array', items: order } },
} as const;

/** `PUT /internal/orders/:id`: an order placed elsewhere (the checkout service), recorded here. */
export const recordOrderRequest = {
  type: 'object',
  required: Object.keys(orderProperties),
  properties: orderProperties,
  additionalProperties: false,
} as const;
