import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedProducts } from '@fig/domain';
import { afterAll, describe, expect, it } from 'vitest';
import { address, startMonolith } from './support/start-monolith.ts';

describe('a monolith with DATA_DIR', () => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'fig-monolith-')), 'nested', 'data');
  afterAll(() => rmSync(join(dataDir, '..', '..'), { recursive: true, force: true }));

  it('creates the folder and keeps orders, stock, carts and idempotency keys across a restart', async () => {
    const product = seedProducts.find((p) => p.stock >= 100)!;
    const charge = { amount_cents: 700, currency: 'EUR', payment_method: 'pm_card_visa', order_ref: 'r' };

    const first = await startMonolith({ dataDir });
    const token = await first.login();
    const cartId = await first.cartWith(token, [{ sku: product.sku, quantity: 4 }]);
    const order = await first.call('/api/checkout', {
      body: { cart_id: cartId, payment_method: 'pm_card_visa', shipping_address: address },
      token,
    });
    const openCart = await first.cartWith(token, [{ sku: product.sku, quantity: 1 }]);
    const payment = await first.call('/api/payments', {
      body: charge,
      headers: { 'idempotency-key': 'persisted' },
    });
    await first.close();

    const second = await startMonolith({ dataDir });
    try {
      const orders = await second.call('/api/orders', { token });
      expect(orders.body.items.map((o: { order_id: string }) => o.order_id)).toEqual([order.body.order_id]);
      expect((await second.call(`/api/inventory/${product.sku}`)).body.available).toBe(product.stock - 4);
      expect((await second.call(`/api/carts/${openCart}`, { token })).body.items).toHaveLength(1);
      const replay = await second.call('/api/payments', {
        body: charge,
        headers: { 'idempotency-key': 'persisted' },
      });
      expect(replay.body.payment_id).toBe(payment.body.payment_id);
    } finally {
      await second.close();
    }
  });
});
