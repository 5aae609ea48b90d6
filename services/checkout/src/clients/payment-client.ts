import type { ChargeRequest, Payment, Refund } from '@fig/domain/payments';
import type { ErrorBody } from '@fig/platform';
import type { UpstreamClient } from './upstream-client.ts';
import { type OnBehalf, onBehalf } from './on-behalf.ts';

/** The payment service's charge and refund API; every call carries an Idempotency-Key so it may be retried. */
export function createPaymentClient(upstream: UpstreamClient) {
  const call = (idempotencyKey: string, on: OnBehalf) => {
    const { actingFor, headers } = onBehalf(on);
    return { actingFor, headers: { 'idempotency-key': idempotencyKey, ...headers } };
  };
  return {
    charge: (request: ChargeRequest, idempotencyKey: string, on: OnBehalf) =>
      upstream.request<Payment | ErrorBody>({
        method: 'POST',
        path: '/api/payments',
        body: request,
        ...call(idempotencyKey, on),
      }),
    refundAll: (paymentId: string, idempotencyKey: string, on: OnBehalf) =>
      upstream.request<Refund | ErrorBody>({
        method: 'POST',
        path: `/api/payments/${encodeURIComponent(paymentId)}/refunds`,
        body: {},
        ...call(idempotencyKey, on),
      }),
  };
}

export type PaymentClient = ReturnType<typeof createPaymentClient>;
