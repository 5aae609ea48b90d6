import { stickyBucket } from '@fig/routing-rules';
import { startRedisServer, type RunningRedis } from '@fig/testing/redis-server';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningGateway, startGateway } from '../../gateway/test/gateway-harness.ts';
import {
  drive,
  rampOf,
  rampRules,
  startUpstreams,
  type Traffic,
  type Upstreams,
  waitFor,
} from './ramp-harness.ts';

let upstreams: Upstreams;
let redis: RunningRedis;
let gateway: RunningGateway | undefined;
let traffic: Traffic | undefined;

beforeAll(async () => {
  [upstreams, redis] = await Promise.all([startUpstreams(), startRedisServer()]);
});
afterAll(async () => {
  await Promise.all([upstreams.close(), redis.stop()]);
});
afterEach(async () => {
  await traffic?.stop();
  await gateway?.close();
  traffic = gateway = undefined;
});

// A user the 50% split sends to the service: one who sends most of the route's requests.
const heavy = Array.from({ length: 100 }, (_, i) => `heavy-${i}`).find(
  (user) => stickyBucket('inventory', user) < 5000,
)!;

/** Seven requests in ten from the heavy user, the rest from a new user each. */
function heavyTraffic(): () => string {
  let n = 0;
  return () => (Math.random() < 0.7 ? heavy : `light-${n++}-${Math.random()}`);
}

describe('the split check of a ramp', { timeout: 90_000 }, () => {
  for (const store of ['redis', 'memory'] as const)
    it(`judges users, not requests (${store}): a heavy user on the service side does not hold a sound 50% split`, async () => {
      gateway = await startGateway(
        rampRules(
          upstreams,
          `
          steps: [50, 100]
          interval: 1s
          minDuration: 2s
          minRequests: 30
          gates: { errorRate: { max: 20% } }
          approve: [100]`,
        ),
        { RAMP_TICK_MS: '200', ...(store === 'redis' ? { REDIS_URL: redis.url } : {}) },
      );
      traffic = drive(gateway.url, 4, heavyTraffic());
      // Well over half the requests reach the service, as the heavy user's all do.
      await waitFor('the first step', async () => (await rampOf(gateway!.adminUrl)).effectivePercent === 50);
      const before = { ...traffic.served };
      const since = (side: string) => (traffic!.served[side] ?? 0) - (before[side] ?? 0);
      await waitFor('traffic', async () => since('inventory') > 200);
      expect(since('inventory') / (since('inventory') + since('monolith'))).toBeGreaterThan(0.7);
      const passed = await waitFor('the step to pass', async () => {
        const ramp = await rampOf(gateway!.adminUrl);
        return ramp.status === 'awaiting-approval' && ramp;
      });
      expect(passed.evaluation?.split).toMatch(
        store === 'redis'
          ? /^about \d+ of \d+ users on the service side \(\d+(\.\d+)?%, expected 50%\)$/
          : /^\d+ of \d+ users on the service side \(\d+(\.\d+)?%, expected 50%\)$/,
      );
      if (store === 'redis') {
        // Every replica's users in one HyperLogLog per step and side; no user id in clear.
        const client = new Redis(redis.url);
        const keys = await client.keys('fig:ramp:users:*');
        expect(keys.map((key) => key.split(':').pop()).sort()).toEqual(['monolith', 'service']);
        for (const key of keys) {
          expect(key).not.toContain('heavy');
          expect(await client.pfcount(key)).toBeGreaterThan(10);
          expect((await client.getBuffer(key))!.includes(heavy)).toBe(false);
        }
        client.disconnect();
      }
    });
});
