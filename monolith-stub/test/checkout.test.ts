import { seedProducts } from '@fig/domain';
import { describe, expect, it } from 'vitest';
import { address, confirmedCheckout, monolithPerSuite } from './support/start-monolith.ts';

const plenty = seedProducts.filter((p) => p.stock >= 100);
const scarce = seedProducts.filter((p) => p.stock >= 2 && p.stock <= 5);

describe('carts', () => {
  const monolith = monolithPerSuite({ signedIn: 'alice' });

  it('creates a cart, adds to a line, removes a line, and keeps the total right', async () => {
    const [a, b] = plenty;
    const created = await monolith.call('/api/carts', { method: 'POST' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'open', items: [], total_cents: 0, currency: 'EUR' });
    const id = created.body.cart_id;
    await monolith.call(`/api/carts/${id}/items`, { body: { sku: a.sku, quantity: 2 } });
    await monolith.call(`/api/carts/${id}/items`, { body: { sku: b.sku, quantity: 1 } });
    const added = await monolith.call(`/api/carts/${id}/items`, { body: { sku: a.sku, quantity: 1 } });
    expect(added.status).toBe(200);
    expect(added.body.items).toEqual([
      {
        sku: a.sku,
        product_id: a.id,
        name: a.name,
        quantity: 3,
        unit_price_cents: a.price_cents,
        line_total_cents: 3 * a.price_cents,
      },
      expect.objectContaining({ sku: b.sku, quantity: 1 }),
    ]);
    expect(added.body.total_cents).toBe(3 * a.price_cents + b.price_cents);

    const removed = await monolith.call(`/api/carts/${id}/items/${a.sku}`, { method: 'DELETE' });
    expect(removed.body.total_cents).toBe(b.price_cents);
    expect((await monolith.call(`/api/carts/${id}`)).body).toEqual(removed.body);
  });

  it('answers unknown carts, skus and lines with 404', async () => {
    expect((await monolith.call('/api/carts/cart_missing')).body.error.code).toBe('CART_NOT_FOUND');
    const id = (await monolith.call('/api/carts', { method: 'POST' })).body.cart_id;
    const sku = await monolith.call(`/api/carts/${id}/items`, { body: { sku: 'SKU-9999', quantity: 1 } });
    expect([sku.status, sku.body.error.code]).toEqual([404, 'SKU_NOT_FOUND']);
    const line = await monolith.call(`/api/carts/${id}/items/${plenty[0].sku}`, { method: 'DELETE' });
    expect([line.status, line.body.error.code]).toEqual([404, 'CART_ITEM_NOT_FOUND']);
  });

  it("keeps a signed-in user's cart from other users", async () => {
    const cartId = await monolith.cartWith(monolith.token, [{ sku: plenty[0].sku, quantity: 1 }]);
    const bob = await monolith.login('bob');
    expect((await monolith.call(`/api/carts/${cartId}`, { token: bob })).status).toBe(404);
    expect((await monolith.call(`/api/carts/${cartId}`, { token: monolith.token })).status).toBe(200);
  });

  it.each([
    ['a negative quantity', { sku: 'SKU-0001', quantity: -1 }],
    ['a quantity as a string', { sku: 'SKU-0001', quantity: '2' }],
    ['a missing sku', { quantity: 1 }],
    ['an unknown field', { sku: 'SKU-0001', quantity: 1, gift: true }],
    ['malformed JSON', '{"sku":'],
  ])('answers %s with a JSON 400', async (_name, body) => {
    const id = (await monolith.call('/api/carts', { method: 'POST' })).body.cart_id;
    const response = await monolith.call(`/api/carts/${id}/items`, { body });
    expect(response.status).toBe(400);
    expect(response.body.error).toEqual({ code: expect.any(String), message: expect.any(String) });
  });

  it('refuses a body on cart creation that has fields', async () => {
    expect((await monolith.call('/api/carts', { body: { owner: 'x' } })).status).toBe(400);
  });
});

describe('checkout', () => {
  const monolith = monolithPerSuite({ signedIn: 'alice' });

  const checkout = (cart_id: string, payment_method = 'pm_card_visa', token = monolith.token) =>
    monolith.call('/api/checkout', { body: { cart_id, payment_method, shipping_address: address }, token });
  const available = async (sku: string) => (await monolith.call(`/api/inventory/${sku}`)).body.available;
  const orderCount = async () =>
    (await monolith.call('/api/orders', { token: monolith.token })).body.items.length;

  it('takes the stock, charges, records the order and closes the cart', async () => {
    const product = plenty[1];
    const cartId = await monolith.cartWith(monolith.token, [{ sku: product.sku, quantity: 2 }]);
    const placed = await checkout(cartId);
    expect(placed.status).toBe(201);
    expect(placed.body).toEqual(confirmedCheckout(2 * product.price_cents));
    expect(await available(product.sku)).toBe(product.stock - 2);

    const order = await monolith.call(`/api/orders/${placed.body.order_id}`, { token: monolith.token });
    expect(order.body).toMatchObject({
      user_id: 'usr_alice',
      status: 'confirmed',
      items: [{ sku: product.sku, quantity: 2, unit_price_cents: product.price_cents }],
      shipping_address: address,
    });
    const payment = await monolith.call(`/api/payments/${order.body.payment_id}`, { token: monolith.token });
    expect(payment.body).toMatchObject({
      amount_cents: 2 * product.price_cents,
      order_ref: placed.body.order_id,
    });

    expect((await monolith.call(`/api/carts/${cartId}`, { token: monolith.token })).body.status).toBe(
      'checked_out',
    );
    const again = await checkout(cartId);
    expect([again.status, again.body.error.code]).toEqual([409, 'CART_CLOSED']);
    const add = await monolith.call(`/api/carts/${cartId}/items`, {
      body: { sku: product.sku, quantity: 1 },
      token: monolith.token,
    });
    expect(add.status).toBe(409);
  });

  it('changes nothing when the card is declined (402)', async () => {
    const product = plenty[2];
    const cartId = await monolith.cartWith(monolith.token, [{ sku: product.sku, quantity: 1 }]);
    const ordersBefore = await orderCount();
    const declined = await checkout(cartId, 'pm_card_chargeDeclined');
    expect([declined.status, declined.body.error.code]).toEqual([402, 'PAYMENT_DECLINED']);
    expect(await available(product.sku)).toBe(product.stock);
    expect(await orderCount()).toBe(ordersBefore);
    expect((await monolith.call(`/api/carts/${cartId}`, { token: monolith.token })).body.status).toBe('open');
    expect((await checkout(cartId)).status).toBe(201);
  });

  it('changes nothing when stock is short (409), even for lines that were available', async () => {
    const [enough, short] = [plenty[3], scarce[0]];
    const cartId = await monolith.cartWith(monolith.token, [
      { sku: enough.sku, quantity: 1 },
      { sku: short.sku, quantity: short.stock + 1 },
    ]);
    const refused = await checkout(cartId);
    expect([refused.status, refused.body.error.code]).toEqual([409, 'OUT_OF_STOCK']);
    expect(await available(enough.sku)).toBe(enough.stock);
    expect(await available(short.sku)).toBe(short.stock);
  });

  it('needs a signed-in user, a non-empty cart and a valid body', async () => {
    const cartId = await monolith.cartWith(monolith.token, [{ sku: plenty[4].sku, quantity: 1 }]);
    const anonymous = await monolith.call('/api/checkout', {
      body: { cart_id: cartId, payment_method: 'pm_card_visa', shipping_address: address },
    });
    expect([anonymous.status, anonymous.body.error.code]).toEqual([401, 'UNAUTHENTICATED']);
    const empty = await monolith.cartWith(monolith.token, []);
    expect((await checkout(empty)).body.error.code).toBe('CART_EMPTY');
    expect((await checkout('cart_missing')).status).toBe(404);
    for (const body of [
      { cart_id: cartId, payment_method: 'pm_card_visa' },
      {
        cart_id: cartId,
        payment_method: 'pm_card_visa',
        shipping_address: { ...address, country: 'Belgium' },
      },
      { cart_id: cartId, payment_method: 'pm_card_visa', shipping_address: address, coupon: 'FREE' },
      { cart_id: 42, payment_method: 'pm_card_visa', shipping_address: address },
    ]) {
      expect((await monolith.call('/api/checkout', { body, token: monolith.token })).status).toBe(400);
    }
  });

  it('never oversells when many users check out the last units at once', async () => {
    const product = scarce[1];
    const bob = await monolith.login('bob');
    const tokens = Array.from({ length: 10 }, (_, i) => (i % 2 ? monolith.token : bob));
    const carts = await Promise.all(
      tokens.map((token) => monolith.cartWith(token, [{ sku: product.sku, quantity: 1 }])),
    );
    const results = await Promise.all(carts.map((cartId, i) => checkout(cartId, 'pm_card_visa', tokens[i])));
    expect(results.filter((r) => r.status === 201)).toHaveLength(product.stock);
    expect(results.filter((r) => r.status === 409)).toHaveLength(10 - product.stock);
    expect(await available(product.sku)).toBe(0);
  });
});
