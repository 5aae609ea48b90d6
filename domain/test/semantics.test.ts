import { describe, expect, it } from 'vitest';
import { createCarts } from '../src/carts.ts';
import { openDatabase } from '../src/database.ts';
import { requestHash } from '../src/idempotency.ts';
import { createInventory } from '../src/inventory.ts';
import { createPayments } from '../src/payments.ts';
import { seedProducts } from '../src/seed.ts';

const scarce = seedProducts.find((p) => p.stock >= 2 && p.stock <= 5)!;

describe('domain semantics on one database', () => {
  it('lets an expired reservation free its units without any sweeper', () => {
    let now = 1_000_000;
    const inventory = createInventory(openDatabase(':memory:', { name: 'inv' }), { clock: () => now });
    const held = inventory.reserve([{ sku: scarce.sku, quantity: scarce.stock }], 10);
    expect(() => inventory.take([{ sku: scarce.sku, quantity: 1 }])).toThrow(/not enough stock/);
    now += 10_000;
    expect(inventory.get(held.reservation_id).status).toBe('expired');
    inventory.take([{ sku: scarce.sku, quantity: scarce.stock }]);
    expect(inventory.stockOf(scarce.sku)).toEqual({ sku: scarce.sku, available: 0, reserved: 0 });
  });

  it('hashes requests independently of key order, but not of values', () => {
    expect(requestHash({ a: 1, b: { c: [1, 2], d: null } })).toBe(
      requestHash({ b: { d: null, c: [1, 2] }, a: 1 }),
    );
    expect(requestHash({ a: 1 })).not.toBe(requestHash({ a: 2 }));
    expect(requestHash({ a: [1, 2] })).not.toBe(requestHash({ a: [2, 1] }));
  });

  it('stores a refusal under its key so a retry gets the same answer', () => {
    const payments = createPayments(openDatabase(':memory:', { name: 'pay' }));
    const declined = {
      amount_cents: 1,
      currency: 'EUR',
      payment_method: 'pm_card_chargeDeclined',
      order_ref: 'o',
    };
    expect(payments.chargeOnce(declined, 'k1')).toMatchObject({ statusCode: 402, replayed: false });
    expect(payments.chargeOnce(declined, 'k1')).toMatchObject({ statusCode: 402, replayed: true });
  });

  it('prices carts from the catalog and refuses to check out an empty one', () => {
    const carts = createCarts(openDatabase(':memory:', { name: 'carts' }));
    const cart = carts.create('usr_alice');
    expect(() => carts.forCheckout(cart.cart_id, 'usr_alice')).toThrow(/empty/);
    carts.addItem(cart.cart_id, scarce.sku, 2, 'usr_alice');
    expect(carts.forCheckout(cart.cart_id, 'usr_alice').total_cents).toBe(2 * scarce.price_cents);
    expect(() => carts.get(cart.cart_id, 'usr_bob')).toThrow(/not found/);
  });
});
