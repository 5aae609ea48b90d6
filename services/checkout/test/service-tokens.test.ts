import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HoldingProxy, startHoldingProxy } from '@fig/testing/holding-proxy';
import { jsonRequest } from '@fig/testing/json-request';
import { type RunningDeployable, spawnDeployable } from '@fig/testing/spawn-deployable';
import { loginToken } from '@fig/testing/test-identity';
import { address, spawnCheckout, trustMonolith } from '@fig/testing/checkout-stack';

// A checkout across four real processes with nothing trusted but tokens: the customer's from
// the monolith's login, and the checkout service's own, from the monolith's token endpoint.
let monolithDir: string;
let monolith: RunningDeployable;
let monolithPort: string;
let monolithInternalPort: string;
let inventory: RunningDeployable;
let payment: RunningDeployable;
let checkout: RunningDeployable;
// What the checkout service sends the monolith, to see which token it used.
let toMonolith: HoldingProxy;

const startMonolith = (port = '0', internalPort = '0') =>
  spawnDeployable('monolith-stub', {
    env: {
      PORT: port,
      INTERNAL_PORT: internalPort,
      DATA_DIR: monolithDir,
      LEGACY_LATENCY_MS: '0',
      LEGACY_CHECKOUT_LATENCY_MS: '0',
    },
  });

beforeAll(async () => {
  monolithDir = mkdtempSync(join(tmpdir(), 'fig-service-tokens-'));
  monolith = await startMonolith();
  monolithPort = new URL(monolith.url).port;
  monolithInternalPort = new URL(monolith.internalUrl!).port;
  const trust = trustMonolith(monolith);
  [inventory, payment, toMonolith] = await Promise.all([
    spawnDeployable('services/inventory', { env: { ...trust, MONOLITH_URL: monolith.url } }),
    spawnDeployable('services/payment', { env: { ...trust, MONOLITH_URL: monolith.url } }),
    // The saga records orders on the monolith's internal listener; the proxy sees each attempt.
    startHoldingProxy(monolith.internalUrl!),
  ]);
  checkout = await spawnCheckout(
    monolith,
    { inventory: inventory.url, payment: payment.url, monolithInternal: toMonolith.url },
    { SAGA_RECOVERY_INTERVAL_MS: '200' },
  );
});

afterAll(async () => {
  await Promise.all([checkout?.stop(), inventory?.stop(), payment?.stop(), monolith?.stop()]);
  await toMonolith?.close();
  rmSync(monolithDir, { recursive: true, force: true });
});

async function placeOrder(token: string, sku: string) {
  const cart = await jsonRequest(`${checkout.url}/api/carts`, { token, body: {} });
  expect(cart.status).toBe(201);
  const cartId = cart.body.cart_id;
  expect(
    (await jsonRequest(`${checkout.url}/api/carts/${cartId}/items`, { token, body: { sku, quantity: 1 } }))
      .status,
  ).toBe(200);
  return jsonRequest(`${checkout.url}/api/checkout`, {
    token,
    body: { cart_id: cartId, payment_method: 'pm_card_visa', shipping_address: address },
  });
}

/** The order as the monolith shows `token`'s user, once it is there. */
async function recorded(token: string, orderId: string) {
  let answer = await jsonRequest(`${monolith.url}/api/orders/${orderId}`, { token });
  for (let i = 0; i < 100 && answer.status === 404; i++) {
    await sleep(50);
    answer = await jsonRequest(`${monolith.url}/api/orders/${orderId}`, { token });
  }
  return answer;
}

const recordings = (orderId: string) =>
  toMonolith.seen.filter((seen) => seen.method === 'PUT' && seen.url === `/internal/orders/${orderId}`);

describe('the checkout saga with service tokens', () => {
  it("places Alice's order end to end; the monolith and the payment service show it to her alone", async () => {
    const alice = await loginToken(monolith.url, 'alice');
    const bob = await loginToken(monolith.url, 'bob');
    const placed = await placeOrder(alice, 'SKU-0031');
    expect(placed.status).toBe(201);
    const orderId = placed.body.order_id;

    const order = await recorded(alice, orderId);
    expect(order.status).toBe(200);
    expect(order.body).toMatchObject({ order_id: orderId, total_cents: placed.body.total_cents });
    // The order was recorded with the checkout service's own token, for Alice.
    const [recording] = recordings(orderId);
    const claims = decodeJwt(String(recording.headers.authorization).replace(/^Bearer /, ''));
    expect(claims.sub).toBe('svc:checkout');
    expect(String(claims.scope).split(' ')).toContain('orders:record');
    expect(recording.headers['x-user-id']).toBe('usr_alice');

    // The charge is Alice's: hers to read, nobody else's.
    const paid = await jsonRequest(`${payment.url}/api/payments/${order.body.payment_id}`, { token: alice });
    expect(paid.body).toMatchObject({ status: 'succeeded', amount_cents: placed.body.total_cents });
    expect(
      (await jsonRequest(`${payment.url}/api/payments/${order.body.payment_id}`, { token: bob })).status,
    ).toBe(404);
    expect((await jsonRequest(`${monolith.url}/api/orders/${orderId}`, { token: bob })).status).toBe(404);
  });

  it('fetches a new service token when its token stops being accepted, and the order still arrives', async () => {
    const alice = await loginToken(monolith.url, 'alice');
    // The identity provider comes back with new signing keys: every token it issued before,
    // the checkout service's cached one included, is refused from now on.
    await monolith.stop();
    rmSync(join(monolithDir, 'jwt-keys.json'));
    monolith = await startMonolith(monolithPort, monolithInternalPort);

    // Alice's session began before; the services still hold the key it was signed with.
    const placed = await placeOrder(alice, 'SKU-0032');
    expect(placed.status).toBe(201);
    const orderId = placed.body.order_id;
    const aliceNow = await loginToken(monolith.url, 'alice');
    const order = await recorded(aliceNow, orderId);
    expect(order.status).toBe(200);

    const tokens = recordings(orderId).map((seen) => seen.headers.authorization);
    expect(tokens.length).toBeGreaterThanOrEqual(2);
    // The refused token was dropped, not sent again: the last attempt carried a new one.
    expect(tokens.at(-1)).not.toBe(tokens[0]);
  });
});
