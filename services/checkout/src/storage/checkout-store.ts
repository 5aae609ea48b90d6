import type { Cart } from '@fig/domain/carts';
import type { Order } from '@fig/domain/orders';
import type { FigEvent, OutboxSource } from '@fig/platform/events';
import type { Awaitable, CartsRepository, OrdersRepository } from '@fig/domain/repositories';
import type { FoundCart } from '../carts/adopt-carts.ts';
import type { NewSaga, Saga, SagaStep } from '../saga/saga-store.ts';

/** Another replica holds this saga now (this one's lease ran out): stop driving it. */
export class LeaseLost extends Error {
  constructor(id: string) {
    super(`saga ${id} is leased to another replica`);
  }
}

export type SagaFields = Partial<Pick<Saga, 'outcome' | 'reservation_id' | 'payment_id' | 'error'>>;

/**
 * Everything the checkout service keeps, behind one interface with an SQLite and a PostgreSQL
 * implementation. Each method is atomic on its own; the saga never holds a transaction across
 * a call to another service.
 *
 * A saga is driven by one replica at a time: the one holding its lease (`lease_owner`,
 * `lease_until`). Every write of a saga renews the lease and fails with LeaseLost when another
 * replica has taken it over; recovery claims only sagas whose lease ran out.
 */
export interface CheckoutStore {
  carts: CartsRepository;
  orders: OrdersRepository;
  /** One transaction: the open, non-empty cart becomes a saga leased to this replica (CART_CLOSED when one is live). */
  begin(cartId: string, userId: string, build: (cart: Cart) => NewSaga): Promise<Saga>;
  get(id: string): Promise<Saga | undefined>;
  advance(id: string, step: SagaStep, fields?: SagaFields): Promise<Saga>;
  /** One transaction: the order, its cart checked out, the saga done and `event` in the outbox. */
  complete(id: string, order: Order, event: FigEvent): Promise<Saga>;
  /** Gives the lease up, so any replica's recovery picks the saga up at once. */
  release(id: string): Promise<void>;
  /** Leases up to `limit` unfinished sagas nobody holds (each to exactly one replica). */
  claimUnfinished(limit: number): Promise<Saga[]>;
  countsByStep(): Promise<Record<string, number>>;
  /** Whether a cart is here (not only on the monolith). */
  hasCart(id: string): Promise<boolean>;
  /** Stores a cart found on the monolith; inside `rehearse` it is rolled back with the rest. */
  adoptCart(found: FoundCart): Awaitable<void>;
  /** Runs `work` in a rolled-back transaction, `adopt` stored first: a dry run. */
  rehearse<T>(work: () => T, adopt?: FoundCart): T | Promise<Awaited<T>>;
  /** The order the saga wrote, for delivering it to the monolith. */
  order(id: string): Promise<Order | undefined>;
  outbox: OutboxSource;
  ready(): Awaitable<boolean>;
  close(): Promise<void>;
}
