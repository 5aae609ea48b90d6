import { type RunningRedis, startRedisServer } from '@fig/testing/redis-server';
import type { FastifyRateLimitStore } from '@fastify/rate-limit';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { batchedRedisStore } from '../src/rate-limit/batched-redis-store.ts';
import { createFailFastRedis } from '../src/fail-fast-redis.ts';

// The stock store of @fastify/rate-limit, which gateways of the previous release count with.
const StockRedisStore = createRequire(import.meta.url)('@fastify/rate-limit/store/RedisStore') as new (
  continueExceeding: boolean,
  exponentialBackoff: boolean,
  redis: unknown,
  nameSpace: string,
) => FastifyRateLimitStore;

let redis: RunningRedis;
let client: ReturnType<typeof createFailFastRedis>;
const nameSpace = 'fig:rl:';

beforeAll(async () => {
  redis = await startRedisServer();
  client = createFailFastRedis(redis.url);
  // Without an offline queue, commands before the connection is up fail at once.
  if (client.status !== 'ready') await once(client, 'ready');
});
beforeEach(async () => {
  await client.flushall();
  await client.config('RESETSTAT');
});
afterAll(async () => {
  client?.disconnect();
  await redis?.stop();
});

const incr = (store: FastifyRateLimitStore, key: string, windowMs: number) =>
  new Promise<{ current: number; ttl: number }>((resolve, reject) =>
    store.incr(key, (error, result) => (error ? reject(error) : resolve(result!)), windowMs, 100),
  );

/** Script calls Redis has run since the last reset (EVALSHA, and EVAL the first time). */
async function scriptCalls(): Promise<number> {
  const stats = await client.info('commandstats');
  return [...stats.matchAll(/cmdstat_eval(?:sha)?:calls=(\d+)/g)].reduce((sum, [, n]) => sum + Number(n), 0);
}

describe('the batched Redis rate-limit store', () => {
  it('sends the decisions of one event-loop turn as one script call, each with its own count', async () => {
    const Store = batchedRedisStore(client, nameSpace);
    const store = new Store();
    const decisions = await Promise.all([
      incr(store, 'route|ip|a', 60_000),
      incr(store, 'route|ip|a', 60_000),
      incr(store, 'route|ip|b', 5_000),
      incr(store, 'route|ip|a', 60_000),
    ]);
    expect(decisions.map(({ current }) => current)).toEqual([1, 2, 1, 3]);
    expect(decisions[0]!.ttl).toBe(60_000);
    expect(decisions[2]!.ttl).toBe(5_000);
    expect(decisions[3]!.ttl).toBeGreaterThan(59_000);
    expect(decisions[3]!.ttl).toBeLessThanOrEqual(60_000);
    // The first call may be refused as an unknown script and repeated with its text.
    expect(await scriptCalls()).toBeLessThanOrEqual(2);
    expect(await client.get(`${nameSpace}route|ip|a`)).toBe('3');
    expect(await client.pttl(`${nameSpace}route|ip|b`)).toBeLessThanOrEqual(5_000);
  });

  it('shares each budget with the stock store, key for key (a rolling deploy counts once)', async () => {
    const batched = new (batchedRedisStore(client, nameSpace))();
    const stock = new StockRedisStore(false, false, client, nameSpace);
    const counts = [];
    for (let i = 0; i < 6; i++)
      counts.push((await incr(i % 2 ? stock : batched, 'route|s|alice', 60_000)).current);
    expect(counts).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('gives every decision of a batch the error when Redis cannot answer', async () => {
    const broken = createFailFastRedis('redis://127.0.0.1:1');
    try {
      const store = new (batchedRedisStore(broken, nameSpace))();
      const outcomes = await Promise.allSettled([incr(store, 'a', 1000), incr(store, 'b', 1000)]);
      expect(outcomes.map(({ status }) => status)).toEqual(['rejected', 'rejected']);
    } finally {
      broken.disconnect();
    }
  });
});
