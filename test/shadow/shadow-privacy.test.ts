import { type RunningRedis, startRedisServer } from '@fig/testing/redis-server';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customers } from './differing-upstreams.ts';
import { routeOf, type ShadowGateway, startShadowGateway } from './gateway-harness.ts';

let redis: RunningRedis;
let client: Redis;
let gateway: ShadowGateway;

const ttlSeconds = 3600;

beforeAll(async () => {
  redis = await startRedisServer();
  client = new Redis(redis.url);
  gateway = await startShadowGateway({
    REDIS_URL: redis.url,
    COMPARISON_EXAMPLE_TTL_SECONDS: String(ttlSeconds),
    COMPARISON_HASH_KEY: 'a-key-shared-by-the-fleet',
  });
});
afterAll(async () => {
  await gateway?.close();
  client?.disconnect();
  await redis?.stop();
});

const json = { 'content-type': 'application/json' };

/** Every piece of personal data either side answered with that differs between them. */
const personal = [
  customers.monolith.email,
  customers.service.email,
  customers.monolith.shipping_address.line1,
  customers.service.shipping_address.line1,
  // Parts of them, in case a value were cut rather than left out.
  'liddell@',
  'Looking',
  'wonder.example',
];

/** Every key in Redis with everything it holds, as one text. */
async function everythingInRedis(): Promise<{ keys: string[]; text: string }> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await client.scan(cursor, 'COUNT', 1000);
    keys.push(...found);
    cursor = next;
  } while (cursor !== '0');
  const parts: string[] = [];
  for (const key of keys) {
    const type = await client.type(key);
    const value =
      type === 'hash'
        ? await client.hgetall(key)
        : type === 'list'
          ? await client.lrange(key, 0, -1)
          : type === 'set'
            ? await client.smembers(key)
            : type === 'string'
              ? await client.get(key)
              : `(${type})`;
    parts.push(key, JSON.stringify(value));
  }
  return { keys, text: parts.join('\n') };
}

describe('shadowed writes and personal data', () => {
  it('mirrors a write to a dryRun upstream as a dry run; the request the client is served by is never one', async () => {
    // /api/same: the service serves everything, POSTs are compared, the monolith declares dryRun.
    for (let i = 0; i < 5; i++) {
      const answer = await fetch(`${gateway.url}/api/same`, {
        method: 'POST',
        headers: json,
        body: '{"n":1}',
      });
      expect(answer.status).toBe(200);
      await answer.arrayBuffer();
    }
    await gateway.until((report) => routeOf(report, 'same').comparisons.compared >= 5);
    const seen = (upstream: ShadowGateway['monolith']) =>
      upstream.methods
        .map((method, i) => ({
          method,
          path: upstream.paths[i],
          dryRun: upstream.dryRuns[i],
          shadow: upstream.marks[i],
        }))
        .filter((request) => request.method === 'POST' && request.path === '/api/same');
    expect(seen(gateway.monolith)).toEqual(
      Array.from({ length: 5 }, () => ({ method: 'POST', path: '/api/same', dryRun: '1', shadow: '1' })),
    );
    expect(seen(gateway.service)).toEqual(
      Array.from({ length: 5 }, () => ({
        method: 'POST',
        path: '/api/same',
        dryRun: undefined,
        shadow: undefined,
      })),
    );
  });

  it('never passes a client-sent x-fig-dry-run on to the serving side', async () => {
    const before = gateway.service.methods.length;
    const answer = await fetch(`${gateway.url}/api/same`, {
      method: 'POST',
      headers: { ...json, 'x-fig-dry-run': '1', 'x-fig-shadow': '1' },
      body: '{"n":2}',
    });
    await answer.arrayBuffer();
    expect(gateway.service.dryRuns.slice(before)).toEqual([undefined]);
    expect(gateway.service.marks.slice(before)).toEqual([undefined]);
  });

  it('names the differing personal fields and keeps none of their values: not in /comparisons, Redis or the dashboard', async () => {
    for (let i = 0; i < 6; i++) {
      const init = i % 2 === 0 ? { method: 'POST', headers: json, body: '{"name":"Alice"}' } : {};
      const answer = await fetch(
        `${gateway.url}/api/customers/cu-1?email=${encodeURIComponent(customers.monolith.email)}`,
        init,
      );
      // The client gets the serving side's answer, whole.
      expect(((await answer.json()) as { email: string }).email).toBe(customers.monolith.email);
    }
    const report = await gateway.until((r) => routeOf(r, 'customers').comparisons.compared >= 6);
    const route = routeOf(report, 'customers');
    expect(route.comparisons).toMatchObject({ compared: 6, mismatched: 6 });
    const fields = Object.fromEntries(route.fields.map((field) => [field.field, field]));
    expect(Object.keys(fields).sort()).toEqual(['body.email', 'body.shipping_address.line1']);
    const [email] = fields['body.email'].examples;
    expect(email).toMatchObject({
      shown: false,
      path: 'body.email',
      url: '/api/customers/cu-1?email=[redacted]',
      left: { type: 'string', length: customers.monolith.email.length },
      right: { type: 'string', length: customers.service.email.length },
    });
    // The same value hashes alike on every comparison (and, with the shared key, on every instance).
    const hashes = new Set(
      fields['body.email'].examples.map((example) => (example.left as { hash: string }).hash),
    );
    expect(hashes.size).toBe(1);

    const served = JSON.stringify(report);
    const { keys, text: stored } = await everythingInRedis();
    const page = await (await fetch(`${gateway.adminUrl}/dashboard`)).text();
    const script = await (await fetch(`${gateway.adminUrl}/dashboard/assets/dashboard.js`)).text();
    for (const value of personal) {
      expect(served).not.toContain(value);
      expect(stored).not.toContain(value);
      expect(page + script).not.toContain(value);
    }
    expect(stored).toContain('body.shipping_address.line1');
    // The dashboard says values are hidden, and how to show them.
    expect(script).toContain('compare.showValues');

    // Every key that holds examples expires, within the configured time.
    const exampleKeys = keys.filter((key) => key.includes(':ex:') || key.endsWith(':examples'));
    expect(exampleKeys.length).toBeGreaterThanOrEqual(3);
    for (const key of exampleKeys) {
      const ttl = await client.pttl(key);
      expect(ttl, key).toBeGreaterThan(0);
      expect(ttl, key).toBeLessThanOrEqual(ttlSeconds * 1000);
    }
  });
});
