import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@fig/testing/eventually';
import { type HoldingProxy, startHoldingProxy } from '@fig/testing/holding-proxy';
import { jsonRequest } from '@fig/testing/json-request';
import { monolithUsers } from '@fig/testing/monolith-identity';
import { postgresPerSuite } from '@fig/testing/postgres-database';
import { scratchDirPerSuite } from '@fig/testing/scratch-dir';
import { type RunningDeployable, spawnDeployable } from '@fig/testing/spawn-deployable';
import { address, spawnCheckout, trustMonolith } from '@fig/testing/checkout-stack';

// Every service on PostgreSQL, a database each, checkout and inventory with two replicas; the
// monolith on its own SQLite file. Payment sits behind a proxy that can hold a charge, so a
// test can kill -9 a checkout replica while the charge is in flight.
const databases = postgresPerSuite('checkout', 'inventory', 'payment');
const monolithDir = scratchDirPerSuite('fig-replicas-monolith-');
let monolith: RunningDeployable;
let inventories: RunningDeployable[];
let payment: RunningDeployable;
let paymentProxy: HoldingProxy;
let checkouts: RunningDeployable[];
let customers: ReturnType<typeof monolithUsers>;

// A machine busy with other suites must not turn a queue on the last units' rows into a 503.
const patient = { DATABASE_TIMEOUT_MS: '10000' };

const startCheckoutReplica = (index: number) =>
  spawnCheckout(
    monolith,
    { inventory: inventories[index % 2].url, payment: paymentProxy.url },
    {
      DATABASE_URL: databases.checkout.url,
      ...patient,
      UPSTREAM_TIMEOUT_MS: '10000',
      SAGA_LEASE_MS: '1500',
      SAGA_RECOVERY_INTERVAL_MS: '200',
    },
  );

beforeAll(async () => {
  monolith = await spawnDeployable('monolith-stub', {
    env: { DATA_DIR: monolithDir, LEGACY_LATENCY_MS: '0', LEGACY_CHECKOUT_LATENCY_MS: '0' },
  });
  customers = monolithUsers(monolithDir);
  const trust = trustMonolith(monolith);
  [inventories, payment] = await Promise.all([
    Promise.all(
      [0, 1].map(() =>
        spawnDeployable('services/inventory', {
          env: { ...trust, ...patient, DATABASE_URL: databases.inventory.url },
        }),
      ),
    ),
    spawnDeployable('services/payment', {
      env: { ...trust, ...patient, DATABASE_URL: databases.payment.url },
    }),
  ]);
  paymentProxy = await startHoldingProxy(payment.url);
  checkouts = await Promise.all([0, 1].map(startCheckoutReplica));
}, 60_000);

afterAll(async () => {
  await Promise.all(
    [...(checkouts ?? []), ...(inventories ?? []), payment, monolith].map((running) => running?.stop()),
  );
  await paymentProxy?.close();
});

async function call(base: string, method: string, path: string, user: string, body?: unknown) {
  const answer = await jsonRequest(`${base}${path}`, { method, token: await customers.token(user), body });
  return { status: answer.status, body: answer.body };
}

async function cartWith(base: string, user: string, sku: string, quantity: number) {
  const created = await call(base, 'POST', '/api/carts', user, {});
  expect(created.status).toBe(201);
  expect(
    (await call(base, 'POST', `/api/carts/${created.body.cart_id}/items`, user, { sku, quantity })).status,
  ).toBe(200);
  return created.body.cart_id as string;
}

const checkoutCart = (base: string, user: string, cartId: string) =>
  call(base, 'POST', '/api/checkout', user, {
    cart_id: cartId,
    payment_method: 'pm_card_visa',
    shipping_address: address,
  });

const stock = async (sku: string) =>
  (await call(inventories[0].url, 'GET', `/api/inventory/${sku}`, 'any')).body;

/** How many answers had each status: a failure shows every one, not just a count. */
const countStatuses = (answers: { status: number }[]) =>
  answers.reduce<Record<number, number>>(
    (counts, { status }) => ({ ...counts, [status]: (counts[status] ?? 0) + 1 }),
    {},
  );

/** Charges taken for these orders that were not refunded, from the payment database itself. */
const keptCharges = (orderIds: string[]) =>
  databases.payment.query<{ order_ref: string }>(
    "SELECT order_ref FROM payments WHERE order_ref = ANY($1) AND status = 'succeeded'",
    [orderIds],
  );

describe('checkout replicas on PostgreSQL', () => {
  it('sell the last units exactly once when checkouts for them reach both replicas at once', async () => {
    const sku = 'SKU-0030';
    const before = await stock(sku);
    const k = before.available;
    expect(k).toBeGreaterThan(0);
    const buyers = Array.from({ length: k + 6 }, (_, i) => ({
      user: `usr_last_${i}`,
      replica: checkouts[i % 2],
    }));
    const carts = await Promise.all(buyers.map(({ user, replica }) => cartWith(replica.url, user, sku, 1)));
    const answers = await Promise.all(
      buyers.map(({ user, replica }, i) => checkoutCart(replica.url, user, carts[i])),
    );
    const placed = answers.filter((answer) => answer.status === 201);
    expect(countStatuses(answers)).toEqual({ 201: k, 409: buyers.length - k });
    expect(
      await eventually(
        () => stock(sku),
        (level) => level.reserved === 0,
      ),
    ).toEqual({
      sku,
      available: 0,
      reserved: 0,
    });
    const orderIds = placed.map((answer) => answer.body.order_id as string);
    expect((await keptCharges(orderIds)).map((row) => row.order_ref).sort()).toEqual([...orderIds].sort());
    const orders = await databases.checkout.query('SELECT id FROM orders WHERE id = ANY($1)', [orderIds]);
    expect(orders).toHaveLength(k);
    // Each order's event was written with it, field for field.
    const events = await databases.checkout.query<{
      event: { event_type: string; data: { order_id: string } };
    }>("SELECT event FROM event_outbox WHERE event->'data'->>'order_id' = ANY($1)", [orderIds]);
    expect(events).toHaveLength(k);
    expect(events[0].event).toMatchObject({
      event_type: 'checkout.order_created.v1',
      data: {
        total_cents: expect.any(Number),
        items: [{ product_id: 'prd_0030', quantity: 1, price_cents: expect.any(Number) }],
      },
      metadata: {
        trace_id: expect.stringMatching(/^[0-9a-f]{32}$/),
        span_id: expect.stringMatching(/^[0-9a-f]{16}$/),
      },
    });
  });

  it('answer a dry-run checkout on PostgreSQL as they would, keeping nothing', async () => {
    const user = 'usr_replica_dry_run';
    const cartId = await cartWith(checkouts[1].url, user, 'SKU-0044', 1);
    const response = await fetch(`${checkouts[1].url}/api/checkout`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await customers.token(user)}`,
        'content-type': 'application/json',
        'x-fig-dry-run': '1',
      },
      body: JSON.stringify({ cart_id: cartId, payment_method: 'pm_card_visa', shipping_address: address }),
    });
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({
      status: 'confirmed',
      order_id: expect.stringMatching(/^ord_/),
    });
    expect(
      await databases.checkout.query('SELECT 1 FROM checkout_sagas WHERE cart_id = $1', [cartId]),
    ).toEqual([]);
    expect((await call(checkouts[0].url, 'GET', `/api/carts/${cartId}`, user)).body.status).toBe('open');
  });

  it('let the monolith show the orders the replicas placed', async () => {
    const user = 'usr_replica_orders';
    const placed = [];
    for (const replica of checkouts) {
      const answer = await checkoutCart(replica.url, user, await cartWith(replica.url, user, 'SKU-0041', 1));
      expect(answer.status).toBe(201);
      placed.push(answer.body.order_id);
    }
    const shown = await eventually(
      async () => (await call(monolith.url, 'GET', '/api/orders', user)).body.items as { order_id: string }[],
      (items) => items.length === placed.length,
    );
    expect(shown.map((order) => order.order_id).sort()).toEqual([...placed].sort());
  });

  it('finish a checkout whose replica was killed mid-charge on the other replica: no stock held, no charge without an order', async () => {
    const user = 'usr_replica_killed';
    const sku = 'SKU-0042';
    const before = await stock(sku);
    const [victim, survivor] = checkouts;
    const cartId = await cartWith(victim.url, user, sku, 2);
    const held = paymentProxy.holdNext((method, url) => method === 'POST' && url === '/api/payments');
    const answer = checkoutCart(victim.url, user, cartId).catch((error: Error) => error);
    const charge = await held;
    await victim.kill();
    expect(await answer).toBeInstanceOf(Error);
    expect((await charge.release()).status).toBe(201);

    // The survivor takes the saga over once the dead replica's lease runs out.
    const [saga] = await eventually(
      () =>
        databases.checkout.query<{ step: string; order_id: string; lease_owner: string }>(
          'SELECT step, order_id, lease_owner FROM checkout_sagas WHERE cart_id = $1',
          [cartId],
        ),
      (rows) => rows[0]?.step === 'done',
    );
    expect(saga.step).toBe('done');
    expect(await keptCharges([saga.order_id])).toHaveLength(1);
    expect(
      await databases.checkout.query('SELECT 1 FROM orders WHERE id = $1', [saga.order_id]),
    ).toHaveLength(1);
    expect(await stock(sku)).toEqual({ sku, available: before.available - 2, reserved: 0 });
    expect((await call(survivor.url, 'GET', `/api/carts/${cartId}`, user)).body.status).toBe('checked_out');
    checkouts[0] = await startCheckoutReplica(0);
  });

  it('run a saga left behind on exactly one replica when both scan for it', async () => {
    const user = 'usr_replica_scan';
    const cartId = await cartWith(checkouts[0].url, user, 'SKU-0043', 1);
    const held = paymentProxy.holdNext((method, url) => method === 'POST' && url === '/api/payments');
    const answer = checkoutCart(checkouts[0].url, user, cartId).catch((error: Error) => error);
    const charge = await held;
    await checkouts[0].kill();
    await answer;
    await charge.release();
    checkouts[0] = await startCheckoutReplica(0);
    const [saga] = await eventually(
      () =>
        databases.checkout.query<{ step: string; order_id: string }>(
          'SELECT step, order_id FROM checkout_sagas WHERE cart_id = $1',
          [cartId],
        ),
      (rows) => rows[0]?.step === 'done',
    );
    expect(saga.step).toBe('done');
    // One event for the order, however many replicas scanned: the saga was run once.
    const events = await databases.checkout.query(
      "SELECT 1 FROM event_outbox WHERE event->'data'->>'order_id' = $1",
      [saga.order_id],
    );
    expect(events).toHaveLength(1);
    expect(await keptCharges([saga.order_id])).toHaveLength(1);
  });
});
