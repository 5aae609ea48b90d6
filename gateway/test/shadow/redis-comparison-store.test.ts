import { startRedisServer, type RunningRedis } from '@fig/testing/redis-server';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareOptions } from '../../src/shadow/comparison/compare-options.ts';
import { ComparisonRecorder } from '../../src/shadow/comparison/comparison-recorder.ts';
import { routeReport } from '../../src/dashboard/route-report.ts';
import { RedisComparisonStore } from '../../src/shadow/worker/redis-comparison-store.ts';

let redis: RunningRedis;
const clients: Redis[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  for (const client of clients) client.disconnect();
  await redis?.stop();
});

function instance(prefix: string) {
  const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  client.on('error', () => {}); // the outage test takes Redis away on purpose
  clients.push(client);
  const store = new RedisComparisonStore({ redis: client, prefix, flushIntervalMs: 60_000 });
  return { store, recorder: new ComparisonRecorder(store) };
}

const json = (body: unknown) => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: Buffer.from(JSON.stringify(body)),
  truncated: false,
});

const options = compareOptions({ showValues: ['*'] });

function compare(recorder: ComparisonRecorder, left: unknown, right: unknown, ms = 10) {
  return recorder.record({
    route: 'payments',
    options,
    method: 'GET',
    url: '/api/payments/p-1',
    primary: { side: 'monolith', response: json(left), ms },
    shadow: { side: 'service', response: json(right), ms: ms * 2 },
  });
}

describe('comparisons shared through Redis', () => {
  it('adds up what several gateway instances recorded into one picture', async () => {
    const a = instance('t1:');
    const b = instance('t1:');
    for (let i = 0; i < 6; i++) compare(a.recorder, { amount_cents: 100 }, { amount_cents: 100 });
    for (let i = 0; i < 4; i++) {
      compare(
        b.recorder,
        { amount_cents: 100, payment_method: 'pm_card_visa' },
        { amount_cents: 90, payment_method: 'x' },
      );
    }
    a.recorder.traffic('payments', 'monolith', 200, 12);
    b.recorder.traffic('payments', 'service', 503, 30);

    const [fromA, fromB] = await Promise.all([a.store.snapshot(), b.store.snapshot()]);
    for (const snapshot of [fromA, fromB]) {
      const report = routeReport(
        { name: 'payments', path: '/api/payments', service: 'payment', percent: 5, shadow: 100, options },
        snapshot.get('payments'),
      );
      expect(report.comparisons).toMatchObject({ compared: 10, matched: 6, mismatched: 4 });
      expect(report.fields.find((f) => f.field === 'body.amount_cents')).toMatchObject({
        differences: 4,
        rate: 0.4,
      });
      // Card data and payment methods never reach the examples.
      const method = report.fields.find((f) => f.field === 'body.payment_method');
      expect(method?.examples[0]).toMatchObject({ left: '[redacted]', right: '[redacted]' });
      expect(report.traffic.monolith).toMatchObject({ requests: 1, errors: 0 });
      expect(report.traffic.service).toMatchObject({ requests: 1, errors: 1, errorRate: 1 });
      expect(report.latency.service.count).toBe(10);
      expect(report.timeline.reduce((sum, bucket) => sum + (bucket.counts.compared ?? 0), 0)).toBe(10);
    }
    // After a flush each instance decides with the shared counters, not only its own.
    expect(a.store.current('payments').get('compared')).toBe(10);
    await Promise.all([a.store.close(), b.store.close()]);
  });

  it('keeps installations apart by prefix and forgets a route on reset', async () => {
    const a = instance('t2:');
    const other = instance('t3:');
    compare(a.recorder, { n: 1 }, { n: 2 });
    compare(other.recorder, { n: 1 }, { n: 1 });
    expect((await a.store.snapshot()).get('payments')?.counters.get('mismatched')).toBe(1);
    expect((await other.store.snapshot()).get('payments')?.counters.get('mismatched')).toBeUndefined();
    await a.store.reset('payments');
    expect((await a.store.snapshot()).has('payments')).toBe(false);
    expect((await other.store.snapshot()).has('payments')).toBe(true);
    await Promise.all([a.store.close(), other.store.close()]);
  });

  it('keeps counting while Redis is away and delivers the counts once it is back', async () => {
    const a = instance('t4:');
    compare(a.recorder, { n: 1 }, { n: 1 });
    await a.store.flush();
    await redis.kill();
    compare(a.recorder, { n: 1 }, { n: 2 });
    await expect(a.store.flush()).rejects.toThrow();
    // The report still answers: the shared counts last seen plus this instance's own.
    const meanwhile = await a.store.snapshot();
    expect(meanwhile.get('payments')?.counters.get('compared')).toBe(2);
    await redis.restart();
    compare(a.recorder, { n: 1 }, { n: 1 });
    // This Redis keeps nothing across a restart: what reaches it is what the instance kept.
    const snapshot = await a.store.snapshot();
    expect(snapshot.get('payments')?.counters.get('compared')).toBe(2);
    await a.store.close();
  });
});
