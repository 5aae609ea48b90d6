import { type Clock, systemClock } from '../clock.ts';
import { DomainError } from '../errors.ts';
import { newId } from '../ids.ts';
import {
  type ItemQuantity,
  mergeItems,
  type Reservation,
  type ReservationStatus,
  type StockLevel,
} from '../inventory.ts';
import type { InventoryRepository } from '../repositories.ts';
import type { PostgresDatabase, Row } from './postgres-database.ts';

const reservedSql = `COALESCE((SELECT SUM(ri.quantity) FROM reservation_items ri
    JOIN reservations r ON r.id = ri.reservation_id
    WHERE ri.sku = s.sku AND r.status = 'active' AND r.expires_at > $1), 0)`;

const toLevel = (row: Row): StockLevel => ({
  sku: row.sku as string,
  available: (row.on_hand as number) - Number(row.reserved),
  reserved: Number(row.reserved),
});

/**
 * Stock and reservations on PostgreSQL, for any number of inventory replicas on one database.
 * A change first locks the stock rows it touches (FOR UPDATE, in sku order so two reservations
 * of the same skus can never deadlock), then re-checks availability: two replicas reserving the
 * last unit queue on that row and the second one sees the first's reservation. Expiry needs no
 * sweeper: only unexpired active reservations count, and an expired one can no longer be
 * committed, so its units come back exactly once, when its time passes.
 */
export function createPostgresInventory(
  db: PostgresDatabase,
  options: { clock?: Clock } = {},
): InventoryRepository {
  const clock = options.clock ?? systemClock;

  async function stockOfMany(skus: readonly string[]): Promise<Map<string, StockLevel>> {
    const rows = await db.query(
      `SELECT s.sku, s.on_hand, ${reservedSql} AS reserved FROM stock s WHERE s.sku = ANY($2)`,
      [clock(), skus],
    );
    return new Map(rows.map((row) => [row.sku as string, toLevel(row)]));
  }

  async function stockOf(sku: string) {
    return (await stockOfMany([sku])).get(sku);
  }

  async function get(id: string, lock = false): Promise<Reservation> {
    const [row] = await db.query(
      `SELECT id, status, expires_at FROM reservations WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    if (!row) throw new DomainError.ReservationNotFound(id);
    const items = await db.query<{ sku: string; quantity: number }>(
      'SELECT sku, quantity FROM reservation_items WHERE reservation_id = $1 ORDER BY sku',
      [id],
    );
    const expiresAt = row.expires_at as number;
    const stored = row.status as ReservationStatus;
    return {
      reservation_id: id,
      status: stored === 'active' && expiresAt <= clock() ? 'expired' : stored,
      expires_at: new Date(expiresAt).toISOString(),
      items: items.map(({ sku, quantity }) => ({ sku, quantity })),
    };
  }

  /** Locks the stock rows of these skus until the transaction ends; SKU_NOT_FOUND for an unknown one. */
  async function lockStock(skus: readonly string[]) {
    const sorted = [...skus].sort();
    const rows = await db.query('SELECT sku FROM stock WHERE sku = ANY($1) ORDER BY sku FOR UPDATE', [
      sorted,
    ]);
    const found = new Set(rows.map((row) => row.sku as string));
    const unknown = sorted.find((sku) => !found.has(sku));
    if (unknown) throw new DomainError.SkuNotFound(unknown);
  }

  async function reserve(items: readonly ItemQuantity[], ttlSeconds: number): Promise<Reservation> {
    const merged = mergeItems(items);
    return db.transaction(async () => {
      await lockStock(merged.map((item) => item.sku));
      const levels = await stockOfMany(merged.map((item) => item.sku));
      const short = merged.filter((item) => levels.get(item.sku)!.available < item.quantity);
      if (short.length > 0) throw new DomainError.OutOfStock(short.map((item) => item.sku).join(', '));
      const id = newId('res');
      const now = clock();
      await db.query(
        "INSERT INTO reservations (id, status, created_at, expires_at) VALUES ($1, 'active', $2, $3)",
        [id, now, now + ttlSeconds * 1000],
      );
      await db.query(
        `INSERT INTO reservation_items (reservation_id, sku, quantity)
         SELECT $1, sku, quantity FROM jsonb_to_recordset($2::jsonb) AS i(sku TEXT, quantity INTEGER)`,
        [id, JSON.stringify(merged)],
      );
      return get(id);
    });
  }

  async function release(id: string): Promise<Reservation> {
    return db.transaction(async () => {
      const reservation = await get(id, true);
      if (reservation.status === 'committed') throw new DomainError.ReservationNotActive(id, 'committed');
      if (reservation.status === 'active') {
        await db.query("UPDATE reservations SET status = 'released' WHERE id = $1", [id]);
      }
      return get(id);
    });
  }

  async function commit(id: string): Promise<Reservation> {
    return db.transaction(async () => {
      // The reservation row first: two commits of it queue here and the second sees `committed`.
      const reservation = await get(id, true);
      if (reservation.status === 'committed') return reservation;
      if (reservation.status !== 'active') throw new DomainError.ReservationNotActive(id, reservation.status);
      await lockStock(reservation.items.map((item) => item.sku));
      await db.query(
        `UPDATE stock s SET on_hand = s.on_hand - i.quantity
         FROM jsonb_to_recordset($1::jsonb) AS i(sku TEXT, quantity INTEGER) WHERE s.sku = i.sku`,
        [JSON.stringify(reservation.items)],
      );
      await db.query("UPDATE reservations SET status = 'committed' WHERE id = $1", [id]);
      return get(id);
    });
  }

  async function owns(id: string) {
    return (await db.query('SELECT 1 FROM reservations WHERE id = $1', [id])).length > 0;
  }

  const onHand = () =>
    db.query<{ sku: string; on_hand: number }>('SELECT sku, on_hand FROM stock ORDER BY sku');

  return { stockOf, stockOfMany, get: (id) => get(id), reserve, release, commit, owns, onHand };
}
