import type { Migration } from '@fig/domain/migrations';
import type { PostgresMigration } from '@fig/domain/postgres/database';
import type { Address, OrderItem } from '@fig/domain/orders';

/**
 * Where a checkout is. Each step is written before the call it stands for, so after a crash
 * the row says which remote effects may exist:
 *   reserving    -> a reservation may exist (id unknown; it expires by its TTL)
 *   charging     -> the stock is held; a charge may exist under the saga's Idempotency-Key
 *   ordering     -> charged; commit the stock, then write the order and its event
 *   recording    -> (sagas from before the outbox) the order exists here; its event is written on resume
 *   compensating -> undoing: refund (if charged), then release (if reserved)
 *   done | failed
 */
export type SagaStep =
  'reserving' | 'charging' | 'ordering' | 'recording' | 'compensating' | 'done' | 'failed';

/** Why a saga failed, or `completed`. */
export type SagaOutcome =
  'completed' | 'out_of_stock' | 'declined' | 'payment_refused' | 'reservation_lost' | 'interrupted';

export interface Saga {
  id: string;
  order_id: string;
  cart_id: string;
  user_id: string;
  payment_method: string;
  shipping_address: Address;
  items: OrderItem[];
  total_cents: number;
  currency: string;
  step: SagaStep;
  outcome: SagaOutcome | null;
  reservation_id: string | null;
  payment_id: string | null;
  /** The HTTP error a failed saga answered with, so recovery can keep it for the record. */
  error: { status: number; body: unknown } | null;
  created_at: string;
  updated_at: string;
}

export type NewSaga = Omit<
  Saga,
  'step' | 'outcome' | 'reservation_id' | 'payment_id' | 'error' | 'created_at' | 'updated_at'
>;

const sagaTable = (time: string) => `
  CREATE TABLE checkout_sagas (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL UNIQUE,
    cart_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    payment_method TEXT NOT NULL,
    shipping_address TEXT NOT NULL,
    items TEXT NOT NULL,
    total_cents INTEGER NOT NULL,
    currency TEXT NOT NULL,
    step TEXT NOT NULL,
    outcome TEXT,
    reservation_id TEXT,
    payment_id TEXT,
    error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL${time}
  );
  -- One live checkout per cart: a second concurrent one is refused, not run twice.
  CREATE UNIQUE INDEX checkout_sagas_one_per_cart ON checkout_sagas (cart_id) WHERE step <> 'failed';
  CREATE INDEX checkout_sagas_unfinished ON checkout_sagas (step) WHERE step NOT IN ('done', 'failed');
`;

// Who drives a saga, and until when (ms since the epoch); 0 = nobody.
const leaseColumns = ['lease_owner TEXT', 'lease_until INTEGER NOT NULL DEFAULT 0'];

export const sagaMigrations: readonly Migration[] = [
  { id: 'checkout-001-sagas', up: (db) => db.exec(sagaTable('')) },
  {
    id: 'checkout-002-leases',
    up: (db) => leaseColumns.forEach((column) => db.exec(`ALTER TABLE checkout_sagas ADD COLUMN ${column}`)),
  },
];

export const postgresSagaMigrations: readonly PostgresMigration[] = [
  {
    id: 'checkout-001-sagas',
    up: (db) =>
      db.query(
        sagaTable(',\n    lease_owner TEXT,\n    lease_until BIGINT NOT NULL DEFAULT 0') +
          "CREATE INDEX checkout_sagas_leases ON checkout_sagas (lease_until) WHERE step NOT IN ('done', 'failed');",
      ),
  },
];

/** A stored row as a Saga. */
export function toSaga(row: Record<string, unknown>): Saga {
  const { lease_owner: _owner, lease_until: _until, ...saga } = row;
  return {
    ...(saga as unknown as Saga),
    shipping_address: JSON.parse(row.shipping_address as string),
    items: JSON.parse(row.items as string),
    error: row.error ? JSON.parse(row.error as string) : null,
  };
}

/** The stored columns of a new saga, in insert order. */
export function sagaValues(saga: NewSaga, now: string) {
  return [
    saga.id,
    saga.order_id,
    saga.cart_id,
    saga.user_id,
    saga.payment_method,
    JSON.stringify(saga.shipping_address),
    JSON.stringify(saga.items),
    saga.total_cents,
    saga.currency,
    now,
    now,
  ];
}
