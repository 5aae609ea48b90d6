import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { ErrorBody } from '@fig/platform';
import { DomainError } from '@fig/domain/errors';
import { newId } from '@fig/domain/ids';
import type { Order } from '@fig/domain/orders';
import { authorise } from '@fig/domain/payments';
import type { CheckoutInput, CheckoutResult } from '@fig/domain/routes/checkout';
import type { InventoryClient } from '../clients/inventory-client.ts';
import type { PaymentClient } from '../clients/payment-client.ts';
import { UpstreamUnavailableError } from '../clients/upstream-client.ts';
import { currentRequestId } from '../request-id-context.ts';
import { orderCreatedEvent } from '@fig/domain/events';
import { type CheckoutStore, LeaseLost } from '../storage/checkout-store.ts';
import { tracedStep } from './saga-spans.ts';
import type { Saga, SagaOutcome } from './saga-store.ts';

/** A refusal that reaches the client with the status and body the upstream (or contract) gave it. */
export class CheckoutRefused extends Error {
  readonly statusCode: number;
  readonly code: string;
  constructor(status: number, body: unknown) {
    const error = (body as ErrorBody | undefined)?.error;
    super(error?.message ?? `checkout refused with ${status}`);
    this.statusCode = status;
    this.code = error?.code ?? 'CHECKOUT_REFUSED';
  }
}

/**
 * A dependency could not answer. `CHECKOUT_UNAVAILABLE`: nothing happened, try again later.
 * `CHECKOUT_PENDING`: the outcome is not known yet; recovery completes or undoes it.
 */
export class CheckoutUnavailable extends Error {
  readonly statusCode = 503;
  readonly code: 'CHECKOUT_UNAVAILABLE' | 'CHECKOUT_PENDING';
  constructor(code: CheckoutUnavailable['code'], message: string) {
    super(message);
    this.code = code;
  }
}

export interface SagaDependencies {
  store: CheckoutStore;
  inventory: InventoryClient;
  payment: PaymentClient;
  /** How long stock stays held for a checkout that never finishes (its crash-safety net). */
  reservationTtlSeconds: number;
  /** Told when an order (and its event) has been written, so it goes out at once. */
  onOrder?: () => void;
  log: FastifyBaseLogger;
}

const orderStatus = 'confirmed';

// A cart line can grow past what one reservation line may ask for (repeated adds); the
// inventory API sums lines of the same sku, so a large line is sent in pieces and the
// answer stays the monolith's (409 when short) instead of a validation error.
const maxLineQuantity = 1000;

function reservationLines(sku: string, quantity: number) {
  const lines = [];
  for (let left = quantity; left > 0; left -= maxLineQuantity) {
    lines.push({ sku, quantity: Math.min(left, maxLineQuantity) });
  }
  return lines;
}

/**
 * The checkout saga: reserve stock -> charge -> commit stock, then write the order with its
 * `checkout.order_created.v1` event in one transaction (the outbox: the monolith learns of the
 * order from the event, so the checkout never waits on it). Each step is persisted before its
 * call, so `recover` can pick any saga up where a crash left it: before the charge is
 * requested it rolls back, once the charge is requested it rolls forward (the charge is
 * replayed under the same Idempotency-Key, which answers with the original charge instead of
 * charging twice). One replica drives a saga at a time, the one holding its lease.
 */
export function createCheckoutSaga(deps: SagaDependencies) {
  const { store, log } = deps;
  // Sagas this process is driving right now; its own recovery leaves them alone.
  const active = new Set<string>();
  const chargeKey = (saga: Saga) => `checkout:${saga.order_id}:charge`;
  const refundKey = (saga: Saga) => `checkout:${saga.order_id}:refund`;

  function begin(input: CheckoutInput): Promise<Saga> {
    return store.begin(input.cart_id, input.user_id, (cart) => ({
      id: randomUUID(),
      order_id: newId('ord'),
      cart_id: cart.cart_id,
      user_id: input.user_id,
      payment_method: input.payment_method,
      shipping_address: input.shipping_address,
      items: cart.items.map(({ sku, quantity, unit_price_cents }) => ({ sku, quantity, unit_price_cents })),
      total_cents: cart.total_cents,
      currency: cart.currency,
    }));
  }

  function fail(saga: Saga, outcome: SagaOutcome, status: number, body: unknown): Promise<Saga> {
    const undo = saga.payment_id !== null || saga.reservation_id !== null;
    return store.advance(saga.id, undo ? 'compensating' : 'failed', { outcome, error: { status, body } });
  }

  function toOrder(saga: Saga): Order {
    return {
      order_id: saga.order_id,
      user_id: saga.user_id,
      status: orderStatus,
      total_cents: saga.total_cents,
      currency: saga.currency,
      items: saga.items,
      payment_id: saga.payment_id,
      shipping_address: saga.shipping_address,
      created_at: saga.created_at,
    };
  }

  async function completeOrder(saga: Saga): Promise<Saga> {
    const order = toOrder(saga);
    const done = await store.complete(saga.id, order, orderCreatedEvent(order));
    deps.onOrder?.();
    return done;
  }

  /** One step forward, as a span of its own; returns the saga as persisted afterwards. */
  const step = tracedStep(runStep);
  async function runStep(saga: Saga, live: boolean, requestId?: string): Promise<Saga> {
    // Every call is made with this service's token, for the customer who checks out.
    const on = { user: saga.user_id, requestId };
    switch (saga.step) {
      case 'reserving': {
        // Only the request that created the saga may reserve: after a crash the reservation it
        // may have made is unknown, and its TTL gives the units back.
        if (!live) return fail(saga, 'interrupted', 503, undefined);
        const items = saga.items.flatMap(({ sku, quantity }) => reservationLines(sku, quantity));
        let answer;
        try {
          answer = await deps.inventory.reserve(items, deps.reservationTtlSeconds, on);
        } catch (error) {
          await fail(saga, 'interrupted', 503, undefined);
          throw error;
        }
        if (answer.status !== 201) return fail(saga, 'out_of_stock', answer.status, answer.body);
        const reservationId = (answer.body as { reservation_id: string }).reservation_id;
        return store.advance(saga.id, 'charging', { reservation_id: reservationId });
      }
      case 'charging': {
        const answer = await deps.payment.charge(
          {
            amount_cents: saga.total_cents,
            currency: saga.currency,
            payment_method: saga.payment_method,
            order_ref: saga.order_id,
          },
          chargeKey(saga),
          on,
        );
        if (answer.status !== 201) {
          return fail(
            saga,
            answer.status === 402 ? 'declined' : 'payment_refused',
            answer.status,
            answer.body,
          );
        }
        return store.advance(saga.id, 'ordering', {
          payment_id: (answer.body as { payment_id: string }).payment_id,
        });
      }
      case 'ordering': {
        const answer = await deps.inventory.commit(saga.reservation_id!, on);
        if (answer.status !== 200) {
          // The hold expired (or was released) before the charge came back: the units may be
          // sold to someone else, so the charge is undone rather than overselling.
          const refusal = new DomainError.OutOfStock(saga.items.map((item) => item.sku).join(', '));
          return fail(saga, 'reservation_lost', refusal.statusCode, {
            error: { code: refusal.code, message: refusal.message },
          });
        }
        return completeOrder(saga);
      }
      // A saga stored before orders went out through the outbox: its order exists; write the event.
      case 'recording':
        return completeOrder(saga);
      case 'compensating': {
        if (saga.payment_id) {
          const answer = await deps.payment.refundAll(saga.payment_id, refundKey(saga), on);
          // 409: nothing left to refund — an earlier attempt got there first.
          if (answer.status !== 201 && answer.status !== 409) {
            log.error({ saga: saga.id, status: answer.status, body: answer.body }, 'refund refused');
          }
        }
        if (saga.reservation_id) {
          const answer = await deps.inventory.release(saga.reservation_id, on);
          if (answer.status !== 204 && answer.status !== 404) {
            log.error({ saga: saga.id, status: answer.status, body: answer.body }, 'release refused');
          }
        }
        return store.advance(saga.id, 'failed');
      }
      default:
        return saga;
    }
  }

  /** Drives a saga until it is done, failed, or waiting on an unavailable dependency. */
  async function drive(start: Saga, live: boolean, requestId?: string): Promise<Saga> {
    let saga = start;
    while (saga.step !== 'done' && saga.step !== 'failed') saga = await step(saga, live, requestId);
    return saga;
  }

  async function placeOrder(input: CheckoutInput): Promise<CheckoutResult> {
    const requestId = currentRequestId();
    const saga = await begin(input);
    active.add(saga.id);
    try {
      let finished: Saga;
      try {
        finished = await drive(saga, true, requestId);
      } catch (error) {
        if (!(error instanceof UpstreamUnavailableError)) throw error;
        const current = (await store.get(saga.id))!;
        if (current.step === 'failed') {
          throw new CheckoutUnavailable(
            'CHECKOUT_UNAVAILABLE',
            `${error.upstream} is unavailable; nothing was charged`,
          );
        }
        log.warn({ saga: saga.id, err: error }, 'checkout interrupted; recovery will finish or undo it');
        // Any replica's recovery may take it from here.
        await store.release(saga.id);
        // A definite refusal stays the answer even if undoing it has to wait for recovery.
        if (current.step === 'compensating' && current.error && current.error.status !== 503) {
          throw new CheckoutRefused(current.error.status, current.error.body);
        }
        throw new CheckoutUnavailable(
          'CHECKOUT_PENDING',
          `${error.upstream} did not answer; order ${current.order_id} will be completed or undone automatically`,
        );
      }
      if (finished.step === 'failed' || finished.step === 'compensating') {
        const { status, body } = finished.error ?? { status: 503, body: undefined };
        throw new CheckoutRefused(status, body);
      }
      return {
        order_id: finished.order_id,
        status: orderStatus,
        total_cents: finished.total_cents,
        currency: finished.currency,
      };
    } finally {
      active.delete(saga.id);
    }
  }

  /** Finishes or undoes every saga a crash or an outage left behind and no replica holds. */
  async function recover(): Promise<{ resumed: number; pending: number }> {
    let resumed = 0;
    let pending = 0;
    for (;;) {
      const claimed = (await store.claimUnfinished(20)).filter((saga) => !active.has(saga.id));
      if (claimed.length === 0) break;
      for (const saga of claimed) {
        active.add(saga.id);
        try {
          const finished = await drive(saga, false);
          if (finished.step === 'done' || finished.step === 'failed') resumed++;
        } catch (error) {
          pending++;
          if (!(error instanceof LeaseLost)) {
            log.warn({ saga: saga.id, err: error }, 'saga recovery postponed');
            // Left for the next pass (this replica's or another's), not retried in this one.
            await store.release(saga.id).catch(() => {});
          }
        } finally {
          active.delete(saga.id);
        }
      }
      if (pending > 0) break;
    }
    return { resumed, pending };
  }

  /**
   * The checkout as a dry run (`x-fig-dry-run: 1`): the cart is checked and priced here and the
   * payment method authorised as the payment service would (402 when declined); the answer is
   * the order a real checkout would confirm, under a fresh id. No saga is stored and no other
   * service is called — a reservation, a charge or a recorded order would be real there.
   * Stock is not looked at: a dry run of a cart the inventory cannot fill answers 201 here.
   * Synchronous on SQLite (its rolled-back transaction must hold every read), a promise on PostgreSQL.
   */
  function previewOrder(input: CheckoutInput): CheckoutResult | Promise<CheckoutResult> {
    const answer = (cart: { total_cents: number; currency: string }): CheckoutResult => {
      authorise(input.payment_method);
      return {
        order_id: newId('ord'),
        status: orderStatus,
        total_cents: cart.total_cents,
        currency: cart.currency,
      };
    };
    const cart = store.carts.forCheckout(input.cart_id, input.user_id);
    return cart instanceof Promise ? cart.then(answer) : answer(cart);
  }

  return { placeOrder, previewOrder, recover };
}

export type CheckoutSaga = ReturnType<typeof createCheckoutSaga>;
