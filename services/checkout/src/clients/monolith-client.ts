import type { Order } from '@fig/domain/orders';
import type { UpstreamClient } from './upstream-client.ts';
import { type OnBehalf, onBehalf } from './on-behalf.ts';

/**
 * Orders placed here are written to the monolith too (`PUT /internal/orders/:id`, an
 * upsert, with the service token's `orders:record` scope), so `GET /api/orders` lists them
 * whichever side serves that route.
 */
export function createMonolithClient(upstream: UpstreamClient, options: { internalToken?: string } = {}) {
  return {
    recordOrder: ({ order_id, ...order }: Order, on: OnBehalf) => {
      const { actingFor, headers } = onBehalf(on);
      return upstream.request<unknown>({
        method: 'PUT',
        path: `/internal/orders/${encodeURIComponent(order_id)}`,
        body: order,
        actingFor,
        headers: {
          ...(options.internalToken ? { 'x-internal-token': options.internalToken } : {}),
          ...headers,
        },
      });
    },
  };
}

export type MonolithClient = ReturnType<typeof createMonolithClient>;
