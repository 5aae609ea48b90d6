import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monolithUsers } from '@fig/testing/monolith-identity';
import { type RunningDeployable, spawnDeployable } from '@fig/testing/spawn-deployable';
import { everyRow } from '@fig/testing/sqlite-rows';
import { address, spawnCheckout, trustMonolith } from '@fig/testing/checkout-stack';

// A user whose traffic moves to the checkout service (the `carts` percentage went up)
// keeps the cart they started on the monolith.
let monolith: RunningDeployable;
let inventory: RunningDeployable;
let payment: RunningDeployable;
let checkout: RunningDeployable;
let monolithDir: string;
let checkoutDir: string;
// Customers' tokens, as the monolith (the identity provider every service trusts) issues them.
let customers: ReturnType<typeof monolithUsers>;

beforeAll(async () => {
  monolithDir = mkdtempSync(join(tmpdir(), 'fig-adoption-'));
  checkoutDir = mkdtempSync(join(tmpdir(), 'fig-adoption-checkout-'));
  monolith = await spawnDeployable('monolith-stub', {
    env: { DATA_DIR: monolithDir, LEGACY_LATENCY_MS: '0', LEGACY_CHECKOUT_LATENCY_MS: '0' },
  });
  customers = monolithUsers(monolithDir);
  const trust = trustMonolith(monolith);
  [inventory, payment] = await Promise.all([
    spawnDeployable('services/inventory', { env: trust }),
    spawnDeployable('services/payment', { env: trust }),
  ]);
  checkout = await spawnCheckout(
    monolith,
    { inventory: inventory.url, payment: payment.url },
    { DATA_DIR: checkoutDir },
  );
});

afterAll(async () => {
  await Promise.all([checkout?.stop(), monolith?.stop(), inventory?.stop(), payment?.stop()]);
  rmSync(monolithDir, { recursive: true, force: true });
  rmSync(checkoutDir, { recursive: true, force: true });
});

async function call(
  base: string,
  method: string,
  path: string,
  user?: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...headers,
      ...(user ? { authorization: `Bearer ${await customers.token(user)}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function monolithCart(user: string | undefined, items: { sku: string; quantity: number }[]) {
  const cart = (await call(monolith.url, 'POST', '/api/carts', user, {})).body;
  for (const item of items) await call(monolith.url, 'POST', `/api/carts/${cart.cart_id}/items`, user, item);
  return (await call(monolith.url, 'GET', `/api/carts/${cart.cart_id}`, user)).body;
}

describe('carts started on the monolith', () => {
  it('are adopted by the checkout service with their lines, and can be checked out there', async () => {
    const user = 'usr_adopt_owner';
    const started = await monolithCart(user, [
      { sku: 'SKU-0041', quantity: 2 },
      { sku: 'SKU-0042', quantity: 1 },
    ]);
    expect(await call(checkout.url, 'GET', `/api/carts/${started.cart_id}`, user)).toEqual({
      status: 200,
      body: started,
    });
    // It is the owner's cart here too.
    expect((await call(checkout.url, 'GET', `/api/carts/${started.cart_id}`, 'usr_adopt_other')).status).toBe(
      404,
    );
    const added = await call(checkout.url, 'POST', `/api/carts/${started.cart_id}/items`, user, {
      sku: 'SKU-0043',
      quantity: 1,
    });
    expect(added.body.items.map((item: { sku: string }) => item.sku)).toEqual([
      'SKU-0041',
      'SKU-0042',
      'SKU-0043',
    ]);
    const placed = await call(checkout.url, 'POST', '/api/checkout', user, {
      cart_id: started.cart_id,
      payment_method: 'pm_card_visa',
      shipping_address: address,
    });
    expect(placed.status).toBe(201);
    expect(placed.body.total_cents).toBe(added.body.total_cents);
  });

  it('are not adopted by someone the monolith would not show them to', async () => {
    const started = await monolithCart('usr_adopt_alice', [{ sku: 'SKU-0044', quantity: 1 }]);
    const stranger = await call(checkout.url, 'GET', `/api/carts/${started.cart_id}`, 'usr_adopt_mallory');
    expect(stranger).toEqual({
      status: 404,
      body: { error: { code: 'CART_NOT_FOUND', message: `cart ${started.cart_id} not found` } },
    });
    // The owner can still bring it over afterwards, as their own.
    expect((await call(checkout.url, 'GET', `/api/carts/${started.cart_id}`, 'usr_adopt_alice')).status).toBe(
      200,
    );
    expect((await call(checkout.url, 'GET', `/api/carts/${started.cart_id}`)).status).toBe(404);
  });

  it('stay anonymous when they were, and are found through GraphQL too', async () => {
    const started = await monolithCart(undefined, [{ sku: 'SKU-0045', quantity: 3 }]);
    const answer = await call(checkout.internalUrl!, 'POST', '/graphql', 'usr_adopt_anyone', {
      query: 'query($id: ID!) { cart(id: $id) { id totalCents items { sku quantity } } }',
      variables: { id: started.cart_id },
    });
    expect(answer.body.data.cart).toEqual({
      id: started.cart_id,
      totalCents: started.total_cents,
      items: [{ sku: 'SKU-0045', quantity: 3 }],
    });
    expect((await call(checkout.url, 'GET', `/api/carts/${started.cart_id}`)).status).toBe(200);
  });

  it('are seen by a dry run as adoption would bring them, and stay on the monolith only', async () => {
    const user = 'usr_adopt_rehearsal';
    const started = await monolithCart(user, [{ sku: 'SKU-0046', quantity: 2 }]);
    const rows = () => everyRow(join(checkoutDir, 'checkout.sqlite'));
    const before = rows();
    const dryRun = { 'x-fig-dry-run': '1' };

    const added = await call(
      checkout.url,
      'POST',
      `/api/carts/${started.cart_id}/items`,
      user,
      { sku: 'SKU-0047', quantity: 1 },
      dryRun,
    );
    expect(added.status).toBe(200);
    expect(added.body).toMatchObject({ cart_id: started.cart_id, status: 'open' });
    expect(added.body.items).toEqual([
      started.items[0],
      expect.objectContaining({ sku: 'SKU-0047', quantity: 1 }),
    ]);
    expect(added.body.total_cents).toBe(started.total_cents + added.body.items[1].line_total_cents);

    // The checkout's dry run prices the monolith's cart as it is there.
    const previewed = await call(
      checkout.url,
      'POST',
      '/api/checkout',
      user,
      {
        cart_id: started.cart_id,
        payment_method: 'pm_card_visa',
        shipping_address: address,
      },
      dryRun,
    );
    expect(previewed.status).toBe(201);
    expect(previewed.body.total_cents).toBe(started.total_cents);

    // Someone the monolith would not show the cart to is not shown it by a dry run either.
    const stranger = await call(
      checkout.url,
      'POST',
      `/api/carts/${started.cart_id}/items`,
      'usr_adopt_mallory',
      { sku: 'SKU-0047', quantity: 1 },
      dryRun,
    );
    expect(stranger.status).toBe(404);

    // Nothing of it was stored: no cart, no line, no saga.
    expect(rows()).toEqual(before);
  });

  it('answer 404 for ids neither side knows', async () => {
    const missing = await call(
      checkout.url,
      'GET',
      '/api/carts/cart_00000000000000000000000000000000',
      'usr_x',
    );
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('CART_NOT_FOUND');
  });
});
