import { Agent, request as send } from 'undici';
import type { InventoryRepository, ItemQuantity, Reservation, StockLevel } from '@fig/domain';

/** The inventory service did not answer: nothing was decided there, so nothing is decided here. */
export class InventoryUnavailable extends Error {
  readonly statusCode = 503;
  readonly code = 'INVENTORY_UNAVAILABLE';
  readonly retryAfterSeconds = 1;
  constructor(cause: unknown) {
    super('the inventory service is unavailable; nothing was changed, try again later', { cause });
  }
}

/** The inventory service's refusal (409 out of stock, 404 unknown), passed on as it was given. */
export class InventoryRefusal extends Error {
  readonly statusCode: number;
  readonly code: string;
  constructor(statusCode: number, body: { error?: { code?: string; message?: string } }) {
    super(body.error?.message ?? `the inventory service answered ${statusCode}`);
    this.statusCode = statusCode;
    this.code = body.error?.code ?? 'INVENTORY_REFUSED';
  }
}

/**
 * The inventory service as this monolith's stock, for when the service is the system of record
 * (docs/data-consistency.md): every stock read and write goes there, with a service token this
 * identity provider signs for itself.
 */
export function createRemoteInventory(options: {
  /** The service's public listener (stock levels, reservations). */
  url: string;
  /** Its internal listener (`/internal/stock`). */
  internalUrl: string;
  token: () => Promise<string>;
  timeoutMs?: number;
}): InventoryRepository & { close(): Promise<void> } {
  const timeout = options.timeoutMs ?? 2000;
  const dispatcher = new Agent({ connectTimeout: timeout, headersTimeout: timeout, bodyTimeout: timeout });

  async function call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    let answer;
    try {
      answer = await send(new URL(path, path.startsWith('/internal/') ? options.internalUrl : options.url), {
        method,
        dispatcher,
        headers: {
          authorization: `Bearer ${await options.token()}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new InventoryUnavailable(error);
    }
    const text = await answer.body.text();
    if (answer.statusCode >= 500) throw new InventoryUnavailable(new Error(`answered ${answer.statusCode}`));
    const parsed = text ? JSON.parse(text) : undefined;
    if (answer.statusCode >= 400) throw new InventoryRefusal(answer.statusCode, parsed ?? {});
    return parsed as T;
  }

  const reservation = (id: string) => `/api/inventory/reservations/${encodeURIComponent(id)}`;

  return {
    stockOf: async (sku) => {
      try {
        return await call<StockLevel>('GET', `/api/inventory/${encodeURIComponent(sku)}`);
      } catch (error) {
        if (error instanceof InventoryRefusal && error.statusCode === 404) return undefined;
        throw error;
      }
    },
    stockOfMany: async (skus) => {
      const levels = await Promise.all(
        skus.map(
          async (sku) =>
            [
              sku,
              await call<StockLevel>('GET', `/api/inventory/${encodeURIComponent(sku)}`).catch(
                () => undefined,
              ),
            ] as const,
        ),
      );
      return new Map(levels.filter((entry): entry is [string, StockLevel] => entry[1] !== undefined));
    },
    get: (id) => call<Reservation>('GET', reservation(id)),
    reserve: (items: readonly ItemQuantity[], ttlSeconds: number) =>
      call<Reservation>('POST', '/api/inventory/reservations', { items, ttl_seconds: ttlSeconds }),
    release: async (id) => {
      await call('DELETE', reservation(id));
      return { reservation_id: id, status: 'released', expires_at: new Date().toISOString(), items: [] };
    },
    commit: (id) => call<Reservation>('POST', `${reservation(id)}/commit`),
    owns: () => true,
    onHand: async () =>
      (await call<{ items: { sku: string; on_hand: number }[] }>('GET', '/internal/stock')).items,
    close: () => dispatcher.close(),
  };
}
