import { beforeAll, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnDeployable } from '@fig/testing/spawn-deployable';
import { storeServicePerSuite } from '@fig/testing/store-service';
import { fetchServiceToken } from '@fig/testing/test-identity';

// No monolith behind it: every reservation id this service does not know is answered here.
const inventory = storeServicePerSuite('services/inventory');
// Reservations are the checkout saga's: its service token carries `inventory:reserve`.
let saga: { authorization: string };

beforeAll(async () => {
  saga = { authorization: `Bearer ${await inventory.identity.serviceToken('checkout')}` };
});

async function stock(sku: string) {
  const response = await fetch(`${inventory.url}/api/inventory/${sku}`);
  expect(response.status).toBe(200);
  return (await response.json()) as { sku: string; available: number; reserved: number };
}

function reserve(items: { sku: string; quantity: number }[], ttlSeconds = 60) {
  return fetch(`${inventory.url}/api/inventory/reservations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...saga },
    body: JSON.stringify({ items, ttl_seconds: ttlSeconds }),
  });
}

describe('inventory service', () => {
  it('lets exactly k of N parallel reservations for the last k units succeed', async () => {
    // Every tenth seeded product is scarce (1-5 units).
    const sku = 'SKU-0010';
    const k = (await stock(sku)).available;
    expect(k).toBeGreaterThan(0);
    const attempts = k + 15;
    const answers = await Promise.all(
      Array.from({ length: attempts }, () => reserve([{ sku, quantity: 1 }])),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(k);
    expect(statuses.filter((status) => status === 409)).toHaveLength(attempts - k);
    const refusal = (await answers.find((answer) => answer.status === 409)!.json()) as any;
    expect(refusal.error.code).toBe('OUT_OF_STOCK');
    expect(await stock(sku)).toEqual({ sku, available: 0, reserved: k });
  });

  it('gives the units back when a reservation expires', async () => {
    const sku = 'SKU-0001';
    const before = await stock(sku);
    const answer = await reserve([{ sku, quantity: 3 }], 1);
    expect(answer.status).toBe(201);
    const reservation = (await answer.json()) as any;
    expect(await stock(sku)).toEqual({ sku, available: before.available - 3, reserved: 3 });
    let after = await stock(sku);
    for (let i = 0; i < 100 && after.reserved > 0; i++) {
      await sleep(50);
      after = await stock(sku);
    }
    expect(after).toEqual(before);
    const status = (await (
      await fetch(`${inventory.url}/api/inventory/reservations/${reservation.reservation_id}`, {
        headers: saga,
      })
    ).json()) as any;
    expect(status.status).toBe('expired');
    // Expired units cannot be committed any more: the checkout saga relies on this refusal.
    const commit = await fetch(
      `${inventory.url}/api/inventory/reservations/${reservation.reservation_id}/commit`,
      { method: 'POST', headers: saga },
    );
    expect(commit.status).toBe(409);
  });

  it('releases and commits reservations', async () => {
    const sku = 'SKU-0002';
    const before = await stock(sku);
    const released = (await (await reserve([{ sku, quantity: 2 }])).json()) as any;
    const release = await fetch(`${inventory.url}/api/inventory/reservations/${released.reservation_id}`, {
      method: 'DELETE',
      headers: saga,
    });
    expect(release.status).toBe(204);
    expect(await stock(sku)).toEqual(before);
    const committed = (await (await reserve([{ sku, quantity: 2 }])).json()) as any;
    const commit = await fetch(
      `${inventory.url}/api/inventory/reservations/${committed.reservation_id}/commit`,
      { method: 'POST', headers: saga },
    );
    expect(commit.status).toBe(200);
    expect(await stock(sku)).toEqual({ sku, available: before.available - 2, reserved: 0 });
  });

  it('serves its OpenAPI document and answers readiness from its store', async () => {
    const document = (await (await fetch(`${inventory.url}/openapi.json`)).json()) as any;
    expect(Object.keys(document.paths)).toContain('/api/inventory/reservations');
    const ready = (await (await fetch(`${inventory.internalUrl}/health/ready`)).json()) as any;
    expect(ready.checks.store).toBe(true);
  });

  it('resolves Product.stock for the federation gateway in one batch', async () => {
    const answer = await fetch(`${inventory.internalUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id stock { sku available } } } }`,
        variables: {
          r: [
            { __typename: 'Product', id: 'prd_0003' },
            { __typename: 'Product', id: 'nope' },
          ],
        },
      }),
    });
    const body = (await answer.json()) as any;
    expect(body.data._entities).toEqual([
      { id: 'prd_0003', stock: { sku: 'SKU-0003', available: (await stock('SKU-0003')).available } },
      { id: 'nope', stock: null },
    ]);
  });

  it('lets the monolith answer for reservations made there before the route moved', async () => {
    const monolith = await spawnDeployable('monolith-stub', { env: { LEGACY_LATENCY_MS: '0' } });
    // Both trust the monolith's identity provider, as in the local stack.
    const migrated = await spawnDeployable('services/inventory', {
      env: {
        MONOLITH_URL: monolith.url,
        AUTH_JWKS_URL: `${monolith.url}/.well-known/jwks.json`,
      },
    });
    try {
      const checkout = { authorization: `Bearer ${await fetchServiceToken(monolith.url)}` };
      const made = await fetch(`${monolith.url}/api/inventory/reservations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...checkout },
        body: JSON.stringify({ items: [{ sku: 'SKU-0004', quantity: 2 }] }),
      });
      const legacy = (await made.json()) as any;
      const path = `/api/inventory/reservations/${legacy.reservation_id}`;
      expect(await (await fetch(`${migrated.url}${path}`, { headers: checkout })).json()).toEqual(legacy);
      // The caller's own token goes along: the monolith refuses a forwarded request without one.
      expect((await fetch(`${migrated.url}${path}`, { method: 'DELETE' })).status).toBe(401);
      expect((await fetch(`${migrated.url}${path}`, { method: 'DELETE', headers: checkout })).status).toBe(
        204,
      );
      const released = (await (await fetch(`${monolith.url}${path}`, { headers: checkout })).json()) as any;
      expect(released.status).toBe('released');
      expect(
        (await fetch(`${migrated.url}${path}/commit`, { method: 'POST', headers: checkout })).status,
      ).toBe(409);
    } finally {
      await Promise.all([migrated.stop(), monolith.stop()]);
    }
  });
});
