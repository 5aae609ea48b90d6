import { cents, currency, idString, itemQuantity, sku } from './shared.ts';

export const cartItem = {
  type: 'object',
  required: ['sku', 'product_id', 'name', 'quantity', 'unit_price_cents', 'line_total_cents'],
  properties: {
    sku,
    product_id: idString,
    name: { type: 'string' },
    quantity: { type: 'integer' },
    unit_price_cents: cents,
    line_total_cents: cents,
  },
} as const;

export const cart = {
  type: 'object',
  required: ['cart_id', 'status', 'items', 'total_cents', 'currency'],
  properties: {
    cart_id: idString,
    status: { type: 'string', enum: ['open', 'checked_out'] },
    items: { type: 'array', items: cartItem },
    total_cents: cents,
    currency,
  },
} as const;

export const addCartItemRequest = itemQuantity;

export const cartItemParams = {
  type: 'object',
  required: ['id', 'sku'],
  properties: { id: idString, sku },
  additionalProperties: false,
} as const;
