import { describe, expect, it } from 'vitest';
import { monolithPerSuite, recordedOrder } from './support/start-monolith.ts';

const placedElsewhere = recordedOrder(2, 'pay_from_the_payment_service');

describe('orders', () => {
  const monolith = monolithPerSuite({ signedIn: 'bob', service: 'checkout' });

  it('records orders placed by the checkout service so the user sees them here', async () => {
    const recorded = await monolith.asServiceInternal('/internal/orders/ord_svc_1', {
      method: 'PUT',
      body: placedElsewhere,
    });
    expect(recorded.status).toBe(201);
    expect(recorded.body).toEqual({ order_id: 'ord_svc_1', ...placedElsewhere });

    const again = await monolith.asServiceInternal('/internal/orders/ord_svc_1', {
      method: 'PUT',
      body: { ...placedElsewhere, status: 'refunded' },
    });
    expect(again.status).toBe(200);

    const list = await monolith.call('/api/orders', { token: monolith.token });
    expect(list.body.items).toEqual([{ order_id: 'ord_svc_1', ...placedElsewhere, status: 'refunded' }]);
    expect((await monolith.call('/api/orders/ord_svc_1', { token: monolith.token })).body.status).toBe(
      'refunded',
    );
  });

  it("hides other users' orders and unknown ones behind 404, and needs a user", async () => {
    await monolith.asServiceInternal('/internal/orders/ord_svc_2', { method: 'PUT', body: placedElsewhere });
    const alice = await monolith.login('alice');
    expect((await monolith.call('/api/orders/ord_svc_2', { token: alice })).status).toBe(404);
    expect((await monolith.call('/api/orders', { token: alice })).body.items).toEqual([]);
    expect((await monolith.call('/api/orders/ord_nope', { token: monolith.token })).body.error.code).toBe(
      'ORDER_NOT_FOUND',
    );
    expect((await monolith.call('/api/orders')).status).toBe(401);
  });

  it('lets a service token act for the user named in x-user-id, and nobody else', async () => {
    const acting = { 'x-user-id': 'usr_bob' };
    const list = await monolith.asService('/api/orders', { headers: acting });
    expect(list.body.items.length).toBeGreaterThan(0);
    expect((await monolith.asService('/api/users/me', { headers: acting })).body.username).toBe('bob');
    const carol = await monolith.asService('/api/users/me', { headers: { 'x-user-id': 'usr_carol' } });
    expect(carol.status).toBe(404);
    expect((await monolith.asService('/api/users/me', { headers: { 'x-user-id': 'bad id!' } })).status).toBe(
      400,
    );
    // Without x-user-id the service acts for nobody: there is no "me".
    expect((await monolith.asService('/api/users/me')).status).toBe(401);
  });

  it('refuses internal calls that came through the edge (X-Forwarded-For or Forwarded set)', async () => {
    const proxied: Record<string, string>[] = [
      { 'x-forwarded-for': '203.0.113.7' },
      { forwarded: 'for=203.0.113.7' },
    ];
    for (const headers of proxied) {
      const refused = await monolith.asServiceInternal('/internal/orders/ord_edge', {
        method: 'PUT',
        body: placedElsewhere,
        headers,
      });
      expect([refused.status, refused.body.error.code]).toEqual([403, 'FORBIDDEN']);
      expect((await monolith.callInternal('/internal/keys/rotate', { method: 'POST', headers })).status).toBe(
        403,
      );
    }
    expect((await monolith.call('/api/orders/ord_edge', { token: monolith.token })).status).toBe(404);
  });

  it.each([
    ['a missing user', { ...placedElsewhere, user_id: undefined }],
    ['an unknown status', { ...placedElsewhere, status: 'lost' }],
    ['no items', { ...placedElsewhere, items: [] }],
    [
      'a negative quantity',
      { ...placedElsewhere, items: [{ sku: 'SKU-0007', quantity: -2, unit_price_cents: 1 }] },
    ],
    ['an unknown field', { ...placedElsewhere, notes: 'x' }],
  ])('refuses to record an order with %s', async (_name, body) => {
    const response = await monolith.asServiceInternal('/internal/orders/ord_bad', { method: 'PUT', body });
    expect(response.status).toBe(400);
  });
});

describe('internal endpoints with INTERNAL_TOKEN', () => {
  const internalToken = 'a-long-internal-secret';
  const monolith = monolithPerSuite({ internalToken });

  it('need the token in x-internal-token', async () => {
    const put = (headers: Record<string, string>) =>
      monolith.callInternal('/internal/orders/ord_t', { method: 'PUT', body: placedElsewhere, headers });
    const refused = await put({});
    expect([refused.status, refused.body.error.code]).toEqual([403, 'FORBIDDEN']);
    expect((await put({ 'x-internal-token': 'wrong' })).status).toBe(403);
    expect((await put({ 'x-internal-token': internalToken })).status).toBe(201);
    expect((await monolith.callInternal('/internal/keys/rotate', { method: 'POST' })).status).toBe(403);
  });

  it('or a service token with orders:record instead', async () => {
    const token = await monolith.serviceToken('checkout');
    const recorded = await monolith.callInternal('/internal/orders/ord_t2', {
      method: 'PUT',
      body: placedElsewhere,
      token,
    });
    expect(recorded.status).toBe(201);
  });
});
