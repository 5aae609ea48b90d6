import type { DatabaseSync } from 'node:sqlite';
import { Redis } from 'ioredis';
import { afterAll } from 'vitest';
import { applyOnce, createSqliteOutbox } from '@fig/domain/events';
import { openDatabase } from '@fig/domain/database';
import { inTransaction } from '@fig/domain/transaction';
import { createObservability, type Observability } from '@fig/platform';
import {
  type FigEvent,
  newEvent,
  type StreamConsumerOptions,
  startStreamConsumer,
} from '@fig/platform/events';

export const silentLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** A stream name of its own per test, so tests sharing one Redis never see each other's events. */
let streams = 0;
export const uniqueStream = () => `test.thing_${process.pid}_${++streams}.v1`;

/** A producer's database file with the outbox, and a way to write an event as a change would. */
export function producerSide(dir: string, name = 'producer') {
  const db = openDatabase(dir, { name });
  const outbox = createSqliteOutbox(db);
  afterAll(() => db.close());
  return {
    db,
    outbox,
    /** One event in its own transaction, as a real change would write it. */
    publish(type: string, data: unknown): FigEvent {
      const event = newEvent(type, data);
      inTransaction(db, () => outbox.append(event));
      return event;
    },
  };
}

/**
 * A consumer's database file whose side effect is one row per application in `applied`, with
 * no unique key: an event applied twice would show as two rows. Each apply goes through
 * applyOnce, as a real consumer's does.
 */
export function consumerSide(dir: string, name = 'consumer') {
  const db: DatabaseSync = openDatabase(dir, { name });
  db.exec('CREATE TABLE IF NOT EXISTS applied (event_id TEXT NOT NULL, data TEXT NOT NULL)');
  afterAll(() => db.close());
  const insert = db.prepare('INSERT INTO applied (event_id, data) VALUES (?, ?)');
  return {
    db,
    apply: async (event: FigEvent) => {
      applyOnce(db, event.event_id, () => insert.run(event.event_id, JSON.stringify(event.data)));
    },
    /** How many times each event id was applied. */
    counts(): Map<string, number> {
      const rows = db.prepare('SELECT event_id, COUNT(*) AS n FROM applied GROUP BY event_id').all();
      return new Map(rows.map((row) => [row.event_id as string, Number(row.n)]));
    },
  };
}

/** Starts a consumer and stops it after the suite. */
export function consumer<D>(
  options: Omit<StreamConsumerOptions<D>, 'logger'> & { logger?: StreamConsumerOptions<D>['logger'] },
) {
  const started = startStreamConsumer<D>({ logger: silentLogger, blockMs: 200, ...options });
  afterAll(() => started.stop());
  return started;
}

/** A plain client to look at streams the way an operator would with redis-cli. */
export function inspector(url: string) {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  afterAll(() => redis.quit().catch(() => redis.disconnect()));
  return {
    redis,
    /** Every entry of a stream as field maps. */
    async entries(stream: string): Promise<Record<string, string>[]> {
      const rows = (await redis.xrange(stream, '-', '+')) as [string, string[]][];
      return rows.map(([, fields]) => {
        const map: Record<string, string> = {};
        for (let i = 0; i + 1 < fields.length; i += 2) map[fields[i]] = fields[i + 1];
        return map;
      });
    },
    /** How many entries the group has delivered and not acknowledged. */
    async pending(stream: string, group: string): Promise<number> {
      const summary = (await redis.xpending(stream, group)) as [number, ...unknown[]];
      return Number(summary[0]);
    },
  };
}

/** A metric's summed value in a registry (0 when absent). */
export async function metricValue(registry: Observability['registry'], name: string): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values ?? []).reduce((sum, value) => sum + Number(value.value), 0);
}

/** A registry of its own for a relay or consumer under test. */
export const newRegistry = () => createObservability('events-test').registry;
