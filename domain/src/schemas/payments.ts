import { cents, currency, idString, timestamp } from './shared.ts';

export const chargeRequest = {
  type: 'object',
  required: ['amount_cents', 'currency', 'payment_method', 'order_ref'],
  properties: {
    amount_cents: { type: 'integer', minimum: 1, maximum: 100_000_000 },
    currency,
    payment_method: { type: 'string', minLength: 1, maxLength: 100 },
    order_ref: { type: 'string', minLength: 1, maxLength: 128 },
  },
  additionalProperties: false,
} as const;

const paymentStatus = { type: 'string', enum: ['succeeded', 'partially_refunded', 'refunded'] } as const;

export const payment = {
  type: 'object',
  required: [
    'payment_id',
    'status',
    'amount_cents',
    'refunded_cents',
    'currency',
    'payment_method',
    'order_ref',
    'created_at',
  ],
  properties: {
    payment_id: idString,
    status: paymentStatus,
    amount_cents: cents,
    refunded_cents: cents,
    currency,
    payment_method: { type: 'string' },
    order_ref: { type: 'string' },
    created_at: timestamp,
  },
} as const;

export const refundRequest = {
  type: 'object',
  properties: { amount_cents: { type: 'integer', minimum: 1, maximum: 100_000_000 } },
  additionalProperties: false,
} as const;

export const refund = {
  type: 'object',
  required: ['refund_id', 'payment_id', 'amount_cents', 'payment_status', 'created_at'],
  properties: {
    refund_id: idString,
    payment_id: idString,
    amount_cents: cents,
    payment_status: paymentStatus,
    created_at: timestamp,
  },
} as const;
