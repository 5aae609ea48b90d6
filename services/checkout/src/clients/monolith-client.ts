import type { Order } from '@fig/common/domain/orders';
import type { UpstreamClient } from './upstream-client.ts';

/**
 * Orders placed here are written to the monolith too (`PUT /internal/orders/:id`, an
 * upsert), so `GET /api/orders` lists them whichever side serves that route.
 */
export function createMonolithClient(upstream: UpstreamClient, options: { internalToken?: string } = {}) {
  return {
    recordOrder: ({ order_id, ...order }: Order, requestId?: string) =>
      upstream.request<unknown>({
        method: 'PUT',
        path: `/internal/orders/${encodeURIComponent(order_id)}`,
        body: order,
        headers: {
          ...(options.internalToken ? { 'x-internal-token': options.internalToken } : {}),
          ...(requestId ? { 'x-request-id': requestId } : {}),
        },
      }),
  };
}

export type MonolithClient = ReturnType<typeof createMonolithClient>;
