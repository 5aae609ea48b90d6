import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type HoldingProxy, startHoldingProxy } from '@fig/testing/holding-proxy';
import { jsonRequest } from '@fig/testing/json-request';
import { type RunningDeployable, spawnDeployable } from '@fig/testing/spawn-deployable';
import { everyRow } from '@fig/testing/sqlite-rows';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { address, spawnCheckout, trustMonolith } from '@fig/testing/checkout-stack';
import type { ComparisonsReport } from '../../gateway/src/dashboard/comparisons-report.ts';
import { type RunningGateway, startGateway } from '../../gateway/test/gateway-harness.ts';

// Checkout shadowed with writes compared: the real monolith serves every customer, and the
// real checkout service (with its real inventory and payment services behind it) is sent the
// same carts and checkout as dry runs. Each deployable keeps its SQLite file in a folder of
// its own, so what a dry run stored, if anything, is there to read.
let dir: string;
let monolith: RunningDeployable;
let inventory: RunningDeployable;
let payment: RunningDeployable;
let checkout: RunningDeployable;
// The gateway's way to the monolith: every request the monolith was asked, seen once.
let toMonolith: HoldingProxy;
let gateway: RunningGateway;

const dataOf = (name: string) => join(dir, name);
const sku = 'SKU-0007';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fig-dry-run-checkout-'));
  monolith = await spawnDeployable('monolith-stub', {
    env: { DATA_DIR: dataOf('monolith'), LEGACY_LATENCY_MS: '0', LEGACY_CHECKOUT_LATENCY_MS: '0' },
  });
  const trust = trustMonolith(monolith);
  [inventory, payment, toMonolith] = await Promise.all([
    spawnDeployable('services/inventory', {
      env: { ...trust, MONOLITH_URL: monolith.url, DATA_DIR: dataOf('inventory') },
    }),
    spawnDeployable('services/payment', {
      env: { ...trust, MONOLITH_URL: monolith.url, DATA_DIR: dataOf('payment') },
    }),
    startHoldingProxy(monolith.url),
  ]);
  checkout = await spawnCheckout(
    monolith,
    { inventory: inventory.url, payment: payment.url },
    { DATA_DIR: dataOf('checkout') },
  );
  // Generated ids are each side's own: the new cart's id, the new order's id.
  const shadowed = (ids: string) =>
    `service: checkout, percent: 0, shadow: 100, compare: { methods: [POST], ignore: [${ids}], showValues: [error, items, total_cents] }`;
  gateway = await startGateway(
    `version: 1
upstreams:
  monolith: { url: ${toMonolith.url}, dryRun: true }
  checkout: { url: ${checkout.url}, dryRun: true }
defaults: { auth: required }
routes:
  - { name: auth, path: /auth, auth: none }
  - { name: orders, path: /api/orders }
  - { name: carts, path: /api/carts, ${shadowed('cart_id')} }
  - { name: checkout, path: /api/checkout, ${shadowed('order_id')} }
`,
    trust,
  );
});
afterAll(async () => {
  await gateway?.close();
  await Promise.all([checkout?.stop(), inventory?.stop(), payment?.stop()]);
  await monolith?.stop();
  await toMonolith?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The comparisons of `name` once `done` holds for them (a shadow completes after the client's answer). */
async function comparedOn(name: string, done: (route: ComparisonsReport['routes'][number]) => boolean) {
  for (;;) {
    const report = (await (await fetch(`${gateway.adminUrl}/comparisons`)).json()) as ComparisonsReport;
    const route = report.routes.find((candidate) => candidate.name === name);
    if (route && done(route)) return route;
    await sleep(25);
  }
}

/** What the services behind the shadow hold: every row of their databases, and the stock they show. */
async function serviceSide() {
  const stock = await jsonRequest(`${inventory.url}/api/inventory/${sku}`);
  expect(stock.status).toBe(200);
  return {
    stock: stock.body,
    checkout: everyRow(join(dataOf('checkout'), 'checkout.sqlite')),
    inventory: everyRow(join(dataOf('inventory'), 'inventory.sqlite')),
    payment: everyRow(join(dataOf('payment'), 'payment.sqlite')),
  };
}

describe('a checkout shadowed to the real checkout service as a dry run', () => {
  it('is served once by the monolith and compared, and changes nothing on the service side', async () => {
    const login = await jsonRequest(`${gateway.url}/auth/login`, {
      body: { username: 'alice', password: 'password' },
    });
    expect(login.status).toBe(200);
    const token: string = login.body.access_token;
    const ordersBefore = await jsonRequest(`${gateway.url}/api/orders`, { token });
    expect(ordersBefore.status).toBe(200);
    const before = await serviceSide();

    const cart = await jsonRequest(`${gateway.url}/api/carts`, { token, body: {} });
    expect(cart.status).toBe(201);
    const cartId: string = cart.body.cart_id;
    const added = await jsonRequest(`${gateway.url}/api/carts/${cartId}/items`, {
      token,
      body: { sku, quantity: 2 },
    });
    expect(added.status).toBe(200);
    // The cart's shadows are done before the checkout, so what they saw is known (below).
    const carts = await comparedOn('carts', (route) => route.comparisons.compared >= 2);
    const placed = await jsonRequest(`${gateway.url}/api/checkout`, {
      token,
      body: { cart_id: cartId, payment_method: 'pm_card_visa', shipping_address: address },
    });
    // The client has the monolith's answer: its order.
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({
      order_id: expect.stringMatching(/^ord_/),
      total_cents: expect.any(Number),
    });

    // Each write was also sent to the checkout service as a dry run and its answer compared.
    // The service finds the cart the monolith has (a dry-run adoption) instead of answering 404,
    // but a shadow is sent once the monolith has answered, so it reads the cart as the
    // monolith's own write left it: the creation matches (its id ignored), the added line is
    // added a second time, and the checkout finds the cart already checked out.
    expect(carts.comparisons).toMatchObject({ compared: 2, matched: 1, mismatched: 1 });
    const fieldsOf = (route: ComparisonsReport['routes'][number]) => route.fields.map(({ field }) => field);
    expect(fieldsOf(carts).sort()).toEqual([
      'body.items[*].line_total_cents',
      'body.items[*].quantity',
      'body.total_cents',
    ]);
    const quantity = carts.fields.find(({ field }) => field === 'body.items[*].quantity')!.examples[0];
    expect([quantity.left, quantity.right]).toEqual([2, 4]);
    const compared = await comparedOn('checkout', (route) => route.comparisons.compared >= 1);
    expect(compared.comparisons).toMatchObject({ compared: 1, matched: 0, mismatched: 1 });
    const refusal = compared.fields.find(({ field }) => field === 'body.error')!.examples[0];
    expect(refusal.status).toEqual([201, 409]);
    expect(refusal.right).toMatchObject({ code: 'CART_CLOSED' });

    // The service side stored nothing: no cart, no saga or order, no reservation or stock
    // change, no payment or idempotency key.
    expect(await serviceSide()).toEqual(before);

    // The monolith was asked to place the order once, and holds exactly that one new order.
    const writes = toMonolith.seen.filter((seen) => seen.method === 'POST' && seen.url === '/api/checkout');
    expect(writes).toHaveLength(1);
    expect(writes[0].headers['x-fig-dry-run']).toBeUndefined();
    const ordersAfter = await jsonRequest(`${gateway.url}/api/orders`, { token });
    const newOrders = ordersAfter.body.items.filter(
      (order: { order_id: string }) =>
        !ordersBefore.body.items.some((old: { order_id: string }) => old.order_id === order.order_id),
    );
    expect(newOrders).toHaveLength(1);
    expect(newOrders[0]).toMatchObject({
      order_id: placed.body.order_id,
      total_cents: placed.body.total_cents,
    });
  });
});
