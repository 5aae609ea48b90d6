import type { ItemQuantity, Reservation } from '@fig/domain/inventory';
import type { ErrorBody } from '@fig/platform';
import type { UpstreamClient, UpstreamResponse } from './upstream-client.ts';
import { type OnBehalf, onBehalf } from './on-behalf.ts';

/** The inventory service's reservation API, as the saga uses it. */
export function createInventoryClient(upstream: UpstreamClient) {
  return {
    reserve: (items: ItemQuantity[], ttlSeconds: number, on: OnBehalf) =>
      upstream.request<Reservation | ErrorBody>({
        method: 'POST',
        path: '/api/inventory/reservations',
        body: { items, ttl_seconds: ttlSeconds },
        ...onBehalf(on),
      }),
    commit: (reservationId: string, on: OnBehalf) =>
      upstream.request<Reservation | ErrorBody>({
        method: 'POST',
        path: `/api/inventory/reservations/${encodeURIComponent(reservationId)}/commit`,
        ...onBehalf(on),
      }),
    release: (reservationId: string, on: OnBehalf): Promise<UpstreamResponse<ErrorBody | undefined>> =>
      upstream.request({
        method: 'DELETE',
        path: `/api/inventory/reservations/${encodeURIComponent(reservationId)}`,
        ...onBehalf(on),
      }),
  };
}

export type InventoryClient = ReturnType<typeof createInventoryClient>;
