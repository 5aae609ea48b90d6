import { idString, itemQuantity, sku, timestamp } from './shared.ts';

export const stockLevel = {
  type: 'object',
  required: ['sku', 'available', 'reserved'],
  properties: { sku, available: { type: 'integer' }, reserved: { type: 'integer' } },
} as const;

export const reservationRequest = {
  type: 'object',
  required: ['items'],
  properties: {
    items: { type: 'array', minItems: 1, maxItems: 100, items: itemQuantity },
    ttl_seconds: { type: 'integer', minimum: 1, maximum: 86_400, default: 900 },
  },
  additionalProperties: false,
} as const;

export const reservation = {
  type: 'object',
  required: ['reservation_id', 'status', 'expires_at', 'items'],
  properties: {
    reservation_id: idString,
    status: { type: 'string', enum: ['active', 'released', 'committed', 'expired'] },
    expires_at: timestamp,
    items: { type: 'array', items: itemQuantity },
  },
} as const;

export const skuParams = {
  type: 'object',
  required: ['sku'],
  properties: { sku },
  additionalProperties: false,
} as const;
