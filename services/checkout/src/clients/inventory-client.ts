import type { ItemQuantity, Reservation } from '@fig/common/domain/inventory';
import type { ErrorBody } from '@fig/common';
import type { UpstreamClient, UpstreamResponse } from './upstream-client.ts';

/** The inventory service's reservation API, as the saga uses it. */
export function createInventoryClient(upstream: UpstreamClient) {
  const forward = (requestId?: string) => (requestId ? { 'x-request-id': requestId } : undefined);
  return {
    reserve: (items: ItemQuantity[], ttlSeconds: number, requestId?: string) =>
      upstream.request<Reservation | ErrorBody>({
        method: 'POST',
        path: '/api/inventory/reservations',
        body: { items, ttl_seconds: ttlSeconds },
        headers: forward(requestId),
      }),
    commit: (reservationId: string, requestId?: string) =>
      upstream.request<Reservation | ErrorBody>({
        method: 'POST',
        path: `/api/inventory/reservations/${encodeURIComponent(reservationId)}/commit`,
        headers: forward(requestId),
      }),
    release: (reservationId: string, requestId?: string): Promise<UpstreamResponse<ErrorBody | undefined>> =>
      upstream.request({
        method: 'DELETE',
        path: `/api/inventory/reservations/${encodeURIComponent(reservationId)}`,
        headers: forward(requestId),
      }),
  };
}

export type InventoryClient = ReturnType<typeof createInventoryClient>;
