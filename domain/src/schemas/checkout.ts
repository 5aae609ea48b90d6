import { address } from './orders.ts';
import { cents, currency, idString } from './shared.ts';

export const checkoutRequest = {
  type: 'object',
  required: ['cart_id', 'payment_method', 'shipping_address'],
  properties: {
    cart_id: idString,
    payment_method: { type: 'string', minLength: 1, maxLength: 100 },
    shipping_address: address,
  },
  additionalProperties: false,
} as const;

export const checkoutResponse = {
  type: 'object',
  required: ['order_id', 'status', 'total_cents', 'currency'],
  properties: { order_id: idString, status: { type: 'string' }, total_cents: cents, currency },
} as const;
