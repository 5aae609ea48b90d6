import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { everyRow } from '@fig/testing/sqlite-rows';
import { seedProducts } from '@fig/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { address, confirmedCheckout, type Monolith, startMonolith } from './support/start-monolith.ts';

const dryRun = { 'x-fig-dry-run': '1' };
const [product, other] = seedProducts.filter((p) => p.stock >= 100);

let dir: string;
let monolith: Monolith;
let alice: string;
let saga: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fig-dry-run-'));
  monolith = await startMonolith({ dataDir: dir });
  alice = await monolith.login('alice');
  saga = await monolith.serviceToken('checkout');
});
afterAll(async () => {
  await monolith?.close();
  rmSync(dir, { recursive: true, force: true });
});

const everyMonolithRow = () => everyRow(join(dir, 'monolith.sqlite'));

const count = (rows: Record<string, unknown[]>) =>
  Object.fromEntries(Object.entries(rows).map(([table, list]) => [table, list.length]));

describe('dry runs on the monolith (x-fig-dry-run: 1)', () => {
  it('answers a checkout as it would (201, an order) and changes nothing: no stock, payment, order or closed cart', async () => {
    const cartId = await monolith.cartWith(alice, [{ sku: product.sku, quantity: 2 }]);
    const before = everyMonolithRow();
    const checkout = (headers: Record<string, string> = {}, payment_method = 'pm_card_visa') =>
      monolith.call('/api/checkout', {
        body: { cart_id: cartId, payment_method, shipping_address: address },
        token: alice,
        headers,
      });
    const rehearsed = await checkout(dryRun);
    expect(rehearsed.status).toBe(201);
    expect(rehearsed.body).toEqual(confirmedCheckout(2 * product.price_cents));
    // The same refusals as a real checkout.
    const declined = await checkout(dryRun, 'pm_card_chargeDeclined');
    expect([declined.status, declined.body.error.code]).toEqual([402, 'PAYMENT_DECLINED']);
    const after = everyMonolithRow();
    expect(count(after)).toEqual(count(before));
    expect(after).toEqual(before);
    expect((await monolith.call(`/api/inventory/${product.sku}`)).body.available).toBe(product.stock);
    expect((await monolith.call('/api/orders', { token: alice })).body.items).toEqual([]);
    expect((await monolith.call(`/api/carts/${cartId}`, { token: alice })).body.status).toBe('open');
    expect(await monolith.call(`/api/orders/${rehearsed.body.order_id}`, { token: alice })).toMatchObject({
      status: 404,
    });

    // Without the header the same request does happen, and a dry run does not get in its way.
    const placed = await checkout();
    expect(placed.status).toBe(201);
    expect(placed.body.order_id).not.toBe(rehearsed.body.order_id);
    expect((await monolith.call(`/api/inventory/${product.sku}`)).body.available).toBe(product.stock - 2);
  });

  it('answers cart changes as it would and keeps none of them', async () => {
    const cartId = await monolith.cartWith(alice, [{ sku: product.sku, quantity: 1 }]);
    const before = everyMonolithRow();
    const created = await monolith.call('/api/carts', { method: 'POST', token: alice, headers: dryRun });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      cart_id: expect.stringMatching(/^cart_/),
      status: 'open',
      items: [],
    });
    const added = await monolith.call(`/api/carts/${cartId}/items`, {
      body: { sku: other.sku, quantity: 3 },
      token: alice,
      headers: dryRun,
    });
    expect(added.status).toBe(200);
    expect(added.body.items.map((item: { sku: string }) => item.sku)).toEqual([product.sku, other.sku]);
    expect(added.body.total_cents).toBe(product.price_cents + 3 * other.price_cents);
    const removed = await monolith.call(`/api/carts/${cartId}/items/${product.sku}`, {
      method: 'DELETE',
      token: alice,
      headers: dryRun,
    });
    expect([removed.status, removed.body.items]).toEqual([200, []]);
    const missing = await monolith.call(`/api/carts/${cartId}/items`, {
      body: { sku: 'SKU-9999', quantity: 1 },
      token: alice,
      headers: dryRun,
    });
    expect([missing.status, missing.body.error.code]).toEqual([404, 'SKU_NOT_FOUND']);
    expect(everyMonolithRow()).toEqual(before);
    expect((await monolith.call(`/api/carts/${created.body.cart_id}`, { token: alice })).status).toBe(404);
    expect((await monolith.call(`/api/carts/${cartId}`, { token: alice })).body.items).toHaveLength(1);
  });

  it('answers a charge and a refund as it would, records neither, and keeps no idempotency key', async () => {
    const charge = (headers: Record<string, string>) =>
      monolith.call('/api/payments', {
        body: { amount_cents: 1500, currency: 'EUR', payment_method: 'pm_card_visa', order_ref: 'ord_dry' },
        token: saga,
        headers: { 'x-user-id': 'usr_alice', 'idempotency-key': 'dry-1', ...headers },
      });
    const real = await monolith.call('/api/payments', {
      body: { amount_cents: 900, currency: 'EUR', payment_method: 'pm_card_visa', order_ref: 'ord_real' },
      token: saga,
    });
    expect(real.status).toBe(201);
    const before = everyMonolithRow();
    const rehearsed = await charge(dryRun);
    expect(rehearsed.status).toBe(201);
    expect(rehearsed.body).toMatchObject({ payment_id: expect.stringMatching(/^pay_/), status: 'succeeded' });
    const refund = await monolith.call(`/api/payments/${real.body.payment_id}/refunds`, {
      body: { amount_cents: 400 },
      token: saga,
      headers: dryRun,
    });
    expect(refund.status).toBe(201);
    expect(refund.body).toMatchObject({ amount_cents: 400, payment_status: 'partially_refunded' });
    const tooMuch = await monolith.call(`/api/payments/${real.body.payment_id}/refunds`, {
      body: { amount_cents: 901 },
      token: saga,
      headers: dryRun,
    });
    expect(tooMuch.status).toBe(422);
    // The dry run needs the same token and scope as the real thing.
    const asUser = await monolith.call('/api/payments', {
      body: { amount_cents: 1, currency: 'EUR', payment_method: 'pm_card_visa', order_ref: 'x' },
      token: alice,
      headers: dryRun,
    });
    expect(asUser.status).toBe(403);
    expect(everyMonolithRow()).toEqual(before);
    // The key was never used: the real charge under it runs, with a new id.
    const charged = await charge({});
    expect([charged.status, charged.headers.get('idempotent-replayed')]).toEqual([201, null]);
    expect(charged.body.payment_id).not.toBe(rehearsed.body.payment_id);
  });
});
