import { type RunningRedis, startRedisServer } from '@fig/testing/redis-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeOf, type ShadowGateway, startShadowGateway } from './gateway-harness.ts';

let redis: RunningRedis;
let first: ShadowGateway;
let second: ShadowGateway;

beforeAll(async () => {
  redis = await startRedisServer();
  [first, second] = await Promise.all([
    startShadowGateway({ REDIS_URL: redis.url }),
    startShadowGateway({ REDIS_URL: redis.url }),
  ]);
});
afterAll(async () => {
  await Promise.all([first?.close(), second?.close()]);
  await redis?.stop();
});

const get = async (gateway: ShadowGateway, path: string, times: number) => {
  for (let i = 0; i < times; i++) await (await fetch(`${gateway.url}${path}`)).arrayBuffer();
};

describe('comparisons shared through Redis', () => {
  it('shows one picture on every gateway instance', async () => {
    await Promise.all([get(first, '/api/payments/pay-1', 10), get(second, '/api/payments/pay-1', 15)]);
    await get(second, '/api/inventory/all', 5);
    const done = (report: Awaited<ReturnType<ShadowGateway['comparisons']>>) =>
      routeOf(report, 'payments').comparisons.compared === 25 &&
      routeOf(report, 'inventory').comparisons.compared === 5;
    const [fromFirst, fromSecond] = await Promise.all([first.until(done), second.until(done)]);
    for (const report of [fromFirst, fromSecond]) {
      expect(report.store).toBe('redis');
      const payments = routeOf(report, 'payments');
      expect(payments.comparisons).toMatchObject({ compared: 25, mismatched: 25 });
      expect(payments.traffic.monolith.requests).toBe(25);
      expect(payments.fields[0]).toMatchObject({ field: 'body.amount_cents', verdict: 'real', rate: 1 });
      expect(payments.fields[0].examples[0]).toMatchObject({ left: 1200, right: 1250 });
      expect(routeOf(report, 'inventory').comparisons).toMatchObject({ compared: 5, matched: 5 });
    }
  });
});
