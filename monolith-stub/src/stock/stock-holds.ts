import type { DatabaseSync } from 'node:sqlite';
import { type InventoryRepository, inTransaction, type Migration } from '@fig/domain';
import type { FastifyBaseLogger } from 'fastify';
import { InventoryRefusal } from './remote-inventory.ts';

export const stockHoldMigrations: readonly Migration[] = [
  {
    id: 'monolith-001-stock-holds',
    up: (db) =>
      db.exec(`
        -- Holds on the inventory service that an order placed here still has to commit there.
        CREATE TABLE stock_holds (
          reservation_id TEXT PRIMARY KEY,
          order_id TEXT NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('pending', 'lapsed')),
          created_at INTEGER NOT NULL
        );
      `),
  },
];

/**
 * This side of the stock while the inventory service is its system of record: the holds its
 * orders still have to commit there, and the local copy of every sku's units on hand, kept
 * equal to the service's by `sync` (docs/data-consistency.md).
 */
export function createStockHolds(db: DatabaseSync, remote: InventoryRepository, log: FastifyBaseLogger) {
  const insert = db.prepare(
    "INSERT INTO stock_holds (reservation_id, order_id, status, created_at) VALUES (?, ?, 'pending', ?)",
  );
  const takeCopy = db.prepare('UPDATE stock SET on_hand = MAX(on_hand - ?, 0) WHERE sku = ?');
  const pending = db.prepare(
    "SELECT reservation_id FROM stock_holds WHERE status = 'pending' ORDER BY created_at",
  );
  const done = db.prepare('DELETE FROM stock_holds WHERE reservation_id = ?');
  const lapsed = db.prepare("UPDATE stock_holds SET status = 'lapsed' WHERE reservation_id = ?");
  const copy = db.prepare('UPDATE stock SET on_hand = ? WHERE sku = ? AND on_hand <> ?');

  /** In the order's transaction: the hold to commit, and this copy's units taken now. */
  function note(reservationId: string, orderId: string, items: readonly { sku: string; quantity: number }[]) {
    insert.run(reservationId, orderId, Date.now());
    for (const item of items) takeCopy.run(item.quantity, item.sku);
  }

  /** Commits one hold there; kept for the next pass when the service cannot be reached. */
  async function commit(reservationId: string): Promise<void> {
    try {
      await remote.commit(reservationId);
      done.run(reservationId);
    } catch (error) {
      if (error instanceof InventoryRefusal) {
        // The hold lapsed while this side was down past its TTL: the order needs an operator.
        log.error({ hold: reservationId, code: error.code }, 'an order placed here lost its stock hold');
        lapsed.run(reservationId);
        return;
      }
      log.warn({ hold: reservationId, err: error }, 'stock hold not committed yet; will retry');
    }
  }

  /**
   * Commits what is pending, then, when nothing is, copies the service's units on hand here:
   * once traffic stops, the two copies are equal.
   */
  async function sync(): Promise<void> {
    for (const row of pending.all()) await commit(row.reservation_id as string);
    const levels = await remote.onHand();
    inTransaction(db, () => {
      // A hold committed there but not yet here would make the copy count those units twice.
      if (pending.all().length > 0) return;
      for (const level of levels) copy.run(level.on_hand, level.sku, level.on_hand);
    });
  }

  return { note, commit, sync };
}

export type StockHolds = ReturnType<typeof createStockHolds>;

/** Runs `sync` at start and then on an interval, never two passes at once. */
export function startStockSync(holds: StockHolds, options: { intervalMs: number; log: FastifyBaseLogger }) {
  let running: Promise<void> | undefined;
  const pass = () => {
    running ??= holds
      .sync()
      .catch((error) => options.log.warn({ err: error }, 'stock sync postponed'))
      .finally(() => (running = undefined));
    return running;
  };
  const timer = setInterval(pass, options.intervalMs);
  timer.unref();
  void pass();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
