import { cents, currency, idString, sku } from './shared.ts';

export const product = {
  type: 'object',
  required: ['id', 'sku', 'name', 'description', 'price_cents', 'currency', 'stock'],
  properties: {
    id: idString,
    sku,
    name: { type: 'string' },
    description: { type: ['string', 'null'] },
    price_cents: cents,
    currency,
    /** Units available to order right now. */
    stock: { type: 'integer' },
  },
} as const;

export const productPage = {
  type: 'object',
  required: ['items', 'next_cursor'],
  properties: { items: { type: 'array', items: product }, next_cursor: { type: ['string', 'null'] } },
} as const;

export const productListQuery = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
    cursor: { type: 'string', minLength: 1, maxLength: 200 },
  },
  additionalProperties: false,
} as const;
