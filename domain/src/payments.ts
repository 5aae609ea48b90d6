import type { DatabaseSync } from 'node:sqlite';
import { type Clock, systemClock } from './clock.ts';
import { DomainError } from './errors.ts';
import { createIdempotency } from './idempotency.ts';
import { rolledBack } from './dry-run.ts';
import { newId } from './ids.ts';
import { inTransaction } from './transaction.ts';

/** The well-known test payment methods and whether a charge on them succeeds. */
export const testPaymentMethods: Readonly<Record<string, 'succeeds' | 'declined'>> = {
  pm_card_visa: 'succeeds',
  pm_card_mastercard: 'succeeds',
  pm_card_amex: 'succeeds',
  pm_card_chargeDeclined: 'declined',
  pm_card_chargeDeclinedInsufficientFunds: 'declined',
};

export interface ChargeRequest {
  amount_cents: number;
  currency: string;
  payment_method: string;
  order_ref: string;
}

export type PaymentStatus = 'succeeded' | 'partially_refunded' | 'refunded';

export interface Payment {
  payment_id: string;
  status: PaymentStatus;
  amount_cents: number;
  refunded_cents: number;
  currency: string;
  payment_method: string;
  order_ref: string;
  created_at: string;
}

export interface RefundRequest {
  /** Defaults to everything not yet refunded. */
  amount_cents?: number;
}

export interface Refund {
  refund_id: string;
  payment_id: string;
  amount_cents: number;
  payment_status: PaymentStatus;
  created_at: string;
}

/** Fails with PAYMENT_DECLINED / UNKNOWN_PAYMENT_METHOD without recording anything. */
export function authorise(paymentMethod: string): void {
  const outcome = testPaymentMethods[paymentMethod];
  if (!outcome) throw new DomainError.UnknownPaymentMethod(paymentMethod);
  if (outcome === 'declined') throw new DomainError.PaymentDeclined(paymentMethod);
}

/**
 * Charges and refunds against the test payment methods. A declined charge changes nothing; a
 * refund can never exceed what is left of the charge (checked here and by the table itself).
 */
export function createPayments(db: DatabaseSync, options: { clock?: Clock } = {}) {
  const clock = options.clock ?? systemClock;
  const idempotency = createIdempotency(db, { clock });
  const insertPayment = db.prepare(
    `INSERT INTO payments (id, status, amount_cents, currency, payment_method, order_ref, created_at, user_id)
     VALUES (?, 'succeeded', ?, ?, ?, ?, ?, ?)`,
  );
  const paymentRow = db.prepare('SELECT * FROM payments WHERE id = ?');
  const addRefunded = db.prepare(
    'UPDATE payments SET refunded_cents = refunded_cents + ?, status = ? WHERE id = ?',
  );
  const insertRefund = db.prepare(
    'INSERT INTO refunds (id, payment_id, amount_cents, created_at) VALUES (?, ?, ?, ?)',
  );

  /** With `userId`, only that user's payment: someone else's is as unknown as a missing one. */
  function get(id: string, userId?: string): Payment {
    const row = paymentRow.get(id);
    if (!row || (userId !== undefined && row.user_id !== userId)) throw new DomainError.PaymentNotFound(id);
    return {
      payment_id: id,
      status: row.status as PaymentStatus,
      amount_cents: row.amount_cents as number,
      refunded_cents: row.refunded_cents as number,
      currency: row.currency as string,
      payment_method: row.payment_method as string,
      order_ref: row.order_ref as string,
      created_at: new Date(row.created_at as number).toISOString(),
    };
  }

  /** `userId`: whom the charge is for (the user the charging service acts for), if anyone. */
  function charge(request: ChargeRequest, userId?: string): Payment {
    authorise(request.payment_method);
    const id = newId('pay');
    insertPayment.run(
      id,
      request.amount_cents,
      request.currency,
      request.payment_method,
      request.order_ref,
      clock(),
      userId ?? null,
    );
    return get(id);
  }

  function refund(paymentId: string, request: RefundRequest): Refund {
    return inTransaction(db, () => {
      const payment = get(paymentId);
      const left = payment.amount_cents - payment.refunded_cents;
      if (left === 0) throw new DomainError.PaymentNotRefundable(paymentId, payment.status);
      const amount = request.amount_cents ?? left;
      if (amount > left) throw new DomainError.RefundExceedsCharge(left, paymentId);
      const status: PaymentStatus = amount === left ? 'refunded' : 'partially_refunded';
      const id = newId('re');
      const now = clock();
      addRefunded.run(amount, status, paymentId);
      insertRefund.run(id, paymentId, amount, now);
      return {
        refund_id: id,
        payment_id: paymentId,
        amount_cents: amount,
        payment_status: status,
        created_at: new Date(now).toISOString(),
      };
    });
  }

  const ownRow = db.prepare('SELECT 1 FROM payments WHERE id = ?');

  return {
    get,
    owns: (id: string) => ownRow.get(id) !== undefined,
    charge,
    refund,
    /** Runs `work` and undoes everything it wrote (the payment, the refund, the idempotency key): a dry run. */
    rehearse: <T>(work: () => T): T => rolledBack(db, work),
    /** `charge` behind an optional Idempotency-Key; the outcome is what the HTTP answer should be. */
    chargeOnce: (request: ChargeRequest, key?: string, userId?: string) =>
      idempotency('payment', key, request, 201, () => charge(request, userId)),
    refundOnce: (paymentId: string, request: RefundRequest, key?: string) =>
      idempotency(`refund:${paymentId}`, key, request, 201, () => refund(paymentId, request)),
  };
}

export type Payments = ReturnType<typeof createPayments>;
