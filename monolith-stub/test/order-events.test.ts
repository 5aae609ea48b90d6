import { join } from 'node:path';
import { openDatabase, type Order } from '@fig/domain';
import { createSqliteOutbox, orderCreatedEvent, orderCreatedType } from '@fig/domain/events';
import { inTransaction } from '@fig/domain/transaction';
import { deadLetterStream, type FigEvent, newEvent, startOutboxRelay } from '@fig/platform/events';
import { jsonRequest } from '@fig/testing/json-request';
import { startRedisServer } from '@fig/testing/redis-server';
import { scratchDirPerSuite } from '@fig/testing/scratch-dir';
import { everyRow } from '@fig/testing/sqlite-rows';
import { spawnDeployable } from '@fig/testing/spawn-deployable';
import { fetchServiceToken, loginToken } from '@fig/testing/test-identity';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { address } from './support/start-monolith.ts';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

const aliceOrder: Order = {
  order_id: 'ord_from_checkout_1',
  user_id: 'usr_alice',
  status: 'confirmed',
  total_cents: 2 * 4999 + 699,
  currency: 'EUR',
  items: [
    { sku: 'SKU-0002', quantity: 2, unit_price_cents: 4999 },
    { sku: 'SKU-0007', quantity: 1, unit_price_cents: 699 },
  ],
  payment_id: 'pay_from_checkout_1',
  shipping_address: address,
  created_at: '2026-03-04T05:06:07.000Z',
};

describe('the monolith learning orders from checkout.order_created.v1', () => {
  const dataDir = scratchDirPerSuite('fig-monolith-events-');
  let redis: Awaited<ReturnType<typeof startRedisServer>>;
  let monolith: Awaited<ReturnType<typeof spawnDeployable>>;
  let streams: Redis;
  // The checkout side, as the service writes it: an outbox in the order's transaction, a relay.
  const checkoutDb = openDatabase(dataDir, { name: 'checkout' });
  const outbox = createSqliteOutbox(checkoutDb);
  const publish = (event: FigEvent) => {
    inTransaction(checkoutDb, () => outbox.append(event));
    relay.wake();
    return event;
  };
  let relay: ReturnType<typeof startOutboxRelay>;

  beforeAll(async () => {
    redis = await startRedisServer();
    streams = new Redis(redis.url);
    streams.on('error', () => {}); // the outage test kills Redis under it
    relay = startOutboxRelay({ source: outbox.source, redisUrl: redis.url, logger: quiet, pollMs: 50 });
    monolith = await spawnDeployable('monolith-stub', {
      env: { REDIS_URL: redis.url, DATA_DIR: join(dataDir, 'monolith'), LEGACY_LATENCY_MS: '0' },
    });
  });
  afterAll(async () => {
    await monolith?.stop();
    await relay?.stop();
    await streams?.quit();
    checkoutDb.close();
    await redis?.stop();
  });

  const ordersOf = async (username: string) => {
    const token = await loginToken(monolith.url, username);
    const list = await jsonRequest(`${monolith.url}/api/orders`, { token });
    return list.body.items as Order[];
  };
  const monolithRows = () => everyRow(join(dataDir, 'monolith', 'monolith.sqlite'));

  it("shows the published order in its user's GET /api/orders, and to nobody else", async () => {
    const event = publish(orderCreatedEvent(aliceOrder));
    await expect
      .poll(async () => (await ordersOf('alice')).map((o) => o.order_id), { timeout: 10_000 })
      .toContain(aliceOrder.order_id);
    expect((await ordersOf('alice')).find((o) => o.order_id === aliceOrder.order_id)).toEqual(aliceOrder);
    expect((await ordersOf('bob')).map((o) => o.order_id)).not.toContain(aliceOrder.order_id);
    const bob = await loginToken(monolith.url, 'bob');
    expect(
      (await jsonRequest(`${monolith.url}/api/orders/${aliceOrder.order_id}`, { token: bob })).status,
    ).toBe(404);
    expect(monolithRows().processed_events).toEqual([
      { event_id: event.event_id, applied_at: expect.any(String) },
    ]);
    const metrics = await fetch(`${monolith.internalUrl}/metrics`).then((response) => response.text());
    expect(metrics).toMatch(/^events_consumed_total\{[^}]*outcome="applied"[^}]*\} 1$/m);
  });

  it('never lets a creation event undo what PUT recorded: redelivered, or arriving after the PUT', async () => {
    const service = await fetchServiceToken(monolith.url, 'checkout', 'orders:record');
    const refund = ({ order_id, ...rest }: Order) =>
      jsonRequest(`${monolith.internalUrl}/internal/orders/${order_id}`, {
        method: 'PUT',
        body: { ...rest, status: 'refunded' },
        token: service,
      });
    const processed = () => monolithRows().processed_events.map((row: any) => row.event_id as string);

    // Learnt from the stream, then refunded over PUT, then the relay publishes it again.
    const first = { ...aliceOrder, order_id: 'ord_from_checkout_2' };
    const event = publish(orderCreatedEvent(first));
    await expect.poll(processed, { timeout: 10_000 }).toContain(event.event_id);
    expect((await refund(first)).status).toBe(200);
    await streams.xadd(orderCreatedType, '*', 'event', JSON.stringify(event));
    // Recorded and refunded over PUT before its event arrives at all.
    const late = { ...aliceOrder, order_id: 'ord_from_checkout_3' };
    expect((await refund(late)).status).toBe(201);
    const lateEvent = publish(orderCreatedEvent(late));
    await expect.poll(processed, { timeout: 10_000 }).toContain(lateEvent.event_id);

    const statuses = new Map((await ordersOf('alice')).map((o) => [o.order_id, o.status]));
    expect(statuses.get(first.order_id)).toBe('refunded');
    expect(statuses.get(late.order_id)).toBe('refunded');
    expect(processed().filter((id) => id === event.event_id)).toHaveLength(1);
  });

  it('records an event that carries only the §3.5 fields, with defaults for the rest', async () => {
    const event = publish(
      newEvent(orderCreatedType, {
        order_id: 'ord_seed_shape',
        user_id: 'usr_bob',
        total_cents: 12999,
        items: [{ product_id: 'prd_0002', quantity: 2, price_cents: 4999 }],
      }),
    );
    await expect
      .poll(async () => (await ordersOf('bob')).map((o) => o.order_id), { timeout: 10_000 })
      .toContain('ord_seed_shape');
    expect((await ordersOf('bob')).find((o) => o.order_id === 'ord_seed_shape')).toMatchObject({
      user_id: 'usr_bob',
      status: 'confirmed',
      total_cents: 12999,
      currency: 'EUR',
      items: [{ sku: 'SKU-0002', quantity: 2, unit_price_cents: 4999 }],
      payment_id: null,
      created_at: event.timestamp,
    });
  });

  it('parks an order event it cannot record on the dead-letter stream, records nothing, and goes on', async () => {
    const broken = publish(
      newEvent(orderCreatedType, { order_id: 'ord_broken', user_id: 'usr_bob', total_cents: -5, items: [] }),
    );
    const line = { product_id: 'prd_0002', quantity: 1, price_cents: 4999 };
    const twice = publish(
      newEvent(orderCreatedType, {
        order_id: 'ord_twice',
        user_id: 'usr_bob',
        total_cents: 9998,
        items: [line, line],
      }),
    );
    const after = publish(orderCreatedEvent({ ...aliceOrder, order_id: 'ord_after_broken' }));
    await expect
      .poll(async () => (await ordersOf('alice')).map((o) => o.order_id), { timeout: 10_000 })
      .toContain('ord_after_broken');
    const dead = (await streams.xrange(deadLetterStream(orderCreatedType), '-', '+')) as [string, string[]][];
    const parked = dead.map(([, fields]) =>
      Object.fromEntries(fields.flatMap((v, i) => (i % 2 ? [] : [[v, fields[i + 1]]]))),
    );
    expect(parked).toEqual([
      expect.objectContaining({
        event: JSON.stringify(broken),
        group: 'monolith',
        reason: expect.stringMatching(/total_cents|items/),
      }),
      expect.objectContaining({
        event: JSON.stringify(twice),
        reason: 'event/data/items names prd_0002 twice',
      }),
    ]);
    expect((await ordersOf('bob')).map((o) => o.order_id)).not.toContain('ord_broken');
    expect((await ordersOf('bob')).map((o) => o.order_id)).not.toContain('ord_twice');
    expect(after.event_id).toMatch(/^evt_/);
  });

  it('stays ready while Redis is down, and learns what was published meanwhile once it is back', async () => {
    await redis.kill();
    const order = { ...aliceOrder, order_id: 'ord_during_outage' };
    publish(orderCreatedEvent(order)); // waits in the checkout side's outbox
    expect((await jsonRequest(`${monolith.internalUrl}/health/ready`)).status).toBe(200);
    expect((await ordersOf('alice')).map((o) => o.order_id)).not.toContain(order.order_id);
    // This Redis keeps nothing across a restart: the stream and the group come back empty.
    await redis.restart();
    await expect
      .poll(async () => (await ordersOf('alice')).map((o) => o.order_id), { timeout: 15_000 })
      .toContain(order.order_id);
  });

  it('drains on SIGTERM with its consumer connected, and exits cleanly', async () => {
    expect(await monolith.stop()).toBe(0);
    expect(monolith.output()).not.toMatch(/"level":(50|60)/); // no error or fatal line on the way out
  });
});
