import type { ChargeRequest, Payment, Refund } from '@fig/common/domain/payments';
import type { ErrorBody } from '@fig/common';
import type { UpstreamClient } from './upstream-client.ts';

/** The payment service's charge and refund API; every call carries an Idempotency-Key so it may be retried. */
export function createPaymentClient(upstream: UpstreamClient) {
  const headers = (idempotencyKey: string, requestId?: string) => ({
    'idempotency-key': idempotencyKey,
    ...(requestId ? { 'x-request-id': requestId } : {}),
  });
  return {
    charge: (request: ChargeRequest, idempotencyKey: string, requestId?: string) =>
      upstream.request<Payment | ErrorBody>({
        method: 'POST',
        path: '/api/payments',
        body: request,
        headers: headers(idempotencyKey, requestId),
      }),
    refundAll: (paymentId: string, idempotencyKey: string, requestId?: string) =>
      upstream.request<Refund | ErrorBody>({
        method: 'POST',
        path: `/api/payments/${encodeURIComponent(paymentId)}/refunds`,
        body: {},
        headers: headers(idempotencyKey, requestId),
      }),
  };
}

export type PaymentClient = ReturnType<typeof createPaymentClient>;
