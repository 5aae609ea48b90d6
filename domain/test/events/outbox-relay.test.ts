import { startRedisServer } from '@fig/testing/redis-server';
import { scratchDirPerSuite } from '@fig/testing/scratch-dir';
import { inTransaction } from '@fig/domain/transaction';
import { type Logger, newEvent, type OutboxSource, startOutboxRelay } from '@fig/platform/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  inspector,
  metricValue,
  newRegistry,
  producerSide,
  silentLogger,
  uniqueStream,
} from './support/event-sides.ts';

describe('outbox relay', () => {
  const dir = scratchDirPerSuite('fig-outbox-relay-');
  let redis: Awaited<ReturnType<typeof startRedisServer>>;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(() => redis.stop());

  const relayFor = (
    source: OutboxSource,
    options: { batch?: number; registry?: ReturnType<typeof newRegistry>; logger?: Logger } = {},
  ) =>
    startOutboxRelay({
      source,
      redisUrl: redis.url,
      logger: silentLogger,
      pollMs: 50,
      maxBackoffMs: 200,
      ...options,
    });

  it('appends each committed event to the stream named after its type, one `event` field, then marks it published', async () => {
    const producer = producerSide(dir, 'publishes');
    const stream = uniqueStream();
    const other = uniqueStream();
    const first = producer.publish(stream, { n: 1 });
    const second = producer.publish(other, { n: 2 });
    // A change that rolls back takes its event with it.
    expect(() =>
      inTransaction(producer.db, () => {
        producer.outbox.append(newEvent(stream, { n: 'rolled back' }));
        throw new Error('the change failed');
      }),
    ).toThrow('the change failed');
    const registry = newRegistry();
    const lines: { fields: object; message?: string }[] = [];
    const logger = {
      ...silentLogger,
      info: (fields: object, message?: string) => lines.push({ fields, message }),
    };
    const relay = relayFor(producer.outbox.source, { registry, logger });
    const streams = inspector(redis.url);
    await expect.poll(async () => (await producer.outbox.source.unpublished(10)).length).toBe(0);
    await relay.stop();

    expect(await streams.entries(stream)).toEqual([{ event: JSON.stringify(first) }]);
    expect(await streams.entries(other)).toEqual([{ event: JSON.stringify(second) }]);
    expect(await metricValue(registry, 'events_published_total')).toBe(2);
    expect(await metricValue(registry, 'events_outbox_backlog')).toBe(0);
    expect(lines).toContainEqual({
      fields: { published: 2, backlog: 0, lagSeconds: 0 },
      message: 'outbox relay progress',
    });
  });

  it('keeps entries while Redis is down, counts the failures, and publishes them once it is back', async () => {
    const producer = producerSide(dir, 'outage');
    const stream = uniqueStream();
    const registry = newRegistry();
    await redis.kill();
    const relay = relayFor(producer.outbox.source, { registry });
    const events = [producer.publish(stream, { n: 1 }), producer.publish(stream, { n: 2 })];
    await expect.poll(() => metricValue(registry, 'events_relay_errors_total')).toBeGreaterThanOrEqual(2);
    expect((await producer.outbox.source.unpublished(10)).map((entry) => entry.event)).toEqual(events);

    await redis.restart();
    await expect
      .poll(async () => (await producer.outbox.source.unpublished(10)).length, { timeout: 10_000 })
      .toBe(0);
    await relay.stop();
    const published = await inspector(redis.url).entries(stream);
    expect(published.map((entry) => JSON.parse(entry.event).event_id)).toEqual(events.map((e) => e.event_id));
  });

  it('loses nothing across restarts: a relay stopped mid-backlog, another started on the same file', async () => {
    const producer = producerSide(dir, 'restarts');
    const stream = uniqueStream();
    const events = Array.from({ length: 200 }, (_, n) => producer.publish(stream, { n }));
    const streams = inspector(redis.url);
    const first = relayFor(producer.outbox.source, { batch: 10 });
    await expect.poll(() => streams.redis.xlen(stream)).toBeGreaterThan(0);
    await first.stop();

    // A new process: its own connection to the file, its own relay.
    const reopened = producerSide(dir, 'restarts');
    const second = relayFor(reopened.outbox.source, { batch: 10 });
    await expect.poll(async () => (await reopened.outbox.source.unpublished(10)).length).toBe(0);
    await second.stop();
    const ids = new Set((await streams.entries(stream)).map((entry) => JSON.parse(entry.event).event_id));
    expect([...ids].sort()).toEqual(events.map((event) => event.event_id).sort());
  });

  it('publishes again what a crash between XADD and marking left unmarked: at least once, never lost', async () => {
    const producer = producerSide(dir, 'crash');
    const stream = uniqueStream();
    const events = [producer.publish(stream, { n: 1 }), producer.publish(stream, { n: 2 })];
    // The process "dies" right after Redis accepted the batch: marking never happens.
    let crashed = false;
    const dying: OutboxSource = {
      unpublished: (limit) => producer.outbox.source.unpublished(limit),
      markPublished: async () => {
        crashed = true;
        throw new Error('process died before marking');
      },
    };
    const streams = inspector(redis.url);
    const doomed = relayFor(dying);
    await expect.poll(() => crashed).toBe(true);
    await doomed.stop();
    expect(await producer.outbox.source.unpublished(10)).toHaveLength(2);

    const restarted = relayFor(producer.outbox.source);
    await expect.poll(async () => (await producer.outbox.source.unpublished(10)).length).toBe(0);
    await restarted.stop();
    const published = (await streams.entries(stream)).map((entry) => JSON.parse(entry.event).event_id);
    // Each event at least once (some twice: consumers deduplicate on event_id).
    for (const event of events) expect(published).toContain(event.event_id);
    expect(published.length).toBeGreaterThan(events.length);
  });
});
