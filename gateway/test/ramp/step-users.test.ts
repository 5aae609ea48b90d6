import { parseRules } from '@fig/routing-rules';
import { type RunningRedis, startRedisServer } from '@fig/testing/redis-server';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStepUsers, RedisStepUsers, type StepUsers, usersKey } from '../../src/ramp/step-users.ts';

const compiled = parseRules(`version: 1
upstreams:
  monolith: { url: http://127.0.0.1:3000 }
  inventory: { url: http://127.0.0.1:5003 }
routes:
  - { name: inventory, path: /api/inventory, service: inventory, sticky: 'header:x-client-id' }
  - { name: other, path: /api/other, service: inventory, sticky: 'header:x-client-id' }
`);
if (!compiled.ok) throw new Error(JSON.stringify(compiled.problems));
const inventory = compiled.rules.byName.get('inventory')!;
const other = compiled.rules.byName.get('other')!;
const who = (user: string) => ({ ip: '10.0.0.9', headers: { 'x-client-id': user } });

/** 30 users on the service, one of them 500 times; 70 on the monolith; and a route not counted. */
function traffic(users: StepUsers) {
  users.count(new Map([['inventory', 'step-1']]));
  for (let i = 0; i < 500; i++) users.note(inventory, 'service', who('heavy'));
  for (let i = 0; i < 29; i++) users.note(inventory, 'service', who(`s-${i}`));
  for (let i = 0; i < 70; i++) users.note(inventory, 'monolith', who(`m-${i}`));
  for (let i = 0; i < 10; i++) users.note(other, 'service', who(`o-${i}`));
}

describe('counting a ramp step’s users', () => {
  it('in memory: each user once per side, only for counted steps, and unknown past its limit', async () => {
    const users = new MemoryStepUsers(50);
    traffic(users);
    // 70 users on the monolith side, past a limit of 50: the count is unknown (judged on requests).
    expect(await users.users('inventory', 'step-1')).toBeUndefined();
    const roomy = new MemoryStepUsers();
    traffic(roomy);
    expect(await roomy.users('inventory', 'step-1')).toEqual({
      service: 30,
      monolith: 70,
      approximate: false,
    });
    expect(await roomy.users('other', 'step-1')).toEqual({ service: 0, monolith: 0, approximate: false });
    // A new step counts afresh.
    roomy.count(new Map([['inventory', 'step-2']]));
    roomy.note(inventory, 'service', who('heavy'));
    expect(await roomy.users('inventory', 'step-2')).toEqual({ service: 1, monolith: 0, approximate: false });
  });

  describe('in Redis', () => {
    let redis: RunningRedis;
    let client: Redis;
    beforeAll(async () => {
      redis = await startRedisServer();
      client = new Redis(redis.url);
    });
    afterAll(async () => {
      client.disconnect();
      await redis.stop();
    });

    it('adds up every replica’s users in one HyperLogLog per step and side, with no user id in it', async () => {
      const replicas = [new Redis(redis.url), new Redis(redis.url)];
      const [a, b] = replicas.map((replica) => new RedisStepUsers(replica));
      traffic(a);
      traffic(b); // The same users through another replica: still counted once.
      await b.flush();
      expect(await a.users('inventory', 'step-1')).toEqual({ service: 30, monolith: 70, approximate: true });
      const key = usersKey('inventory', 'step-1', 'service');
      expect(await client.pttl(key)).toBeGreaterThan(0);
      expect((await client.getBuffer(key))!.includes('heavy')).toBe(false);
      expect(await client.exists(usersKey('other', 'step-1', 'service'))).toBe(0);
      for (const replica of replicas) replica.disconnect();
    });
  });
});
