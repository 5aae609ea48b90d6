import type { DatabaseSync } from 'node:sqlite';
import { createCarts } from '@fig/domain/carts';
import { rolledBack } from '@fig/domain/dry-run';
import { DomainError } from '@fig/domain/errors';
import { createOrders } from '@fig/domain/orders';
import { createSqliteOutbox } from '@fig/domain/events';
import { inTransaction } from '@fig/domain/transaction';
import type { FoundCart } from '../carts/adopt-carts.ts';
import { type Saga, sagaValues, toSaga } from '../saga/saga-store.ts';
import { type CheckoutStore, LeaseLost, type SagaFields } from './checkout-store.ts';

const isUniqueViolation = (error: unknown) =>
  (error as { code?: string }).code === 'ERR_SQLITE_ERROR' && /UNIQUE/.test(String(error));

/**
 * The checkout's store on its embedded SQLite file. One process owns the file, so a lease held
 * by another owner belongs to a process that is gone: recovery takes those at once.
 */
export function createSqliteCheckoutStore(
  db: DatabaseSync,
  lease: { owner: string; ms: number },
): CheckoutStore {
  const carts = createCarts(db);
  const orders = createOrders(db);
  const insert = db.prepare(
    `INSERT INTO checkout_sagas (id, order_id, cart_id, user_id, payment_method, shipping_address, items,
       total_cents, currency, step, created_at, updated_at, lease_owner, lease_until)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'reserving', ?, ?, ?, ?)`,
  );
  const byId = db.prepare('SELECT * FROM checkout_sagas WHERE id = ?');
  const claimable = db.prepare(
    `SELECT id FROM checkout_sagas WHERE step NOT IN ('done', 'failed')
       AND (lease_owner IS NOT ? OR lease_until <= ?) ORDER BY created_at LIMIT ?`,
  );
  const take = db.prepare('UPDATE checkout_sagas SET lease_owner = ?, lease_until = ? WHERE id = ?');
  const letGo = db.prepare('UPDATE checkout_sagas SET lease_until = 0 WHERE id = ? AND lease_owner = ?');
  const countByStep = db.prepare('SELECT step, COUNT(*) AS n FROM checkout_sagas GROUP BY step');
  const cartExists = db.prepare('SELECT 1 FROM carts WHERE id = ?');
  const insertCart = db.prepare(
    'INSERT OR IGNORE INTO carts (id, user_id, status, created_at) VALUES (?, ?, ?, ?)',
  );
  const insertItem = db.prepare(
    'INSERT OR IGNORE INTO cart_items (cart_id, sku, quantity, position) VALUES (?, ?, ?, ?)',
  );
  // The domain's outbox table (migration outbox-1), written in the order's transaction.
  const outbox = createSqliteOutbox(db);

  const get = (id: string): Saga | undefined => {
    const row = byId.get(id);
    return row ? toSaga(row) : undefined;
  };

  function advance(id: string, step: Saga['step'], fields: SagaFields = {}): Saga {
    const columns = ['step = ?', 'updated_at = ?', 'lease_until = ?'];
    const values: (string | number | null)[] = [step, new Date().toISOString(), Date.now() + lease.ms];
    for (const [name, value] of Object.entries(fields)) {
      columns.push(`${name} = ?`);
      values.push(name === 'error' ? JSON.stringify(value) : (value as string | null));
    }
    const changed = db
      .prepare(`UPDATE checkout_sagas SET ${columns.join(', ')} WHERE id = ? AND lease_owner = ?`)
      .run(...values, id, lease.owner).changes;
    if (changed === 0) throw new LeaseLost(id);
    return get(id)!;
  }

  function adoptCart({ cart, owner }: FoundCart): void {
    insertCart.run(cart.cart_id, owner, cart.status, Date.now());
    cart.items.forEach((item, index) => insertItem.run(cart.cart_id, item.sku, item.quantity, index + 1));
  }

  return {
    carts,
    orders,
    async begin(cartId, userId, build) {
      return inTransaction(db, () => {
        const saga = build(carts.forCheckout(cartId, userId));
        try {
          insert.run(...sagaValues(saga, new Date().toISOString()), lease.owner, Date.now() + lease.ms);
        } catch (error) {
          // Another checkout of this cart is already under way.
          if (isUniqueViolation(error)) throw new DomainError.CartClosed(cartId);
          throw error;
        }
        return get(saga.id)!;
      });
    },
    get: async (id) => get(id),
    advance: async (id, step, fields) => advance(id, step, fields),
    async complete(id, order, event) {
      return inTransaction(db, () => {
        const saga = get(id);
        if (!saga) throw new LeaseLost(id);
        orders.record(order);
        carts.markCheckedOut(saga.cart_id);
        outbox.append(event);
        return advance(id, 'done', { outcome: 'completed' });
      });
    },
    release: async (id) => {
      letGo.run(id, lease.owner);
    },
    async claimUnfinished(limit) {
      return inTransaction(db, () => {
        const now = Date.now();
        const ids = claimable.all(lease.owner, now, limit).map((row) => row.id as string);
        for (const id of ids) take.run(lease.owner, now + lease.ms, id);
        return ids.map((id) => get(id)!);
      });
    },
    countsByStep: async () =>
      Object.fromEntries(countByStep.all().map((row) => [row.step as string, row.n as number])),
    hasCart: async (id) => cartExists.get(id) !== undefined,
    adoptCart: (found) => inTransaction(db, () => adoptCart(found)),
    rehearse: <T>(work: () => T, adopt?: FoundCart) =>
      rolledBack(db, () => {
        if (adopt) adoptCart(adopt);
        return work();
      }),
    order: async (id) => {
      try {
        return orders.get(id);
      } catch {
        return undefined;
      }
    },
    outbox: outbox.source,
    ready: () => db.isOpen,
    close: async () => db.close(),
  };
}
