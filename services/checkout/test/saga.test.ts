import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { everyRow } from '@fig/testing/sqlite-rows';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { closedPort } from '@fig/testing/closed-port';
import { eventually } from '@fig/testing/eventually';
import { jsonRequest } from '@fig/testing/json-request';
import { startRedisServer } from '@fig/testing/redis-server';
import { type HeldRequest, type HoldingProxy, startHoldingProxy } from '@fig/testing/holding-proxy';
import { monolithUsers } from '@fig/testing/monolith-identity';
import { type RunningDeployable, spawnDeployable } from '@fig/testing/spawn-deployable';
import { address, spawnCheckout, trustMonolith as trusting } from '@fig/testing/checkout-stack';

// Real processes throughout: monolith, inventory and payment, each reached through a proxy
// that can hold one call, so a test can kill -9 the checkout service while that call is in flight.
// The monolith is the identity provider: every service trusts its keys, and the checkout
// service calls the others with the service token it issues.
let monolith: RunningDeployable;
let inventory: RunningDeployable;
let payment: RunningDeployable;
let inventoryProxy: HoldingProxy;
let paymentProxy: HoldingProxy;
let checkout: RunningDeployable;
let dataDir: string;
let monolithDir: string;
/** Verify callers against the monolith's keys (and, for checkout, get service tokens from it). */
let trustMonolith: Record<string, string>;
// Each test's customer has a token of their own, as the monolith's login would issue it.
let customers: ReturnType<typeof monolithUsers>;

function startCheckout(env: Record<string, string> = {}) {
  return spawnCheckout(
    monolith,
    { inventory: inventoryProxy.url, payment: paymentProxy.url },
    { DATA_DIR: dataDir, SAGA_RECOVERY_INTERVAL_MS: '200', BREAKER_RESET_MS: '500', ...env },
  );
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'fig-checkout-'));
  monolithDir = mkdtempSync(join(tmpdir(), 'fig-checkout-monolith-'));
  monolith = await spawnDeployable('monolith-stub', {
    env: { DATA_DIR: monolithDir, LEGACY_LATENCY_MS: '0', LEGACY_CHECKOUT_LATENCY_MS: '0' },
  });
  trustMonolith = trusting(monolith);
  customers = monolithUsers(monolithDir);
  [inventory, payment] = await Promise.all([
    spawnDeployable('services/inventory', { env: trustMonolith }),
    spawnDeployable('services/payment', { env: trustMonolith }),
  ]);
  [inventoryProxy, paymentProxy] = await Promise.all([
    startHoldingProxy(inventory.url),
    startHoldingProxy(payment.url),
  ]);
  checkout = await startCheckout();
});

afterAll(async () => {
  await Promise.all([checkout?.stop(), monolith?.stop(), inventory?.stop(), payment?.stop()]);
  await Promise.all([inventoryProxy?.close(), paymentProxy?.close()]);
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(monolithDir, { recursive: true, force: true });
});

const bearerFor = async (user: string) => `Bearer ${await customers.token(user)}`;

async function call(base: string, method: string, path: string, user: string, body?: unknown) {
  const answer = await jsonRequest(`${base}${path}`, { method, token: await customers.token(user), body });
  return { status: answer.status, body: answer.body };
}

async function cartWith(user: string, items: { sku: string; quantity: number }[], base = checkout.url) {
  const created = await call(base, 'POST', '/api/carts', user, {});
  expect(created.status).toBe(201);
  for (const item of items) {
    const added = await call(base, 'POST', `/api/carts/${created.body.cart_id}/items`, user, item);
    expect(added.status).toBe(200);
  }
  return created.body.cart_id as string;
}

const isCharge = (method: string, url: string) => method === 'POST' && url === '/api/payments';

const checkoutCart = (user: string, cartId: string, paymentMethod = 'pm_card_visa', base = checkout.url) =>
  call(base, 'POST', '/api/checkout', user, {
    cart_id: cartId,
    payment_method: paymentMethod,
    shipping_address: address,
  });

/** Checks the cart out, holds the upstream call `matches` picks, and kill -9s the checkout service meanwhile. */
async function killCheckoutDuring(
  user: string,
  cartId: string,
  proxy: HoldingProxy,
  matches: (method: string, url: string) => boolean,
): Promise<HeldRequest> {
  const held = proxy.holdNext(matches);
  const answer = checkoutCart(user, cartId).catch((error: Error) => error);
  const inFlight = await held;
  await checkout.kill();
  // Its client sees the connection drop; what happens next is recovery's business.
  expect(await answer).toBeInstanceOf(Error);
  return inFlight;
}

const cartStatus = async (user: string, cartId: string, base = checkout.url) =>
  (await call(base, 'GET', `/api/carts/${cartId}`, user)).body.status;

/** Stops the shared checkout service gracefully and starts it again with `env`. */
async function restartCheckout(env: Record<string, string> = {}) {
  await checkout.stop();
  checkout = await startCheckout(env);
}

const stock = async (sku: string) => (await call(inventory.url, 'GET', `/api/inventory/${sku}`, 'any')).body;
const ordersOf = async (user: string) => (await call(monolith.url, 'GET', '/api/orders', user)).body.items;

const recordedOrders = (user: string, attempts?: number) =>
  eventually(
    () => ordersOf(user),
    (list) => list.length > 0,
    attempts,
  );
/** The order as the monolith shows it, once it learnt of it from the outbox (after the checkout answered). */
const recordedOrder = (orderId: string, user: string) =>
  eventually(
    () => call(monolith.url, 'GET', `/api/orders/${orderId}`, user),
    (answer) => answer.status === 200,
  );
const stockOnceReleased = (sku: string) =>
  eventually(
    () => stock(sku),
    (level) => level.reserved === 0,
  );

/** Every order in the monolith has a succeeded charge of its total, and nothing is still reserved. */
async function expectBooksBalanced(
  user: string,
  sku: string,
  before: { available: number },
  quantity: number,
  paymentUrl = payment.url,
) {
  const orders = await ordersOf(user);
  for (const order of orders) {
    const paid = await call(paymentUrl, 'GET', `/api/payments/${order.payment_id}`, user);
    expect(paid.body).toMatchObject({
      status: 'succeeded',
      amount_cents: order.total_cents,
      order_ref: order.order_id,
    });
  }
  const after = await stockOnceReleased(sku);
  expect(after).toEqual({ sku, available: before.available - quantity * orders.length, reserved: 0 });
}

/** The cart, checked out again, places its order, and the books balance. */
async function expectRetryPlaces(
  user: string,
  cartId: string,
  sku: string,
  before: { available: number },
  quantity: number,
) {
  const retried = await checkoutCart(user, cartId);
  expect(retried.status).toBe(201);
  expect((await recordedOrder(retried.body.order_id, user)).status).toBe(200);
  await expectBooksBalanced(user, sku, before, quantity);
}

describe('checkout saga', () => {
  it('reserves, charges, commits and records the order in the monolith', async () => {
    const user = 'usr_saga_ok';
    const sku = 'SKU-0011';
    const before = await stock(sku);
    const cartId = await cartWith(user, [{ sku, quantity: 2 }]);
    const placed = await checkoutCart(user, cartId);
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ status: 'confirmed', currency: 'EUR' });
    const recorded = await recordedOrder(placed.body.order_id, user);
    expect(recorded.status).toBe(200);
    expect(recorded.body).toMatchObject({ total_cents: placed.body.total_cents, shipping_address: address });
    expect(await cartStatus(user, cartId)).toBe('checked_out');
    await expectBooksBalanced(user, sku, before, 2);
    // Its event went into the outbox with it, and out to the monolith.
    const outboxRows = async () =>
      (
        everyRow(join(dataDir, 'checkout.sqlite')).outbox as {
          event: string;
          published_at: string;
        }[]
      ).filter((row) => JSON.parse(row.event).data.order_id === placed.body.order_id);
    const written = await eventually(outboxRows, (rows) => rows[0]?.published_at !== null);
    expect(written).toHaveLength(1);
    expect(JSON.parse(written[0].event)).toMatchObject({
      event_type: 'checkout.order_created.v1',
      data: {
        user_id: user,
        total_cents: placed.body.total_cents,
        items: [{ product_id: 'prd_0011', quantity: 2 }],
      },
    });
    expect(written[0].published_at).toEqual(expect.any(String));
    // The same charge is never taken twice: a second checkout of the cart is refused.
    const again = await checkoutCart(user, cartId);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('CART_CLOSED');
  });

  it('answers a dry-run checkout (x-fig-dry-run: 1) as it would, calling no other service and keeping nothing', async () => {
    const user = 'usr_saga_dry_run';
    const sku = 'SKU-0012';
    const before = await stock(sku);
    const cartId = await cartWith(user, [{ sku, quantity: 3 }]);
    const calls = inventoryProxy.seen.length + paymentProxy.seen.length;
    const everyCheckoutRow = () => everyRow(join(dataDir, 'checkout.sqlite'));
    const rowsBefore = everyCheckoutRow();
    const dry = async (paymentMethod: string) => {
      const response = await fetch(`${checkout.url}/api/checkout`, {
        method: 'POST',
        headers: {
          authorization: await bearerFor(user),
          'content-type': 'application/json',
          'x-fig-dry-run': '1',
        },
        body: JSON.stringify({ cart_id: cartId, payment_method: paymentMethod, shipping_address: address }),
      });
      return { status: response.status, body: (await response.json()) as any };
    };
    const rehearsed = await dry('pm_card_visa');
    expect(rehearsed.status).toBe(201);
    const cart = await call(checkout.url, 'GET', `/api/carts/${cartId}`, user);
    expect(rehearsed.body).toEqual({
      order_id: expect.stringMatching(/^ord_/),
      status: 'confirmed',
      total_cents: cart.body.total_cents,
      currency: 'EUR',
    });
    const declined = await dry('pm_card_chargeDeclined');
    expect([declined.status, declined.body.error.code]).toEqual([402, 'PAYMENT_DECLINED']);
    expect(inventoryProxy.seen.length + paymentProxy.seen.length).toBe(calls);
    expect(everyCheckoutRow()).toEqual(rowsBefore);
    expect(cart.body.status).toBe('open');
    expect(await stock(sku)).toEqual(before);
    expect(await ordersOf(user)).toEqual([]);
  });

  it('releases the stock when the card is declined and keeps the cart open', async () => {
    const user = 'usr_saga_declined';
    const sku = 'SKU-0012';
    const before = await stock(sku);
    const cartId = await cartWith(user, [{ sku, quantity: 1 }]);
    const declined = await checkoutCart(user, cartId, 'pm_card_chargeDeclined');
    expect(declined).toEqual({
      status: 402,
      body: {
        error: {
          code: 'PAYMENT_DECLINED',
          message: 'the payment method pm_card_chargeDeclined was declined',
        },
      },
    });
    expect(await stock(sku)).toEqual(before);
    expect(await ordersOf(user)).toEqual([]);
    await expectRetryPlaces(user, cartId, sku, before, 1);
  });

  it('answers 409 without charging when stock is short', async () => {
    const user = 'usr_saga_short';
    const sku = 'SKU-0025'; // seeded with no units
    const cartId = await cartWith(user, [{ sku, quantity: 1 }]);
    const charges = paymentProxy.seen.length;
    const refused = await checkoutCart(user, cartId);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('OUT_OF_STOCK');
    expect(paymentProxy.seen.length).toBe(charges);
  });

  it('finishes a checkout killed while its charge was in flight, once restarted', async () => {
    const user = 'usr_saga_crash_charge';
    const sku = 'SKU-0013';
    const before = await stock(sku);
    const cartId = await cartWith(user, [{ sku, quantity: 3 }]);
    const charge = await killCheckoutDuring(user, cartId, paymentProxy, isCharge);
    // The charge the dead process asked for does happen.
    expect((await charge.release()).status).toBe(201);

    checkout = await startCheckout();
    const orders = await recordedOrders(user);
    expect(orders).toHaveLength(1);
    expect(orders[0].order_id).toBe(JSON.parse(charge.body).order_ref);
    // Recovery replayed the charge under the same Idempotency-Key: still one charge.
    const replays = paymentProxy.seen.filter((seen) => seen.body === charge.body);
    expect(replays.length).toBeGreaterThan(1);
    await expectBooksBalanced(user, sku, before, 3);
    expect(await cartStatus(user, cartId)).toBe('checked_out');
  });

  it('refunds a charge whose stock hold expired while the process was down', async () => {
    const user = 'usr_saga_crash_expired';
    const sku = 'SKU-0023';
    const before = await stock(sku);
    await restartCheckout({ RESERVATION_TTL_SECONDS: '1' });
    const cartId = await cartWith(user, [{ sku, quantity: 2 }]);
    const charge = await killCheckoutDuring(user, cartId, paymentProxy, isCharge);
    const charged = await charge.release();
    expect(charged.status).toBe(201);
    // Down long enough for the hold to lapse: the units may now be sold to someone else.
    await stockOnceReleased(sku);

    checkout = await startCheckout();
    const paid = await eventually(
      async () =>
        (await call(payment.url, 'GET', `/api/payments/${JSON.parse(charged.body).payment_id}`, user)).body,
      (payment) => payment.status !== 'succeeded',
    );
    expect(paid).toMatchObject({ status: 'refunded', refunded_cents: paid.amount_cents });
    expect(await ordersOf(user)).toEqual([]);
    expect(await stock(sku)).toEqual(before);
    expect(await cartStatus(user, cartId)).toBe('open');
  });

  it('finishes a checkout killed while committing the stock', async () => {
    const user = 'usr_saga_crash_commit';
    const sku = 'SKU-0014';
    const before = await stock(sku);
    const cartId = await cartWith(user, [{ sku, quantity: 1 }]);
    const commit = await killCheckoutDuring(
      user,
      cartId,
      inventoryProxy,
      (method, url) => method === 'POST' && url.endsWith('/commit'),
    );
    expect((await commit.release()).status).toBe(200);

    checkout = await startCheckout();
    const orders = await recordedOrders(user);
    expect(orders).toHaveLength(1);
    await expectBooksBalanced(user, sku, before, 1);
  });

  it('leaves no stock held and no charge when killed while reserving', async () => {
    const user = 'usr_saga_crash_reserve';
    const sku = 'SKU-0015';
    const before = await stock(sku);
    // The reservation the crashed process makes is unknown to it; its short TTL is the safety net.
    await restartCheckout({ RESERVATION_TTL_SECONDS: '1' });
    const cartId = await cartWith(user, [{ sku, quantity: 4 }]);
    const charges = paymentProxy.seen.length;
    const reserve = await killCheckoutDuring(
      user,
      cartId,
      inventoryProxy,
      (method, url) => method === 'POST' && url === '/api/inventory/reservations',
    );
    expect((await reserve.release()).status).toBe(201);
    expect((await stock(sku)).reserved).toBe(4);

    checkout = await startCheckout();
    const cart = await call(checkout.url, 'GET', `/api/carts/${cartId}`, user);
    expect(cart.body.status).toBe('open');
    const after = await stockOnceReleased(sku);
    expect(after).toEqual(before);
    expect(paymentProxy.seen.length).toBe(charges);
    expect(await ordersOf(user)).toEqual([]);
    // The interrupted attempt no longer blocks the cart.
    await expectRetryPlaces(user, cartId, sku, before, 4);
  });

  it('charges once when the same cart is checked out concurrently', async () => {
    const user = 'usr_saga_race';
    const sku = 'SKU-0016';
    const before = await stock(sku);
    const cartId = await cartWith(user, [{ sku, quantity: 1 }]);
    const answers = await Promise.all(Array.from({ length: 6 }, () => checkoutCart(user, cartId)));
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(1);
    for (const answer of answers.filter((answer) => answer.status !== 201)) {
      expect(answer).toMatchObject({ status: 409, body: { error: { code: 'CART_CLOSED' } } });
    }
    expect(await recordedOrders(user)).toHaveLength(1);
    await expectBooksBalanced(user, sku, before, 1);
  });

  it('answers 503 while payment is down and completes the checkout once it is back', async () => {
    const user = 'usr_saga_payment_down';
    const sku = 'SKU-0017';
    const before = await stock(sku);
    const port = await closedPort();
    const isolated = await startCheckout({ DATA_DIR: ':memory:', PAYMENT_URL: `http://127.0.0.1:${port}` });
    let revived: RunningDeployable | undefined;
    try {
      const cartId = await cartWith(user, [{ sku, quantity: 2 }], isolated.url);
      const pending = await checkoutCart(user, cartId, 'pm_card_visa', isolated.url);
      expect(pending.status).toBe(503);
      expect(pending.body.error.code).toBe('CHECKOUT_PENDING');
      expect((await stock(sku)).reserved).toBe(2);

      revived = await spawnDeployable('services/payment', { env: { PORT: String(port), ...trustMonolith } });
      // Recovery retries on its interval; the breaker may first have to half-open.
      const orders = await recordedOrders(user, 400);
      expect(orders).toHaveLength(1);
      await expectBooksBalanced(user, sku, before, 2, revived.url);
    } finally {
      await Promise.all([isolated.stop(), revived?.stop()]);
    }
  });

  it('confirms the order while the monolith is down and records it there once it is back', async () => {
    const user = 'usr_saga_monolith_down';
    const [port, internalPort] = [await closedPort(), await closedPort()];
    const isolated = await startCheckout({
      DATA_DIR: ':memory:',
      MONOLITH_URL: `http://127.0.0.1:${port}`,
      MONOLITH_INTERNAL_URL: `http://127.0.0.1:${internalPort}`,
    });
    const revivedDir = mkdtempSync(join(tmpdir(), 'fig-checkout-revived-'));
    let revived: RunningDeployable | undefined;
    try {
      const cartId = await cartWith(user, [{ sku: 'SKU-0020', quantity: 1 }], isolated.url);
      const placed = await checkoutCart(user, cartId, 'pm_card_visa', isolated.url);
      expect(placed.status).toBe(201);
      // The same identity provider keys (the tokens already issued stay good), its own data.
      copyFileSync(join(monolithDir, 'jwt-keys.json'), join(revivedDir, 'jwt-keys.json'));
      revived = await spawnDeployable('monolith-stub', {
        env: {
          PORT: String(port),
          INTERNAL_PORT: String(internalPort),
          DATA_DIR: revivedDir,
          LEGACY_LATENCY_MS: '0',
        },
      });
      const listed = await eventually(
        async () => (await call(revived!.url, 'GET', '/api/orders', user)).body.items,
        (items) => items.length > 0,
        400,
      );
      expect(listed.map((order: { order_id: string }) => order.order_id)).toEqual([placed.body.order_id]);
    } finally {
      await Promise.all([isolated.stop(), revived?.stop()]);
      rmSync(revivedDir, { recursive: true, force: true });
    }
  });

  it('gives up on a payment call that hangs, then completes the order once the charge lands', async () => {
    const user = 'usr_saga_slow_payment';
    const sku = 'SKU-0024';
    const before = await stock(sku);
    await restartCheckout({ UPSTREAM_TIMEOUT_MS: '300' });
    const cartId = await cartWith(user, [{ sku, quantity: 1 }]);
    const held = paymentProxy.holdNext(isCharge);
    const answer = checkoutCart(user, cartId);
    const charge = await held;
    // The client is not kept waiting on a payment service that does not answer.
    const pending = await answer;
    expect(pending.status).toBe(503);
    expect(pending.body.error.code).toBe('CHECKOUT_PENDING');
    expect((await charge.release()).status).toBe(201);
    const orders = await recordedOrders(user);
    expect(orders.map((order: { order_id: string }) => order.order_id)).toEqual([
      JSON.parse(charge.body).order_ref,
    ]);
    await expectBooksBalanced(user, sku, before, 1);
    await restartCheckout();
  });

  it('answers 503 without charging while inventory is down, and the cart stays usable', async () => {
    const user = 'usr_saga_inventory_down';
    const isolated = await startCheckout({
      DATA_DIR: ':memory:',
      INVENTORY_URL: `http://127.0.0.1:${await closedPort()}`,
    });
    try {
      const cartId = await cartWith(user, [{ sku: 'SKU-0018', quantity: 1 }], isolated.url);
      const charges = paymentProxy.seen.length;
      const refused = await checkoutCart(user, cartId, 'pm_card_visa', isolated.url);
      expect(refused.status).toBe(503);
      expect(refused.body.error.code).toBe('CHECKOUT_UNAVAILABLE');
      expect(paymentProxy.seen.length).toBe(charges);
      expect(await cartStatus(user, cartId, isolated.url)).toBe('open');
    } finally {
      await isolated.stop();
    }
  });

  it('runs the same saga for the GraphQL checkout mutation', async () => {
    const user = 'usr_saga_graphql';
    const graphql = async (query: string, variables: Record<string, unknown> = {}) =>
      (await call(checkout.internalUrl!, 'POST', '/graphql', user, { query, variables })).body;
    const created = await graphql('mutation { createCart { id totalCents } }');
    const cartId = created.data.createCart.id;
    const added = await graphql(
      'mutation($id: ID!) { addToCart(cartId: $id, sku: "SKU-0019", quantity: 2) { id totalCents items { sku quantity product { id } } } }',
      { id: cartId },
    );
    expect(added.data.addToCart.items).toEqual([
      { sku: 'SKU-0019', quantity: 2, product: { id: 'prd_0019' } },
    ]);
    const shippingAddress = {
      name: 'Alice',
      line1: '1 Main St',
      city: 'Berlin',
      postalCode: '10115',
      country: 'DE',
    };
    const checkoutMutation = `mutation($id: ID!, $pm: String!, $address: AddressInput!) {
      checkout(cartId: $id, paymentMethod: $pm, shippingAddress: $address) { orderId status totalCents order { id } }
    }`;
    const declined = await graphql(checkoutMutation, {
      id: cartId,
      pm: 'pm_card_chargeDeclined',
      address: shippingAddress,
    });
    expect(declined.errors[0].extensions.code).toBe('PAYMENT_DECLINED');
    const placed = await graphql(checkoutMutation, {
      id: cartId,
      pm: 'pm_card_visa',
      address: shippingAddress,
    });
    expect(placed.data.checkout).toMatchObject({
      status: 'confirmed',
      totalCents: added.data.addToCart.totalCents,
      order: { id: placed.data.checkout.orderId },
    });
    const recorded = await recordedOrder(placed.data.checkout.orderId, user);
    expect(recorded.body.shipping_address).toEqual({
      ...shippingAddress,
      postal_code: '10115',
      postalCode: undefined,
    });
  });

  it('passes the request id on to inventory and payment', async () => {
    const user = 'usr_saga_request_id';
    const cartId = await cartWith(user, [{ sku: 'SKU-0022', quantity: 1 }]);
    const placed = await fetch(`${checkout.url}/api/checkout`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: await bearerFor(user),
        'x-request-id': 'checkout-trace-42',
      },
      body: JSON.stringify({ cart_id: cartId, payment_method: 'pm_card_visa', shipping_address: address }),
    });
    expect(placed.status).toBe(201);
    const traced = (proxy: HoldingProxy) =>
      proxy.seen
        .filter((seen) => seen.headers['x-request-id'] === 'checkout-trace-42')
        .map((seen) => seen.url);
    expect(traced(inventoryProxy)).toEqual([
      '/api/inventory/reservations',
      expect.stringMatching(/^\/api\/inventory\/reservations\/res_\w+\/commit$/),
    ]);
    expect(traced(paymentProxy)).toEqual(['/api/payments']);
  });

  it('reports sagas by step on /metrics', async () => {
    const user = 'usr_saga_metrics';
    const cartId = await cartWith(user, [{ sku: 'SKU-0026', quantity: 1 }]);
    const placed = await checkoutCart(user, cartId);
    expect(placed.status).toBe(201);
    const metrics = await (await fetch(`${checkout.internalUrl}/metrics`)).text();
    const done = /^checkout_sagas\{step="done"[^}]*\} (\d+)$/m.exec(metrics);
    expect(Number(done?.[1])).toBeGreaterThan(0);
    expect(metrics).toMatch(/^checkout_upstream_breaker_open\{upstream="payment"[^}]*\} 0$/m);
    expect(metrics).toMatch(
      /^checkout_upstream_request_duration_seconds_count\{[^}]*upstream="inventory"[^}]*outcome="201"[^}]*\} [1-9]/m,
    );
  });

  it('starts ready and takes checkouts with REDIS_URL pointing at a Redis that is not there; the event waits', async () => {
    try {
      await restartCheckout({ REDIS_URL: `redis://127.0.0.1:${await closedPort()}` });
      const user = 'usr_saga_no_redis';
      const cartId = await cartWith(user, [{ sku: 'SKU-0028', quantity: 1 }]);
      const placed = await checkoutCart(user, cartId);
      expect(placed.status).toBe(201);
      await sleep(300);
      const row = (
        everyRow(join(dataDir, 'checkout.sqlite')).outbox as { event: string; published_at: string | null }[]
      ).find((candidate) => JSON.parse(candidate.event).data.order_id === placed.body.order_id);
      expect(row).toBeDefined();
      expect(row!.published_at).toBeNull();
    } finally {
      await restartCheckout();
    }
  });

  it('with REDIS_URL on its embedded SQLite, relays the same outbox to the stream instead of PUT', async () => {
    const redis = await startRedisServer();
    try {
      await restartCheckout({ REDIS_URL: redis.url });
      const user = 'usr_saga_stream';
      const cartId = await cartWith(user, [{ sku: 'SKU-0027', quantity: 1 }]);
      const placed = await checkoutCart(user, cartId);
      expect(placed.status).toBe(201);
      const orderId: string = placed.body.order_id;
      const client = new Redis(redis.url, { protocol: 2 });
      const onStream = await eventually(
        async () =>
          (await client.xrange('checkout.order_created.v1', '-', '+')).map(([, f]) => JSON.parse(f[1])),
        (events) => events.some((event) => event.data.order_id === orderId),
      );
      client.disconnect();
      expect(onStream.filter((event) => event.data.order_id === orderId)).toMatchObject([
        {
          event_type: 'checkout.order_created.v1',
          data: { user_id: user, total_cents: placed.body.total_cents },
        },
      ]);
      const row = (
        everyRow(join(dataDir, 'checkout.sqlite')).outbox as { event: string; published_at: string }[]
      ).find((candidate) => JSON.parse(candidate.event).data.order_id === orderId);
      expect(row?.published_at).toEqual(expect.any(String));
      // The stream replaced the PUT: this monolith reads no stream, so it never heard of the order.
      expect((await ordersOf(user)) ?? []).toEqual([]);
    } finally {
      await restartCheckout();
      await redis.stop();
    }
  });
});
