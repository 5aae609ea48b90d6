import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedProducts } from '@fig/domain';
import { startTestIdentity } from '@fig/testing/test-identity';
import { importJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { address, monolithPerSuite } from './support/start-monolith.ts';

const product = seedProducts.find((p) => p.stock >= 100)!;

describe('who the monolith believes', () => {
  const monolith = monolithPerSuite({ service: 'checkout' });
  let alice = '';
  let bob = '';
  let bobs: { orderId: string; paymentId: string; cartId: string };

  beforeAll(async () => {
    alice = await monolith.login('alice');
    bob = await monolith.login('bob');
    const cartId = await monolith.cartWith(bob, [{ sku: product.sku, quantity: 1 }]);
    const placed = await monolith.call('/api/checkout', {
      token: bob,
      body: { cart_id: cartId, payment_method: 'pm_card_visa', shipping_address: address },
    });
    const order = await monolith.call(`/api/orders/${placed.body.order_id}`, { token: bob });
    const openCart = await monolith.cartWith(bob, [{ sku: product.sku, quantity: 2 }]);
    bobs = { orderId: placed.body.order_id, paymentId: order.body.payment_id, cartId: openCart };
  });

  it.each(['/api/orders', '/api/users/me', '/api/orders/ORDER', '/api/payments/PAYMENT'])(
    'answers a bare x-user-id on %s with 401, as if nobody had called',
    async (path) => {
      const url = path.replace('ORDER', bobs.orderId).replace('PAYMENT', bobs.paymentId);
      const response = await monolith.call(url, { headers: { 'x-user-id': 'usr_bob' } });
      expect(response.status).toBe(401);
      expect(response.body.error.code).toBe('UNAUTHENTICATED');
    },
  );

  it("gives Bob's cart to no one else, even with a forged x-user-id beside a real token", async () => {
    const forged = { 'x-user-id': 'usr_bob' };
    for (const init of [{ headers: forged }, { token: alice, headers: forged }]) {
      const response = await monolith.call(`/api/carts/${bobs.cartId}`, init);
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe('CART_NOT_FOUND');
    }
    const added = await monolith.call(`/api/carts/${bobs.cartId}/items`, {
      token: alice,
      body: { sku: product.sku, quantity: 5 },
    });
    expect(added.status).toBe(404);
    expect((await monolith.call(`/api/carts/${bobs.cartId}`, { token: bob })).body.items).toEqual([
      expect.objectContaining({ sku: product.sku, quantity: 2 }),
    ]);
  });

  it("answers Alice's token with 404 for Bob's order and payment, and 200 for Bob's", async () => {
    const order = await monolith.call(`/api/orders/${bobs.orderId}`, { token: alice });
    expect([order.status, order.body.error.code]).toEqual([404, 'ORDER_NOT_FOUND']);
    const payment = await monolith.call(`/api/payments/${bobs.paymentId}`, { token: alice });
    expect([payment.status, payment.body.error.code]).toEqual([404, 'PAYMENT_NOT_FOUND']);
    expect((await monolith.call(`/api/payments/${bobs.paymentId}`, { token: bob })).status).toBe(200);
    const forBob = await monolith.asService(`/api/payments/${bobs.paymentId}`, {
      headers: { 'x-user-id': 'usr_bob' },
    });
    expect(forBob.status).toBe(200);
    const forAlice = await monolith.asService(`/api/payments/${bobs.paymentId}`, {
      headers: { 'x-user-id': 'usr_alice' },
    });
    expect(forAlice.status).toBe(404);
  });

  it("never resolves Bob's entities for Alice through the subgraph", async () => {
    const query = `query ($r: [_Any!]!) { _entities(representations: $r) {
      ... on User { id name orders { id } } ... on Order { id totalCents } ... on Payment { id amountCents }
      ... on Cart { id totalCents } } }`;
    const representations = [
      { __typename: 'User', id: 'usr_bob' },
      { __typename: 'Order', id: bobs.orderId },
      { __typename: 'Payment', id: bobs.paymentId },
      { __typename: 'Cart', id: bobs.cartId },
    ];
    for (const init of [{ token: alice }, { token: alice, headers: { 'x-user-id': 'usr_bob' } }, {}]) {
      const answer = await monolith.callInternal('/graphql', {
        ...init,
        body: { query, variables: { r: representations } },
      });
      expect(answer.body.data._entities).toEqual([null, null, null, null]);
      expect(JSON.stringify(answer.body)).not.toContain('Bob');
    }
    const own = await monolith.callInternal('/graphql', {
      token: bob,
      body: { query, variables: { r: representations } },
    });
    expect(own.body.data._entities.map((e: { id: string } | null) => e?.id)).toEqual([
      'usr_bob',
      bobs.orderId,
      bobs.paymentId,
      bobs.cartId,
    ]);
    const queries = `{ order(id: "${bobs.orderId}") { id } payment(id: "${bobs.paymentId}") { id }
      cart(id: "${bobs.cartId}") { id } me { id } }`;
    const asAlice = await monolith.callInternal('/graphql', { token: alice, body: { query: queries } });
    expect(asAlice.body.data).toEqual({ order: null, payment: null, cart: null, me: { id: 'usr_alice' } });
  });

  it('refuses an end user reserving, charging, refunding or recording, and changes nothing', async () => {
    const stockBefore = (await monolith.call(`/api/inventory/${product.sku}`)).body;
    const paymentBefore = (await monolith.call(`/api/payments/${bobs.paymentId}`, { token: bob })).body;
    const attempts = [
      [
        '/api/inventory/reservations',
        { body: { items: [{ sku: product.sku, quantity: 1 }], ttl_seconds: 60 } },
      ],
      [
        '/api/payments',
        { body: { amount_cents: 100, currency: 'EUR', payment_method: 'pm_card_visa', order_ref: 'x' } },
      ],
      [`/api/payments/${bobs.paymentId}/refunds`, { body: {} }],
      ['/internal/orders/ord_forged', { method: 'PUT', body: { ...recorded(), user_id: 'usr_alice' } }],
    ] as const;
    for (const [path, init] of attempts) {
      // /internal/* exists on the internal listener only.
      const call = path.startsWith('/internal/') ? monolith.callInternal : monolith.call;
      const asUser = await call(path, { ...init, token: bob });
      expect([path, asUser.status, asUser.body.error.code]).toEqual([path, 403, 'INSUFFICIENT_SCOPE']);
      const asNobody = await call(path, { ...init, headers: { 'x-user-id': 'usr_bob' } });
      expect([path, asNobody.status]).toEqual([path, 401]);
    }
    expect((await monolith.call(`/api/inventory/${product.sku}`)).body).toEqual(stockBefore);
    expect((await monolith.call(`/api/payments/${bobs.paymentId}`, { token: bob })).body).toEqual(
      paymentBefore,
    );
    expect((await monolith.asService('/api/orders/ord_forged')).status).toBe(404);
  });

  it('lets a service token with the scope do them, and refuses one narrowed to other scopes', async () => {
    const reserved = await monolith.asService('/api/inventory/reservations', {
      body: { items: [{ sku: product.sku, quantity: 1 }], ttl_seconds: 60 },
    });
    expect(reserved.status).toBe(201);
    const id = reserved.body.reservation_id;
    const chargeOnly = await monolith.serviceToken('checkout', 'payments:charge');
    const commit = await monolith.call(`/api/inventory/reservations/${id}/commit`, {
      method: 'POST',
      token: chargeOnly,
    });
    expect([commit.status, commit.body.error.code]).toEqual([403, 'INSUFFICIENT_SCOPE']);
    expect(
      (await monolith.asService(`/api/inventory/reservations/${id}/commit`, { method: 'POST' })).status,
    ).toBe(200);
    const refund = await monolith.asService(`/api/payments/${bobs.paymentId}/refunds`, {
      body: { amount_cents: 1 },
    });
    expect(refund.status).toBe(201);
    const payment = await monolith.call('/api/payments', {
      token: chargeOnly,
      body: { amount_cents: 100, currency: 'EUR', payment_method: 'pm_card_visa', order_ref: 'svc' },
    });
    expect(payment.status).toBe(201);
    expect(
      (
        await monolith.callInternal('/internal/orders/ord_svc_x', {
          method: 'PUT',
          token: chargeOnly,
          body: recorded(),
        })
      ).status,
    ).toBe(403);
  });
});

describe("service tokens signed with the monolith's own key", () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'fig-monolith-callers-'));
  const monolith = monolithPerSuite({ dataDir });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  // The real signing key, read where the identity provider keeps it: only the claims differ.
  async function signed(claims: Record<string, unknown>) {
    const [stored] = JSON.parse(readFileSync(join(dataDir, 'jwt-keys.json'), 'utf8')).keys;
    const key = await importJWK(stored.private_jwk, 'RS256');
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      iss: 'http://127.0.0.1:3000',
      aud: 'fig',
      sub: 'svc:checkout',
      iat: now - 60,
      exp: now + 600,
      scope: 'inventory:reserve',
      ...claims,
    })
      .setProtectedHeader({ alg: 'RS256', kid: stored.kid })
      .sign(key);
  }

  it('refuses one expired or for another audience like a user token, and reserves nothing', async () => {
    const body = { items: [{ sku: product.sku, quantity: 1 }], ttl_seconds: 60 };
    const before = (await monolith.call(`/api/inventory/${product.sku}`)).body;
    const now = Math.floor(Date.now() / 1000);
    const cases = [
      [await signed({ exp: now - 120 }), 'token expired'],
      [await signed({ aud: 'elsewhere' }), 'aud claim invalid'],
    ];
    for (const [token, description] of cases) {
      const response = await monolith.call('/api/inventory/reservations', { token, body });
      expect(response.status).toBe(401);
      expect(response.body.error.code).toBe('INVALID_TOKEN');
      expect(response.headers.get('www-authenticate')).toContain(`error_description="${description}"`);
    }
    expect((await monolith.call(`/api/inventory/${product.sku}`)).body).toEqual(before);
    // The same key and claims within their lifetime do work: only the expiry or audience was wrong.
    expect(
      (await monolith.call('/api/inventory/reservations', { token: await signed({}), body })).status,
    ).toBe(201);
  });

  it('refuses one signed by a key the monolith never published', async () => {
    const stranger = await startTestIdentity({ issuer: 'http://127.0.0.1:3000' });
    try {
      const token = await stranger.serviceToken('checkout');
      const response = await monolith.call('/api/payments', {
        token,
        body: { amount_cents: 100, currency: 'EUR', payment_method: 'pm_card_visa', order_ref: 'x' },
      });
      expect([response.status, response.body.error.code]).toEqual([401, 'INVALID_TOKEN']);
    } finally {
      await stranger.close();
    }
  });
});

function recorded() {
  return {
    user_id: 'usr_bob',
    status: 'confirmed',
    total_cents: 100,
    currency: 'EUR',
    items: [{ sku: 'SKU-0007', quantity: 1, unit_price_cents: 100 }],
    shipping_address: address,
    created_at: '2026-01-02T03:04:05.000Z',
  };
}
