import type { Cart } from './carts.ts';
import type { Outcome } from './idempotency.ts';
import type { ItemQuantity, Reservation, StockLevel } from './inventory.ts';
import type { Order } from './orders.ts';
import type { ChargeRequest, Payment, RefundRequest } from './payments.ts';

/**
 * The one interface each slice of the domain is stored behind, so routes and the saga do not
 * know where the data lives: node:sqlite (synchronous, the embedded default and the monolith)
 * or PostgreSQL (asynchronous, `DATABASE_URL`). Callers always `await`.
 */
export type Awaitable<T> = T | Promise<T>;

/** Runs `work` in a transaction that is always rolled back: a dry run. */
export type RehearseAny = <T>(work: () => T) => T | Promise<Awaited<T>>;

export interface InventoryRepository {
  stockOf(sku: string): Awaitable<StockLevel | undefined>;
  stockOfMany(skus: readonly string[]): Awaitable<Map<string, StockLevel>>;
  get(id: string): Awaitable<Reservation>;
  reserve(items: readonly ItemQuantity[], ttlSeconds: number): Awaitable<Reservation>;
  release(id: string): Awaitable<Reservation>;
  commit(id: string): Awaitable<Reservation>;
  /** Whether this reservation was made here (not on the monolith before the route moved). */
  owns(id: string): Awaitable<boolean>;
  /** Units on hand per sku (reservations not subtracted): what a copy of this stock must equal. */
  onHand(): Awaitable<{ sku: string; on_hand: number }[]>;
}

export interface PaymentsRepository {
  get(id: string, userId?: string): Awaitable<Payment>;
  rehearse: RehearseAny;
  chargeOnce(request: ChargeRequest, key?: string, userId?: string): Awaitable<Outcome>;
  refundOnce(paymentId: string, request: RefundRequest, key?: string): Awaitable<Outcome>;
  owns(id: string): Awaitable<boolean>;
}

export interface CartsRepository {
  create(userId?: string): Awaitable<Cart>;
  get(id: string, userId?: string): Awaitable<Cart>;
  addItem(id: string, sku: string, quantity: number, userId?: string): Awaitable<Cart>;
  removeItem(id: string, sku: string, userId?: string): Awaitable<Cart>;
  forCheckout(id: string, userId?: string): Awaitable<Cart>;
  rehearse: RehearseAny;
}

export interface OrdersRepository {
  get(id: string, userId?: string): Awaitable<Order>;
  forUser(userId: string): Awaitable<Order[]>;
}
