import { errorBody } from '@fig/platform/errors';
import { type Clock, systemClock } from '../clock.ts';
import { DomainError, isClientError } from '../errors.ts';
import { type Outcome, requestHash } from '../idempotency.ts';
import { newId } from '../ids.ts';
import {
  authorise,
  type ChargeRequest,
  type Payment,
  type PaymentStatus,
  type Refund,
  type RefundRequest,
} from '../payments.ts';
import type { PaymentsRepository } from '../repositories.ts';
import type { PostgresDatabase, Row } from './postgres-database.ts';

const toPayment = (row: Row): Payment => ({
  payment_id: row.id as string,
  status: row.status as PaymentStatus,
  amount_cents: row.amount_cents as number,
  refunded_cents: row.refunded_cents as number,
  currency: row.currency as string,
  payment_method: row.payment_method as string,
  order_ref: row.order_ref as string,
  created_at: new Date(row.created_at as number).toISOString(),
});

/**
 * Payments on PostgreSQL, for any number of payment replicas. An Idempotency-Key is a row
 * claimed first (its primary key makes it unique in the database): a duplicate arriving at
 * another replica waits on that row until the first transaction ends, then replays its answer.
 */
export function createPostgresPayments(
  db: PostgresDatabase,
  options: { clock?: Clock } = {},
): PaymentsRepository {
  const clock = options.clock ?? systemClock;

  async function get(id: string, userId?: string, lock = false): Promise<Payment> {
    const [row] = await db.query(`SELECT * FROM payments WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    if (!row || (userId !== undefined && row.user_id !== userId)) throw new DomainError.PaymentNotFound(id);
    return toPayment(row);
  }

  async function charge(request: ChargeRequest, userId?: string): Promise<Payment> {
    authorise(request.payment_method);
    const [row] = await db.query(
      `INSERT INTO payments (id, status, amount_cents, currency, payment_method, order_ref, created_at, user_id)
       VALUES ($1, 'succeeded', $2, $3, $4, $5, $6, $7) RETURNING *`,
      [
        newId('pay'),
        request.amount_cents,
        request.currency,
        request.payment_method,
        request.order_ref,
        clock(),
        userId ?? null,
      ],
    );
    return toPayment(row);
  }

  async function refund(paymentId: string, request: RefundRequest): Promise<Refund> {
    return db.transaction(async () => {
      const payment = await get(paymentId, undefined, true);
      const left = payment.amount_cents - payment.refunded_cents;
      if (left === 0) throw new DomainError.PaymentNotRefundable(paymentId, payment.status);
      const amount = request.amount_cents ?? left;
      if (amount > left) throw new DomainError.RefundExceedsCharge(left, paymentId);
      const status: PaymentStatus = amount === left ? 'refunded' : 'partially_refunded';
      const id = newId('re');
      const now = clock();
      await db.query('UPDATE payments SET refunded_cents = refunded_cents + $1, status = $2 WHERE id = $3', [
        amount,
        status,
        paymentId,
      ]);
      await db.query(
        'INSERT INTO refunds (id, payment_id, amount_cents, created_at) VALUES ($1, $2, $3, $4)',
        [id, paymentId, amount, now],
      );
      return {
        refund_id: id,
        payment_id: paymentId,
        amount_cents: amount,
        payment_status: status,
        created_at: new Date(now).toISOString(),
      };
    });
  }

  async function once<T>(
    scope: string,
    key: string | undefined,
    request: unknown,
    successStatus: number,
    work: () => Promise<T>,
  ): Promise<Outcome> {
    if (key === undefined) return { statusCode: successStatus, body: await work(), replayed: false };
    const hash = requestHash(request);
    return db.transaction(async () => {
      // Status 0 marks the claim; it is replaced by the answer before this transaction commits.
      const claimed = await db.query(
        `INSERT INTO idempotency_keys (scope, key, request_hash, status_code, body, created_at)
         VALUES ($1, $2, $3, 0, '', $4) ON CONFLICT (scope, key) DO NOTHING RETURNING 1`,
        [scope, key, hash, clock()],
      );
      if (claimed.length === 0) {
        const [previous] = await db.query(
          'SELECT request_hash, status_code, body FROM idempotency_keys WHERE scope = $1 AND key = $2',
          [scope, key],
        );
        if (previous.request_hash !== hash) throw new DomainError.IdempotencyKeyReused();
        return {
          statusCode: previous.status_code as number,
          body: JSON.parse(previous.body as string),
          replayed: true,
        };
      }
      let outcome: Outcome;
      try {
        outcome = { statusCode: successStatus, body: await db.transaction(work), replayed: false };
      } catch (error) {
        // Domain refusals (declined, over-refund) are answers too and replay as such; failures are not stored.
        if (!isClientError(error)) throw error;
        outcome = {
          statusCode: error.statusCode,
          body: errorBody(error.code, error.message),
          replayed: false,
        };
      }
      await db.query(
        'UPDATE idempotency_keys SET status_code = $3, body = $4 WHERE scope = $1 AND key = $2',
        [scope, key, outcome.statusCode, JSON.stringify(outcome.body)],
      );
      return outcome;
    });
  }

  return {
    get: (id, userId) => get(id, userId),
    rehearse: <T>(work: () => T) => db.rolledBack(async (): Promise<Awaited<T>> => await work()),
    chargeOnce: (request, key, userId) => once('payment', key, request, 201, () => charge(request, userId)),
    refundOnce: (paymentId, request, key) =>
      once(`refund:${paymentId}`, key, request, 201, () => refund(paymentId, request)),
    owns: async (id) => (await db.query('SELECT 1 FROM payments WHERE id = $1', [id])).length > 0,
  };
}
