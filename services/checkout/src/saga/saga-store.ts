import type { DatabaseSync } from 'node:sqlite';
import type { Migration } from '@fig/domain/migrations';
import type { Address, OrderItem } from '@fig/domain/orders';

/**
 * Where a checkout is. Each step is written before the call it stands for, so after a crash
 * the row says which remote effects may exist:
 *   reserving    -> a reservation may exist (id unknown; it expires by its TTL)
 *   charging     -> the stock is held; a charge may exist under the saga's Idempotency-Key
 *   ordering     -> charged; commit the stock and write the order
 *   recording    -> the order exists here; the monolith has not confirmed it yet
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

export const sagaMigrations: readonly Migration[] = [
  {
    id: 'checkout-001-sagas',
    up: (db) =>
      db.exec(`
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
          updated_at TEXT NOT NULL
        );
        -- One live checkout per cart: a second concurrent one is refused, not run twice.
        CREATE UNIQUE INDEX checkout_sagas_one_per_cart ON checkout_sagas (cart_id) WHERE step <> 'failed';
        CREATE INDEX checkout_sagas_unfinished ON checkout_sagas (step) WHERE step NOT IN ('done', 'failed');
      `),
  },
];

export type NewSaga = Omit<
  Saga,
  'step' | 'outcome' | 'reservation_id' | 'payment_id' | 'error' | 'created_at' | 'updated_at'
>;

export function createSagaStore(db: DatabaseSync) {
  const insert = db.prepare(
    `INSERT INTO checkout_sagas (id, order_id, cart_id, user_id, payment_method, shipping_address, items,
       total_cents, currency, step, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'reserving', ?, ?)`,
  );
  const byId = db.prepare('SELECT * FROM checkout_sagas WHERE id = ?');
  const unfinished = db.prepare(
    "SELECT id FROM checkout_sagas WHERE step NOT IN ('done', 'failed') ORDER BY created_at",
  );
  const countByStep = db.prepare('SELECT step, COUNT(*) AS n FROM checkout_sagas GROUP BY step');

  const toSaga = (row: Record<string, unknown>): Saga => ({
    ...(row as unknown as Saga),
    shipping_address: JSON.parse(row.shipping_address as string),
    items: JSON.parse(row.items as string),
    error: row.error ? JSON.parse(row.error as string) : null,
  });

  function create(saga: NewSaga): Saga {
    const now = new Date().toISOString();
    insert.run(
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
    );
    return get(saga.id)!;
  }

  function get(id: string): Saga | undefined {
    const row = byId.get(id);
    return row ? toSaga(row) : undefined;
  }

  /** Moves a saga on; the fields given are written together with the new step. */
  function advance(
    id: string,
    step: SagaStep,
    fields: Partial<Pick<Saga, 'outcome' | 'reservation_id' | 'payment_id' | 'error'>> = {},
  ): Saga {
    const columns = ['step = ?', 'updated_at = ?'];
    const values: (string | null)[] = [step, new Date().toISOString()];
    for (const [name, value] of Object.entries(fields)) {
      columns.push(`${name} = ?`);
      values.push(name === 'error' ? JSON.stringify(value) : (value as string | null));
    }
    db.prepare(`UPDATE checkout_sagas SET ${columns.join(', ')} WHERE id = ?`).run(...values, id);
    return get(id)!;
  }

  function unfinishedIds(): string[] {
    return unfinished.all().map((row) => row.id as string);
  }

  function countsByStep(): Record<string, number> {
    return Object.fromEntries(countByStep.all().map((row) => [row.step as string, row.n as number]));
  }

  return { create, get, advance, unfinishedIds, countsByStep };
}

export type SagaStore = ReturnType<typeof createSagaStore>;
