import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { address, spawnCheckout, trustMonolith } from '@fig/testing/checkout-stack';
import { closedPort } from '@fig/testing/closed-port';
import { eventually } from '@fig/testing/eventually';
import { monolithUsers } from '@fig/testing/monolith-identity';
import { type OtlpReceiver, startOtlpReceiver } from '@fig/testing/otlp-receiver';
import { postgresPerSuite } from '@fig/testing/postgres-database';
import { type RunningRedis, startRedisServer } from '@fig/testing/redis-server';
import { scratchDirPerSuite } from '@fig/testing/scratch-dir';
import { type RunningDeployable, spawnDeployable } from '@fig/testing/spawn-deployable';
import { everyRow } from '@fig/testing/sqlite-rows';

// DESIGN §3.5 end to end, every part real: the checkout service (PostgreSQL) writes each order's
// event into its outbox with the order, its relay appends it to Redis, and the monolith (its
// consumer group) records the order. The monolith's PUT /internal/orders is out of reach of the
// checkout service here (a closed port), so an order the monolith shows came through the stream.
const databases = postgresPerSuite('inventory', 'payment', 'checkout');
const redisDir = scratchDirPerSuite('fig-stream-redis-');
const monolithDir = scratchDirPerSuite('fig-stream-monolith-');
const stream = 'checkout.order_created.v1';
let redis: RunningRedis;
let receiver: OtlpReceiver;
let monolith: RunningDeployable;
let inventory: RunningDeployable;
let payment: RunningDeployable;
let checkout: RunningDeployable;
let customers: ReturnType<typeof monolithUsers>;

const patient = { DATABASE_TIMEOUT_MS: '10000' };

beforeAll(async () => {
  // Appendonly, fsynced: a Redis killed and restarted keeps the stream and the group's place.
  redis = await startRedisServer({ appendOnlyDir: redisDir });
  receiver = await startOtlpReceiver();
  // Tracing on, so the event's metadata is the checkout request's trace (not fresh ids).
  const otel = {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '50',
  };
  monolith = await spawnDeployable('monolith-stub', {
    env: {
      ...otel,
      DATA_DIR: monolithDir,
      REDIS_URL: redis.url,
      LEGACY_LATENCY_MS: '0',
      LEGACY_CHECKOUT_LATENCY_MS: '0',
    },
  });
  customers = monolithUsers(monolithDir);
  const trust = trustMonolith(monolith);
  [inventory, payment] = await Promise.all([
    spawnDeployable('services/inventory', {
      env: { ...trust, ...patient, DATABASE_URL: databases.inventory.url },
    }),
    spawnDeployable('services/payment', {
      env: { ...trust, ...patient, DATABASE_URL: databases.payment.url },
    }),
  ]);
  checkout = await spawnCheckout(
    monolith,
    {
      inventory: inventory.url,
      payment: payment.url,
      monolithInternal: `http://127.0.0.1:${await closedPort()}`,
    },
    {
      ...otel,
      ...patient,
      DATABASE_URL: databases.checkout.url,
      REDIS_URL: redis.url,
      UPSTREAM_TIMEOUT_MS: '10000',
    },
  );
}, 60_000);

afterAll(async () => {
  await Promise.all([checkout, inventory, payment].map((running) => running?.stop()));
  await monolith?.stop();
  await receiver?.close();
  await redis?.stop();
});

async function call(base: string, method: string, path: string, user: string, options: CallOptions = {}) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${await customers.token(user)}`,
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}
interface CallOptions {
  body?: unknown;
  headers?: Record<string, string>;
}

/** A cart with one line, checked out on the checkout service; the answer as the client got it. */
async function checkoutOne(user: string, sku: string, headers: Record<string, string> = {}) {
  const cart = await call(checkout.url, 'POST', '/api/carts', user, { body: {} });
  expect(cart.status).toBe(201);
  const cartId = cart.body.cart_id;
  const added = await call(checkout.url, 'POST', `/api/carts/${cartId}/items`, user, {
    body: { sku, quantity: 1 },
  });
  expect(added.status).toBe(200);
  return call(checkout.url, 'POST', '/api/checkout', user, {
    headers,
    body: { cart_id: cartId, payment_method: 'pm_card_visa', shipping_address: address },
  });
}

/** Every entry of the order stream, as [entry id, field list]. */
async function streamEntries(): Promise<[string, string[]][]> {
  const client = new Redis(redis.url, { protocol: 2, lazyConnect: true });
  try {
    await client.connect();
    return await client.xrange(stream, '-', '+');
  } finally {
    client.disconnect();
  }
}

/** About 20 s of polling: an order crosses the relay's and the consumer's poll intervals. */
const streamAttempts = 400;

const monolithOrderIds = async (user: string): Promise<string[]> => {
  const listed = await call(monolith.url, 'GET', '/api/orders', user);
  expect(listed.status).toBe(200);
  return listed.body.items.map((order: { order_id: string }) => order.order_id);
};

describe('orders placed by the checkout service reach the monolith through the stream (DESIGN §3.5)', () => {
  it(
    'publishes the event field for field, in the checkout request’s trace, and the monolith shows the order to its user only',
    { timeout: 60_000 },
    async () => {
      const traceId = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
      const placed = await checkoutOne('usr_stream_1', 'SKU-0003', {
        traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
      });
      expect(placed.status).toBe(201);
      const orderId: string = placed.body.order_id;

      const entries = await eventually(
        streamEntries,
        (all) => all.some(([, fields]) => fields[1]?.includes(orderId)),
        streamAttempts,
      );
      const ours = entries.filter(([, fields]) => fields[1]?.includes(orderId));
      expect(ours).toHaveLength(1);
      const [, fields] = ours[0];
      // One field, `event`, holding the envelope's JSON.
      expect(fields).toHaveLength(2);
      expect(fields[0]).toBe('event');
      const event = JSON.parse(fields[1]);
      expect(Object.keys(event).sort()).toEqual(['data', 'event_id', 'event_type', 'metadata', 'timestamp']);
      expect(event.event_id).toMatch(/^evt_[A-Za-z0-9_-]{8,64}$/);
      expect(event.event_type).toBe(stream);
      expect(new Date(event.timestamp).toISOString()).toBe(event.timestamp);
      expect(event.data).toMatchObject({
        order_id: orderId,
        user_id: 'usr_stream_1',
        total_cents: placed.body.total_cents,
        items: [{ product_id: 'prd_0003', quantity: 1, price_cents: placed.body.total_cents }],
      });
      expect(Object.keys(event.data.items[0]).sort()).toEqual(['price_cents', 'product_id', 'quantity']);
      // The checkout's trace: the request's trace id, and a span of it (the saga step that wrote it).
      expect(Object.keys(event.metadata).sort()).toEqual(['span_id', 'trace_id']);
      expect(event.metadata.trace_id).toBe(traceId);
      expect(event.metadata.span_id).toMatch(/^(?!0{16})[0-9a-f]{16}$/);
      const writer = await receiver.waitFor((spans) =>
        spans.some((span) => span.spanId === event.metadata.span_id),
      );
      expect(writer.find((span) => span.spanId === event.metadata.span_id)).toMatchObject({
        service: 'checkout',
        traceId,
      });

      // The monolith learnt of it from the stream, and shows it to its user, and to nobody else.
      const seen = await eventually(
        () => monolithOrderIds('usr_stream_1'),
        (ids) => ids.includes(orderId),
        streamAttempts,
      );
      expect(seen).toEqual([orderId]);
      const mine = await call(monolith.url, 'GET', `/api/orders/${orderId}`, 'usr_stream_1');
      expect(mine.status).toBe(200);
      expect(mine.body).toMatchObject({
        order_id: orderId,
        user_id: 'usr_stream_1',
        total_cents: placed.body.total_cents,
      });
      expect(await monolithOrderIds('usr_stream_other')).toEqual([]);
      const theirs = await call(monolith.url, 'GET', `/api/orders/${orderId}`, 'usr_stream_other');
      expect(theirs.status).toBe(404);
    },
  );

  it(
    'takes checkouts while Redis is down, and delivers every order to the monolith exactly once after it returns',
    { timeout: 90_000 },
    async () => {
      const skus = ['SKU-0001', 'SKU-0002', 'SKU-0004', 'SKU-0005', 'SKU-0006', 'SKU-0007'];
      const placed: { user: string; orderId: string }[] = [];
      const run = async (round: string, count: number) => {
        for (let n = 0; n < count; n += 1) {
          const user = `usr_outage_${round}_${n}`;
          const answer = await checkoutOne(user, skus[n % skus.length]);
          expect(answer.status, JSON.stringify(answer.body)).toBe(201);
          placed.push({ user, orderId: answer.body.order_id });
        }
      };
      await run('before', 3);
      await redis.kill();
      // The checkouts do not wait on Redis: their events wait in the outbox.
      await run('down', 6);
      await redis.restart();
      await run('after', 3);

      for (const { user, orderId } of placed) {
        const ids = await eventually(
          () => monolithOrderIds(user),
          (seen) => seen.includes(orderId),
          streamAttempts,
        );
        expect(ids).toEqual([orderId]);
      }
      // Once in the monolith's own table, whatever the stream held (at least once).
      const orderRows = everyRow(join(monolithDir, 'monolith.sqlite')).orders as { id: string }[];
      for (const { orderId } of placed) {
        expect(orderRows.filter((row) => row.id === orderId)).toHaveLength(1);
      }
      const published = (await streamEntries()).map(([, fields]) => JSON.parse(fields[1]).data.order_id);
      for (const { orderId } of placed) expect(published).toContain(orderId);
    },
  );
});
