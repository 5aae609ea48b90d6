import { DomainError } from '@fig/domain/errors';
import { createPostgresCarts } from '@fig/domain/postgres/carts';
import type { PostgresDatabase } from '@fig/domain/postgres/database';
import { createPostgresOrders } from '@fig/domain/postgres/orders';
import { createPostgresOutbox } from '@fig/domain/postgres/outbox';
import type { FoundCart } from '../carts/adopt-carts.ts';
import { type Saga, sagaValues, toSaga } from '../saga/saga-store.ts';
import { type CheckoutStore, LeaseLost, type SagaFields } from './checkout-store.ts';

/**
 * The checkout's store on PostgreSQL, shared by every checkout replica. Recovery claims sagas
 * with FOR UPDATE SKIP LOCKED, so two replicas scanning at once never take the same one, and a
 * saga whose replica died (kill -9) is taken over once its lease runs out.
 */
export function createPostgresCheckoutStore(
  db: PostgresDatabase,
  lease: { owner: string; ms: number },
): CheckoutStore {
  const carts = createPostgresCarts(db);
  const orders = createPostgresOrders(db);
  const outbox = createPostgresOutbox(db);

  async function get(id: string): Promise<Saga | undefined> {
    const [row] = await db.query('SELECT * FROM checkout_sagas WHERE id = $1', [id]);
    return row ? toSaga(row) : undefined;
  }

  async function advance(id: string, step: Saga['step'], fields: SagaFields = {}): Promise<Saga> {
    const columns = ['step = $3', 'updated_at = $4', 'lease_until = $5'];
    const values: unknown[] = [id, lease.owner, step, new Date().toISOString(), Date.now() + lease.ms];
    for (const [name, value] of Object.entries(fields)) {
      values.push(name === 'error' ? JSON.stringify(value) : value);
      columns.push(`${name} = $${values.length}`);
    }
    const [row] = await db.query(
      `UPDATE checkout_sagas SET ${columns.join(', ')} WHERE id = $1 AND lease_owner = $2 RETURNING *`,
      values,
    );
    if (!row) throw new LeaseLost(id);
    return toSaga(row);
  }

  async function adoptCart({ cart, owner }: FoundCart): Promise<void> {
    await db.transaction(async () => {
      await db.query(
        'INSERT INTO carts (id, user_id, status, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
        [cart.cart_id, owner, cart.status, Date.now()],
      );
      await db.query(
        `INSERT INTO cart_items (cart_id, sku, quantity, position)
         SELECT $1, sku, quantity, position FROM jsonb_to_recordset($2::jsonb)
           AS i(sku TEXT, quantity INTEGER, position INTEGER)
         ON CONFLICT DO NOTHING`,
        [cart.cart_id, JSON.stringify(cart.items.map((item, index) => ({ ...item, position: index + 1 })))],
      );
    });
  }

  return {
    carts,
    orders,
    begin: (cartId, userId, build) =>
      db.transaction(async () => {
        const saga = build(await carts.forCheckout(cartId, userId));
        try {
          const [row] = await db.query(
            `INSERT INTO checkout_sagas (id, order_id, cart_id, user_id, payment_method, shipping_address, items,
               total_cents, currency, step, created_at, updated_at, lease_owner, lease_until)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'reserving', $10, $11, $12, $13) RETURNING *`,
            [...sagaValues(saga, new Date().toISOString()), lease.owner, Date.now() + lease.ms],
          );
          return toSaga(row);
        } catch (error) {
          // Another checkout of this cart is already under way (on this replica or another).
          if ((error as { code?: string }).code === '23505') throw new DomainError.CartClosed(cartId);
          throw error;
        }
      }),
    get,
    advance,
    complete: (id, order, event) =>
      db.transaction(async () => {
        const saga = await get(id);
        if (!saga) throw new LeaseLost(id);
        await orders.record(order);
        await carts.markCheckedOut(saga.cart_id);
        await outbox.append(event);
        return advance(id, 'done', { outcome: 'completed' });
      }),
    async release(id) {
      await db.query('UPDATE checkout_sagas SET lease_until = 0 WHERE id = $1 AND lease_owner = $2', [
        id,
        lease.owner,
      ]);
    },
    async claimUnfinished(limit) {
      const now = Date.now();
      const rows = await db.query(
        `UPDATE checkout_sagas SET lease_owner = $1, lease_until = $2
         WHERE id IN (
           SELECT id FROM checkout_sagas
           WHERE step NOT IN ('done', 'failed') AND lease_until <= $3
           ORDER BY created_at LIMIT $4 FOR UPDATE SKIP LOCKED)
         RETURNING *`,
        [lease.owner, now + lease.ms, now, limit],
      );
      return rows.map(toSaga);
    },
    async countsByStep() {
      const rows = await db.query<{ step: string; n: number }>(
        'SELECT step, COUNT(*)::int AS n FROM checkout_sagas GROUP BY step',
      );
      return Object.fromEntries(rows.map((row) => [row.step, row.n]));
    },
    hasCart: async (id) => (await db.query('SELECT 1 FROM carts WHERE id = $1', [id])).length > 0,
    adoptCart,
    rehearse: <T>(work: () => T, adopt?: FoundCart) =>
      db.rolledBack(async (): Promise<Awaited<T>> => {
        if (adopt) await adoptCart(adopt);
        return await work();
      }),
    order: async (id) => {
      try {
        return await orders.get(id);
      } catch (error) {
        if (error instanceof DomainError.OrderNotFound) return undefined;
        throw error;
      }
    },
    outbox: outbox.source,
    ready: () => db.ping(),
    close: () => db.close(),
  };
}
