import type { DatabaseSync } from 'node:sqlite';
import { type Clock, systemClock } from './clock.ts';
import { DomainError } from './errors.ts';
import { newId } from './ids.ts';
import { inTransaction } from './transaction.ts';

export interface StockLevel {
  sku: string;
  available: number;
  reserved: number;
}

export interface ItemQuantity {
  sku: string;
  quantity: number;
}

export type ReservationStatus = 'active' | 'released' | 'committed' | 'expired';

export interface Reservation {
  reservation_id: string;
  status: ReservationStatus;
  expires_at: string;
  items: ItemQuantity[];
}

/** Sums quantities per sku, so `[{a,1},{a,2}]` reserves 3 of `a` once. */
export function mergeItems(items: readonly ItemQuantity[]): ItemQuantity[] {
  const totals = new Map<string, number>();
  for (const { sku, quantity } of items) totals.set(sku, (totals.get(sku) ?? 0) + quantity);
  return [...totals].map(([sku, quantity]) => ({ sku, quantity }));
}

/**
 * Stock and reservations. A reservation holds units until it is committed (the units leave
 * for good), released, or its TTL passes; expiry needs no sweeper because only unexpired
 * active reservations count as reserved. Every change runs in one write transaction that
 * re-checks availability, so concurrent callers can never oversell.
 */
export function createInventory(db: DatabaseSync, options: { clock?: Clock } = {}) {
  const clock = options.clock ?? systemClock;
  const reservedSql = `COALESCE((SELECT SUM(ri.quantity) FROM reservation_items ri
      JOIN reservations r ON r.id = ri.reservation_id
      WHERE ri.sku = s.sku AND r.status = 'active' AND r.expires_at > ?), 0)`;
  const level = db.prepare(
    `SELECT s.sku, s.on_hand, ${reservedSql} AS reserved FROM stock s WHERE s.sku = ?`,
  );
  const levels = db.prepare(
    `SELECT s.sku, s.on_hand, ${reservedSql} AS reserved FROM stock s WHERE s.sku IN (SELECT value FROM json_each(?))`,
  );
  const takeUnits = db.prepare('UPDATE stock SET on_hand = on_hand - ? WHERE sku = ?');
  const insertReservation = db.prepare(
    "INSERT INTO reservations (id, status, created_at, expires_at) VALUES (?, 'active', ?, ?)",
  );
  const insertItem = db.prepare(
    'INSERT INTO reservation_items (reservation_id, sku, quantity) VALUES (?, ?, ?)',
  );
  const reservationRow = db.prepare('SELECT id, status, expires_at FROM reservations WHERE id = ?');
  const reservationItems = db.prepare(
    'SELECT sku, quantity FROM reservation_items WHERE reservation_id = ? ORDER BY sku',
  );
  const setStatus = db.prepare('UPDATE reservations SET status = ? WHERE id = ?');

  const toLevel = (row: Record<string, unknown>): StockLevel => ({
    sku: row.sku as string,
    available: (row.on_hand as number) - (row.reserved as number),
    reserved: row.reserved as number,
  });

  function stockOf(sku: string): StockLevel | undefined {
    const row = level.get(clock(), sku);
    return row ? toLevel(row) : undefined;
  }

  function stockOfMany(skus: readonly string[]): Map<string, StockLevel> {
    const rows = levels.all(clock(), JSON.stringify(skus));
    return new Map(rows.map((row) => [row.sku as string, toLevel(row)]));
  }

  /** Throws SKU_NOT_FOUND / OUT_OF_STOCK unless every item is available right now. */
  function ensureAvailable(items: readonly ItemQuantity[]) {
    const found = stockOfMany(items.map((item) => item.sku));
    const unknown = items.find((item) => !found.has(item.sku));
    if (unknown) throw new DomainError.SkuNotFound(unknown.sku);
    const short = items.filter((item) => found.get(item.sku)!.available < item.quantity);
    if (short.length > 0) throw new DomainError.OutOfStock(short.map((item) => item.sku).join(', '));
  }

  function get(id: string): Reservation {
    const row = reservationRow.get(id);
    if (!row) throw new DomainError.ReservationNotFound(id);
    const expiresAt = row.expires_at as number;
    const stored = row.status as ReservationStatus;
    return {
      reservation_id: id,
      status: stored === 'active' && expiresAt <= clock() ? 'expired' : stored,
      expires_at: new Date(expiresAt).toISOString(),
      items: reservationItems
        .all(id)
        .map((item) => ({ sku: item.sku as string, quantity: item.quantity as number })),
    };
  }

  function reserve(items: readonly ItemQuantity[], ttlSeconds: number): Reservation {
    const merged = mergeItems(items);
    return inTransaction(db, () => {
      ensureAvailable(merged);
      const id = newId('res');
      const now = clock();
      insertReservation.run(id, now, now + ttlSeconds * 1000);
      for (const item of merged) insertItem.run(id, item.sku, item.quantity);
      return get(id);
    });
  }

  /** Gives the units back. Releasing twice, or after expiry, is a no-op; after commit it is a conflict. */
  function release(id: string): Reservation {
    return inTransaction(db, () => {
      const reservation = get(id);
      if (reservation.status === 'committed') throw new DomainError.ReservationNotActive(id, 'committed');
      if (reservation.status === 'active') setStatus.run('released', id);
      return get(id);
    });
  }

  /** The reserved units leave stock for good (an order shipped them). Committing twice is a no-op. */
  function commit(id: string): Reservation {
    return inTransaction(db, () => {
      const reservation = get(id);
      if (reservation.status === 'committed') return reservation;
      if (reservation.status !== 'active') throw new DomainError.ReservationNotActive(id, reservation.status);
      for (const item of reservation.items) takeUnits.run(item.quantity, item.sku);
      setStatus.run('committed', id);
      return get(id);
    });
  }

  /** Checks and removes units in one step, for a caller that already holds a transaction. */
  function take(items: readonly ItemQuantity[]): void {
    const merged = mergeItems(items);
    inTransaction(db, () => {
      ensureAvailable(merged);
      for (const item of merged) takeUnits.run(item.quantity, item.sku);
    });
  }

  const ownRow = db.prepare('SELECT 1 FROM reservations WHERE id = ?');
  const owns = (id: string) => ownRow.get(id) !== undefined;
  const allOnHand = db.prepare('SELECT sku, on_hand FROM stock ORDER BY sku');
  const onHand = () => allOnHand.all() as { sku: string; on_hand: number }[];

  return { stockOf, stockOfMany, get, reserve, release, commit, take, owns, onHand };
}

export type Inventory = ReturnType<typeof createInventory>;
