import createError from '@fastify/error';

/**
 * The domain API's error catalogue. Monolith and services throw these same errors, so a
 * client sees the same status and `error.code` whichever side served it. The codes are
 * public API (documented in monolith-stub/README.md); never rename one.
 */
export const DomainError = {
  Unauthenticated: createError('UNAUTHENTICATED', 'this endpoint needs an authenticated user', 401),
  InvalidCredentials: createError('INVALID_CREDENTIALS', 'wrong username or password', 401),
  InvalidToken: createError('INVALID_TOKEN', 'the bearer token is invalid: %s', 401),
  Forbidden: createError('FORBIDDEN', '%s', 403),
  InsufficientScope: createError('INSUFFICIENT_SCOPE', 'this operation needs the %s scope', 403),
  InvalidCursor: createError('INVALID_CURSOR', 'the cursor is not one this API issued', 400),
  UserNotFound: createError('USER_NOT_FOUND', 'user %s not found', 404),
  ProductNotFound: createError('PRODUCT_NOT_FOUND', 'product %s not found', 404),
  SkuNotFound: createError('SKU_NOT_FOUND', 'sku %s not found', 404),
  InvalidQuantity: createError('INVALID_QUANTITY', 'quantity must be between 1 and 1000, not %s', 400),
  OutOfStock: createError('OUT_OF_STOCK', 'not enough stock for %s', 409),
  ReservationNotFound: createError('RESERVATION_NOT_FOUND', 'reservation %s not found', 404),
  ReservationNotActive: createError('RESERVATION_NOT_ACTIVE', 'reservation %s is %s', 409),
  CartNotFound: createError('CART_NOT_FOUND', 'cart %s not found', 404),
  CartItemNotFound: createError('CART_ITEM_NOT_FOUND', 'cart %s has no item %s', 404),
  CartClosed: createError('CART_CLOSED', 'cart %s is already checked out', 409),
  CartEmpty: createError('CART_EMPTY', 'cart %s is empty', 422),
  OrderNotFound: createError('ORDER_NOT_FOUND', 'order %s not found', 404),
  PaymentNotFound: createError('PAYMENT_NOT_FOUND', 'payment %s not found', 404),
  PaymentDeclined: createError('PAYMENT_DECLINED', 'the payment method %s was declined', 402),
  UnknownPaymentMethod: createError('UNKNOWN_PAYMENT_METHOD', 'unknown payment method %s', 422),
  PaymentNotRefundable: createError('PAYMENT_NOT_REFUNDABLE', 'payment %s is %s', 409),
  RefundExceedsCharge: createError(
    'REFUND_EXCEEDS_CHARGE',
    'only %s cents of payment %s are left to refund',
    422,
  ),
  IdempotencyKeyReused: createError(
    'IDEMPOTENCY_KEY_REUSED',
    'this Idempotency-Key was already used with a different request body',
    422,
  ),
};

/** A domain error as opposed to a bug: it has a 4xx status and a catalogue code. */
export function isClientError(error: unknown): error is Error & { code: string; statusCode: number } {
  const candidate = error as { code?: unknown; statusCode?: unknown };
  return (
    error instanceof Error &&
    typeof candidate.code === 'string' &&
    typeof candidate.statusCode === 'number' &&
    candidate.statusCode >= 400 &&
    candidate.statusCode < 500
  );
}
