import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { address, spawnCheckout } from '@fig/testing/checkout-stack';
import { closedPort } from '@fig/testing/closed-port';
import { eventually } from '@fig/testing/eventually';
import { type HoldingProxy, startHoldingProxy } from '@fig/testing/holding-proxy';
import { jsonRequest } from '@fig/testing/json-request';
import { monolithUsers } from '@fig/testing/monolith-identity';
import { postgresPerSuite } from '@fig/testing/postgres-database';
import { scratchDirPerSuite } from '@fig/testing/scratch-dir';
import { type RunningDeployable, spawnDeployable } from '@fig/testing/spawn-deployable';
import { everyRow } from '@fig/testing/sqlite-rows';

// Both systems take writes for the same stock (docs/data-consistency.md): the monolith's own
// checkout and the checkout service, with the inventory service (PostgreSQL) the system of
// record and the monolith (SQLite) keeping a copy. The monolith reaches the inventory service
// through a proxy that can hold a call, to crash the monolith between its order and its commit.
const databases = postgresPerSuite('inventory', 'payment', 'checkout');
const monolithDir = scratchDirPerSuite('fig-stock-monolith-');
const ports = { public: 0, internal: 0 };
let monolith: RunningDeployable;
let inventory: RunningDeployable;
let payment: RunningDeployable;
let checkout: RunningDeployable;
let toInventory: HoldingProxy;
let toInventoryInternal: HoldingProxy;
let customers: ReturnType<typeof monolithUsers>;

// A machine busy with other suites must not turn a queue on the last units' rows into a 503.
const patient = { DATABASE_TIMEOUT_MS: '10000' };
const monolithUrl = () => `http://127.0.0.1:${ports.public}`;
const trust = () => ({ AUTH_JWKS_URL: `${monolithUrl()}/.well-known/jwks.json` });

const startMonolith = (env: Record<string, string> = {}) =>
  spawnDeployable('monolith-stub', {
    env: {
      DATA_DIR: monolithDir,
      PORT: String(ports.public),
      INTERNAL_PORT: String(ports.internal),
      LEGACY_LATENCY_MS: '0',
      LEGACY_CHECKOUT_LATENCY_MS: '0',
      INVENTORY_URL: toInventory.url,
      INVENTORY_INTERNAL_URL: toInventoryInternal.url,
      STOCK_SYNC_INTERVAL_MS: '200',
      ...env,
    },
  });

beforeAll(async () => {
  // The monolith is everyone's identity provider and needs the inventory service's address: its
  // ports are chosen first, and the others trust its keys before it is up.
  ports.public = await closedPort();
  ports.internal = await closedPort();
  [inventory, payment] = await Promise.all([
    spawnDeployable('services/inventory', {
      env: { ...trust(), ...patient, DATABASE_URL: databases.inventory.url },
    }),
    spawnDeployable('services/payment', {
      env: { ...trust(), ...patient, DATABASE_URL: databases.payment.url },
    }),
  ]);
  toInventory = await startHoldingProxy(inventory.url);
  toInventoryInternal = await startHoldingProxy(inventory.internalUrl!);
  monolith = await startMonolith();
  customers = monolithUsers(monolithDir);
  checkout = await spawnCheckout(
    monolith,
    { inventory: inventory.url, payment: payment.url },
    {
      DATABASE_URL: databases.checkout.url,
      ...patient,
      UPSTREAM_TIMEOUT_MS: '10000',
      SAGA_RECOVERY_INTERVAL_MS: '200',
    },
  );
}, 60_000);

afterAll(async () => {
  await Promise.all([checkout, monolith, inventory, payment].map((running) => running?.stop()));
  await Promise.all([toInventory, toInventoryInternal].map((proxy) => proxy?.close()));
});

async function call(base: string, method: string, path: string, user: string, body?: unknown) {
  const answer = await jsonRequest(`${base}${path}`, { method, token: await customers.token(user), body });
  return { status: answer.status, body: answer.body };
}

/** A cart with `quantity` of `sku`, checked out on `base` (the monolith or the checkout service). */
async function buy(
  base: string,
  user: string,
  sku: string,
  quantity: number,
  paymentMethod = 'pm_card_visa',
) {
  const cart = await call(base, 'POST', '/api/carts', user, {});
  expect(cart.status).toBe(201);
  const cartId = cart.body.cart_id;
  expect((await call(base, 'POST', `/api/carts/${cartId}/items`, user, { sku, quantity })).status).toBe(200);
  const placed = await call(base, 'POST', '/api/checkout', user, {
    cart_id: cartId,
    payment_method: paymentMethod,
    shipping_address: address,
  });
  return { ...placed, cartId };
}

type OnHand = { sku: string; on_hand: number };
const monolithStock = () =>
  (everyRow(join(monolithDir, 'monolith.sqlite')).stock as OnHand[]).sort((a, b) =>
    a.sku.localeCompare(b.sku),
  );
const serviceStock = () => databases.inventory.query<OnHand>('SELECT sku, on_hand FROM stock ORDER BY sku');
const serviceLevel = async (sku: string) =>
  (await call(inventory.url, 'GET', `/api/inventory/${sku}`, 'any')).body;
/** The inventory service's level of `sku` once no hold is left on it (or the last one read). */
const levelWithoutHolds = (sku: string) =>
  eventually(
    () => serviceLevel(sku),
    (level) => level.reserved === 0,
  );

async function expectCopiesAgree() {
  const service = await serviceStock();
  const copy = await eventually(monolithStock, (rows) => JSON.stringify(rows) === JSON.stringify(service));
  expect(copy).toEqual(service);
}

describe('stock taken on both sides at once', () => {
  it('sells the last units once across the monolith and the checkout service', async () => {
    const sku = 'SKU-0070';
    const k = (await serviceLevel(sku)).available;
    expect(k).toBeGreaterThan(0);
    const sides = [monolithUrl(), checkout.url];
    const answers = await Promise.all(
      Array.from({ length: k + 6 }, (_, i) => buy(sides[i % 2], `usr_both_${i}`, sku, 1)),
    );
    const counts = answers.reduce<Record<number, number>>(
      (all, { status }) => ({ ...all, [status]: (all[status] ?? 0) + 1 }),
      {},
    );
    expect(counts).toEqual({ 201: k, 409: 6 });
    expect(await levelWithoutHolds(sku)).toEqual({
      sku,
      available: 0,
      reserved: 0,
    });
  });

  it('agrees on every sku once mixed traffic on both sides stops, whichever side took each write', async () => {
    const sides = [monolithUrl(), checkout.url];
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        buy(
          sides[i % 2],
          `usr_mixed_${i}`,
          `SKU-00${61 + (i % 3)}`,
          1 + (i % 2),
          i % 5 === 4 ? 'pm_card_chargeDeclined' : 'pm_card_visa',
        ),
      ),
    );
    expect(answers.every((answer) => [201, 402].includes(answer.status))).toBe(true);
    await expectCopiesAgree();
  });

  it('keeps in the monolith what the service sold, so a rollback to 0% loses nothing', async () => {
    const user = 'usr_rollback';
    const before = monolithStock().find((row) => row.sku === 'SKU-0064')!.on_hand;
    const placed = await buy(checkout.url, user, 'SKU-0064', 3);
    expect(placed.status).toBe(201);
    const orders = await eventually(
      async () =>
        (await call(monolithUrl(), 'GET', '/api/orders', user)).body.items as { order_id: string }[],
      (items) => items.length === 1,
    );
    expect(orders.map((order) => order.order_id)).toEqual([placed.body.order_id]);
    await expectCopiesAgree();
    expect(monolithStock().find((row) => row.sku === 'SKU-0064')!.on_hand).toBe(before - 3);
  });

  it('commits after a restart the hold of an order the monolith placed just before it was killed', async () => {
    const user = 'usr_monolith_killed';
    const sku = 'SKU-0065';
    const before = await serviceLevel(sku);
    const held = toInventory.holdNext((method, url) => method === 'POST' && url.endsWith('/commit'));
    const answer = buy(monolithUrl(), user, sku, 2).catch((error: Error) => error);
    await held;
    await monolith.kill();
    await answer;
    // The hold is still there; the order already is in the monolith's file.
    expect((await serviceLevel(sku)).reserved).toBe(2);
    monolith = await startMonolith();
    expect(await levelWithoutHolds(sku)).toEqual({
      sku,
      available: before.available - 2,
      reserved: 0,
    });
    expect((await call(monolithUrl(), 'GET', '/api/orders', user)).body.items).toHaveLength(1);
    await expectCopiesAgree();
  });

  it('refuses a monolith checkout with a JSON 503 while the inventory service is down, changing nothing', async () => {
    const down = await spawnDeployable('monolith-stub', {
      env: {
        DATA_DIR: ':memory:',
        INVENTORY_URL: `http://127.0.0.1:${await closedPort()}`,
        LEGACY_LATENCY_MS: '0',
        LEGACY_CHECKOUT_LATENCY_MS: '0',
      },
    });
    try {
      const login = await fetch(`${down.url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'alice', password: 'password' }),
      });
      const token = ((await login.json()) as { access_token: string }).access_token;
      const send = async (method: string, path: string, body?: unknown) => {
        const response = await fetch(`${down.url}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return { status: response.status, body: (await response.json()) as any };
      };
      const cart = await send('POST', '/api/carts', {});
      await send('POST', `/api/carts/${cart.body.cart_id}/items`, { sku: 'SKU-0001', quantity: 1 });
      const refused = await send('POST', '/api/checkout', {
        cart_id: cart.body.cart_id,
        payment_method: 'pm_card_visa',
        shipping_address: address,
      });
      expect(refused.status).toBe(503);
      expect(refused.body.error.code).toBe('INVENTORY_UNAVAILABLE');
      expect((await send('GET', `/api/carts/${cart.body.cart_id}`)).body.status).toBe('open');
      expect((await send('GET', '/api/orders')).body.items).toEqual([]);
    } finally {
      await down.stop();
    }
  });
});
