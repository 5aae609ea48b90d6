import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startRedisServer } from '@fig/testing/redis-server';
import { scratchDirPerSuite } from '@fig/testing/scratch-dir';
import { deadLetterStream, type FigEvent, newEvent, startOutboxRelay } from '@fig/platform/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  consumer,
  consumerSide,
  inspector,
  metricValue,
  newRegistry,
  producerSide,
  silentLogger,
  uniqueStream,
} from './support/event-sides.ts';

const stallingConsumer = fileURLToPath(new URL('./support/stalling-consumer.ts', import.meta.url));

describe('stream consumer', () => {
  const dir = scratchDirPerSuite('fig-stream-consumer-');
  let redis: Awaited<ReturnType<typeof startRedisServer>>;
  beforeAll(async () => {
    // Persistent like a production Redis for streams: a kill keeps what it acknowledged.
    redis = await startRedisServer({ appendOnlyDir: scratchDirPerSuite('fig-stream-redis-') });
  });
  afterAll(() => redis.stop());

  const add = (stream: string, ...fields: string[]) =>
    inspector(redis.url).redis.xadd(stream, '*', ...fields);

  /** The stalling consumer in a process of its own, once it is applying `first` (never acknowledged). */
  async function stalledConsumer(stream: string, name: string, first: FigEvent) {
    const child = spawn(process.execPath, [stallingConsumer], {
      env: { ...process.env, REDIS_URL: redis.url, STREAM: stream, GROUP: 'g', CONSUMER: name },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let said = '';
    child.stdout!.on('data', (chunk) => (said += chunk));
    await expect.poll(() => said, { timeout: 10_000 }).toContain(`applying ${first.event_id}`);
    return {
      /** SIGKILL: a pod that dies mid-apply, with nothing cleaned up. */
      async crash() {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      },
    };
  }

  it('applies every event exactly once while Redis is killed and restarted mid-run', async () => {
    const stream = uniqueStream();
    const producer = producerSide(dir, 'outage-producer');
    const side = consumerSide(dir, 'outage-consumer');
    const relayRegistry = newRegistry();
    const consumerRegistry = newRegistry();
    const relay = startOutboxRelay({
      source: producer.outbox.source,
      redisUrl: redis.url,
      logger: silentLogger,
      pollMs: 20,
      maxBackoffMs: 200,
      registry: relayRegistry,
    });
    afterAll(() => relay.stop());
    consumer({
      redisUrl: redis.url,
      stream,
      group: 'g',
      consumer: 'c1',
      apply: side.apply,
      claimIdleMs: 500,
      registry: consumerRegistry,
    });

    const published: FigEvent[] = [];
    const publishSome = async (count: number) => {
      for (let n = 0; n < count; n += 1) {
        published.push(producer.publish(stream, { n: published.length }));
        relay.wake();
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    await publishSome(30);
    await redis.kill();
    await publishSome(30); // written while Redis is away: they wait in the outbox
    await expect.poll(() => metricValue(relayRegistry, 'events_relay_errors_total')).toBeGreaterThan(0);
    await redis.restart();
    await publishSome(30);

    await expect.poll(() => side.counts().size, { timeout: 20_000 }).toBe(published.length);
    const counts = side.counts();
    for (const event of published) expect(counts.get(event.event_id)).toBe(1);
    expect(await metricValue(consumerRegistry, 'events_consumer_errors_total')).toBeGreaterThan(0);
    await expect.poll(() => inspector(redis.url).pending(stream, 'g')).toBe(0);
  });

  it('applies an event delivered twice (the relay published it again) once', async () => {
    const stream = uniqueStream();
    const side = consumerSide(dir, 'duplicates');
    const event = newEvent(stream, { n: 1 });
    const later = newEvent(stream, { n: 2 });
    for (const entry of [event, event, later, event]) await add(stream, 'event', JSON.stringify(entry));
    const registry = newRegistry();
    consumer({ redisUrl: redis.url, stream, group: 'g', consumer: 'c1', apply: side.apply, registry });
    await expect.poll(() => metricValue(registry, 'events_consumed_total')).toBe(4);
    expect(side.counts()).toEqual(
      new Map([
        [event.event_id, 1],
        [later.event_id, 1],
      ]),
    );
  });

  it('claims and applies the entries a killed consumer left pending', async () => {
    const stream = uniqueStream();
    const side = consumerSide(dir, 'claims');
    const events = [newEvent(stream, { n: 1 }), newEvent(stream, { n: 2 }), newEvent(stream, { n: 3 })];
    for (const event of events) await add(stream, 'event', JSON.stringify(event));
    const streams = inspector(redis.url);

    const doomed = await stalledConsumer(stream, 'doomed', events[0]);
    await expect.poll(() => streams.pending(stream, 'g')).toBe(3);
    await doomed.crash();

    consumer({
      redisUrl: redis.url,
      stream,
      group: 'g',
      consumer: 'survivor',
      apply: side.apply,
      claimIdleMs: 300,
    });
    await expect.poll(() => side.counts().size, { timeout: 10_000 }).toBe(3);
    for (const event of events) expect(side.counts().get(event.event_id)).toBe(1);
    await expect.poll(() => streams.pending(stream, 'g')).toBe(0);
  });

  it('restarted under the same name, takes up its own pending entries at once', async () => {
    const stream = uniqueStream();
    const side = consumerSide(dir, 'same-name');
    const events = [newEvent(stream, { n: 1 }), newEvent(stream, { n: 2 })];
    for (const event of events) await add(stream, 'event', JSON.stringify(event));
    const streams = inspector(redis.url);
    const first = await stalledConsumer(stream, 'pod-1', events[0]);
    await first.crash();
    // The same pod name again; nothing would be claimed from anyone within this test.
    consumer({
      redisUrl: redis.url,
      stream,
      group: 'g',
      consumer: 'pod-1',
      apply: side.apply,
      claimIdleMs: 600_000,
    });
    await expect.poll(() => side.counts().size, { timeout: 10_000 }).toBe(2);
    await expect.poll(() => streams.pending(stream, 'g')).toBe(0);
  });

  it('parks malformed entries on <stream>.dead with the reason, acks them, and goes on', async () => {
    const stream = uniqueStream();
    const side = consumerSide(dir, 'malformed');
    const good = newEvent(stream, { n: 1 });
    const badData = newEvent(stream, { n: 'one' });
    const raw = {
      json: '{"event_id": "evt_',
      envelope: JSON.stringify({
        ...newEvent(stream, { n: 1 }),
        metadata: { trace_id: '0'.repeat(32), span_id: 'x' },
      }),
      type: JSON.stringify(newEvent('other.thing.v1', { n: 1 })),
      data: JSON.stringify(badData),
    };
    await add(stream, 'event', raw.json);
    await add(stream, 'event', raw.envelope);
    await add(stream, 'event', raw.type);
    await add(stream, 'payload', JSON.stringify(good));
    await add(stream, 'event', raw.data);
    await add(stream, 'event', JSON.stringify(good));
    consumer({
      redisUrl: redis.url,
      stream,
      group: 'g',
      consumer: 'c1',
      apply: side.apply,
      validate: (event) =>
        typeof (event.data as { n: unknown }).n === 'number' ? null : 'data.n must be a number',
    });
    const streams = inspector(redis.url);
    await expect.poll(async () => (await streams.entries(deadLetterStream(stream))).length).toBe(5);
    const dead = await streams.entries(deadLetterStream(stream));
    expect(dead.map((entry) => [entry.event, entry.stream, entry.group])).toEqual([
      [raw.json, stream, 'g'],
      [raw.envelope, stream, 'g'],
      [raw.type, stream, 'g'],
      ['', stream, 'g'],
      [raw.data, stream, 'g'],
    ]);
    expect(dead.map((entry) => entry.reason)).toEqual([
      expect.stringMatching(/^the event is not JSON/),
      expect.stringMatching(/^not an event envelope: event\/metadata\/(trace_id|span_id)/),
      `unknown event type other.thing.v1 on stream ${stream}`,
      'the entry has no `event` field',
      'data.n must be a number',
    ]);
    await expect.poll(() => side.counts()).toEqual(new Map([[good.event_id, 1]]));
    await expect.poll(() => streams.pending(stream, 'g')).toBe(0);
  });

  it('parks an event whose apply keeps failing after maxDeliveries, and applies the rest', async () => {
    const stream = uniqueStream();
    const side = consumerSide(dir, 'failing');
    const poison = newEvent(stream, { n: 1 });
    const fine = newEvent(stream, { n: 2 });
    await add(stream, 'event', JSON.stringify(poison));
    await add(stream, 'event', JSON.stringify(fine));
    let attempts = 0;
    consumer({
      redisUrl: redis.url,
      stream,
      group: 'g',
      consumer: 'c1',
      claimIdleMs: 100,
      maxDeliveries: 3,
      apply: async (event) => {
        if (event.event_id !== poison.event_id) return side.apply(event);
        attempts += 1;
        throw new Error('the database refused it');
      },
    });
    const streams = inspector(redis.url);
    await expect
      .poll(async () => (await streams.entries(deadLetterStream(stream))).length, { timeout: 10_000 })
      .toBe(1);
    const [dead] = await streams.entries(deadLetterStream(stream));
    expect(dead.reason).toBe('apply failed 3 times: the database refused it');
    expect(JSON.parse(dead.event).event_id).toBe(poison.event_id);
    expect(attempts).toBe(3);
    expect(side.counts()).toEqual(new Map([[fine.event_id, 1]]));
    await expect.poll(() => streams.pending(stream, 'g')).toBe(0);
  });

  it('makes its group again when Redis lost the stream, and reads what is published next', async () => {
    const stream = uniqueStream();
    const side = consumerSide(dir, 'lost-group');
    const before = newEvent(stream, { n: 1 });
    await add(stream, 'event', JSON.stringify(before));
    consumer({ redisUrl: redis.url, stream, group: 'g', consumer: 'c1', apply: side.apply });
    await expect.poll(() => side.counts().size).toBe(1);
    await inspector(redis.url).redis.del(stream); // the group goes with the stream
    const after = newEvent(stream, { n: 2 });
    await add(stream, 'event', JSON.stringify(after));
    await expect.poll(() => side.counts().get(after.event_id), { timeout: 10_000 }).toBe(1);
  });
});
