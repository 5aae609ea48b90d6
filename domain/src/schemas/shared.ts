/** Building blocks of the domain API's JSON Schemas (snake_case, integer cents, string ids). */

export const errorResponse = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, requestId: { type: 'string' } },
    },
  },
} as const;

/** Every route answers errors in the one JSON shape. */
export const errorResponses = { '4xx': errorResponse, '5xx': errorResponse } as const;

export const idString = { type: 'string', minLength: 1, maxLength: 128 } as const;
export const sku = { type: 'string', minLength: 1, maxLength: 64 } as const;
export const quantity = { type: 'integer', minimum: 1, maximum: 1000 } as const;
export const cents = { type: 'integer', minimum: 0 } as const;
export const currency = { type: 'string', pattern: '^[A-Z]{3}$' } as const;
export const timestamp = { type: 'string', format: 'date-time' } as const;

/** A sku and how many of it: a cart line to add, a reservation's line. */
export const itemQuantity = {
  type: 'object',
  required: ['sku', 'quantity'],
  properties: { sku, quantity },
  additionalProperties: false,
} as const;

export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: idString },
  additionalProperties: false,
} as const;

/** The caller's identity, set by the gateway from a verified token; optional on most routes. */
export const identityHeaders = {
  type: 'object',
  properties: { 'x-user-id': { type: 'string', pattern: '^[A-Za-z0-9._:@|-]{1,128}$' } },
} as const;

export const idempotencyHeaders = {
  type: 'object',
  properties: {
    ...identityHeaders.properties,
    'idempotency-key': { type: 'string', minLength: 1, maxLength: 255 },
  },
} as const;

/** For POSTs that take no input: nothing, or an empty object. */
export const emptyBody = { type: 'object', additionalProperties: false } as const;
