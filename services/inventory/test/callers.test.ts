import { describe, expect, it } from 'vitest';
import { jsonRequest } from '@fig/testing/json-request';
import { storeServicePerSuite } from '@fig/testing/store-service';
import { startTestIdentity } from '@fig/testing/test-identity';

// Whoever reaches the inventory port is nobody until a token says otherwise: reservations
// and what follows from them are the checkout saga's (a service token with inventory:reserve).
const inventory = storeServicePerSuite('services/inventory');

const sku = 'SKU-0005';
const stock = async () => (await jsonRequest(`${inventory.url}/api/inventory/${sku}`)).body;
const reserve = (headers: Record<string, string>) =>
  jsonRequest(`${inventory.url}/api/inventory/reservations`, {
    headers,
    body: { items: [{ sku, quantity: 1 }], ttl_seconds: 60 },
  });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('inventory callers', () => {
  it('answers 401 to a bare x-user-id, however it is spelt, and holds nothing', async () => {
    const before = await stock();
    const bare: Record<string, string>[] = [
      { 'x-user-id': 'usr_alice' },
      { 'X-User-Id': 'svc:checkout' },
      {},
    ];
    for (const headers of bare) {
      const refused = await reserve(headers);
      expect(refused.status).toBe(401);
      expect(refused.body.error.code).toBe('UNAUTHENTICATED');
    }
    expect(await stock()).toEqual(before);
  });

  it("refuses an end user's token with 403 on reserve, commit and release, and changes no stock", async () => {
    const saga = bearer(await inventory.identity.serviceToken('checkout'));
    const held = await reserve(saga);
    expect(held.status).toBe(201);
    const before = await stock();
    // Even a user token that claims the scope's neighbours, or a service's x-user-id beside it.
    const alice = bearer(await inventory.identity.userToken('usr_alice'));
    const path = `${inventory.url}/api/inventory/reservations/${held.body.reservation_id}`;
    const attempts = [
      await reserve({ ...alice, 'x-user-id': 'svc:checkout' }),
      await jsonRequest(`${path}/commit`, { method: 'POST', headers: alice }),
      await jsonRequest(path, { method: 'DELETE', headers: alice }),
    ];
    for (const refused of attempts) {
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('INSUFFICIENT_SCOPE');
    }
    expect(await stock()).toEqual(before);
    expect((await jsonRequest(path, { headers: saga })).body.status).toBe('active');
  });

  it('answers 401 to an expired, wrong-audience, wrong-issuer or foreign-key service token', async () => {
    const before = await stock();
    const tokens = [
      await inventory.identity.serviceToken('checkout', { expiresIn: -120 }),
      await inventory.identity.serviceToken('checkout', { claims: { aud: 'somebody-else' } }),
      await inventory.identity.serviceToken('checkout', { claims: { iss: 'https://evil.example' } }),
    ];
    const stranger = await startTestIdentity();
    try {
      tokens.push(await stranger.serviceToken('checkout'));
    } finally {
      await stranger.close();
    }
    for (const token of tokens) {
      const refused = await reserve(bearer(token));
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
      expect(refused.body.error.code).toBe('INVALID_TOKEN');
    }
    expect(await stock()).toEqual(before);
  });

  it('still shows stock levels to anyone', async () => {
    expect((await stock()).sku).toBe(sku);
  });
});
