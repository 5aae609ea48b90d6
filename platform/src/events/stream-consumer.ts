import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { parkEntry } from './dead-letter.ts';
import type { FigEvent } from './envelope.ts';
import { withSpan } from '../tracing/spans.ts';
import { streamConsumerMetrics } from './event-metrics.ts';
import { eventSpanOptions } from './event-spans.ts';
import { connectEventsRedis, type Logger, firstConnection, reasonOf, worthWarning } from './events-redis.ts';
import { createPause } from './pause.ts';
import { eventField, readEvent, type StreamEntry } from './stream-entry.ts';

export interface StreamConsumerOptions<D> {
  redisUrl: string;
  stream: string;
  group: string;
  /** Unique per process in the group (e.g. host and pid): pending entries are kept per consumer. */
  consumer: string;
  logger: Logger;
  /** A reason to park the event (its data does not fit), or null to apply it. */
  validate?: (event: FigEvent) => string | null;
  /** Must be idempotent per event_id (record it in the same transaction as the change). */
  apply: (event: FigEvent<D>) => Promise<void>;
  /** An entry pending this long on any consumer (a dead one, or a failed apply) is claimed; default 30 s. */
  claimIdleMs?: number;
  /** Deliveries after which an entry that still does not apply is parked; default 5. */
  maxDeliveries?: number;
  /** Entries per read; default 50. */
  batch?: number;
  /** How long one read waits for new entries; default 1 s (also bounds how long stop() waits). */
  blockMs?: number;
  /** Where events_consumed_total and friends are registered (the app's observability). */
  registry?: Registry;
}

export interface StreamConsumer {
  /** Finishes the entries already read, then closes the connection; unread ones stay in the group. */
  stop(): Promise<void>;
}

type PendingRow = [id: string, consumer: string, idleMs: number, deliveries: number];

/**
 * Reads a stream in a consumer group: XREADGROUP, apply, then XACK. An entry is acknowledged
 * only after it applied (or was parked), so a crash in between redelivers it; entries a dead
 * consumer left pending are claimed with XAUTOCLAIM; unusable entries go to `<stream>.dead`.
 * While Redis is away it backs off and retries, and catches up by itself when Redis returns.
 */
export function startStreamConsumer<D>(options: StreamConsumerOptions<D>): StreamConsumer {
  const { stream, group, consumer, logger, apply, validate } = options;
  const claimIdleMs = options.claimIdleMs ?? 30_000;
  const maxDeliveries = options.maxDeliveries ?? 5;
  const batch = options.batch ?? 50;
  const blockMs = options.blockMs ?? 1000;
  // Often enough that an abandoned entry waits little more than claimIdleMs.
  const claimEveryMs = Math.min(Math.max(claimIdleMs / 2, 100), 10_000);
  const labels = { stream, group };
  const metrics = streamConsumerMetrics(options.registry);
  const redis: Redis = connectEventsRedis(options.redisUrl, { commandTimeoutMs: blockMs + 5000 });
  const pause = createPause(100, 5000);
  const place = { stream, group, consumer };
  let stopped = false;

  async function ensureGroup() {
    try {
      // From the stream's start: a group created late still sees every event already published.
      await redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
      logger.info({ stream, group }, 'created consumer group');
    } catch (error) {
      if (!reasonOf(error).startsWith('BUSYGROUP')) throw error;
    }
  }

  async function readGroup(from: string, block: boolean): Promise<StreamEntry[]> {
    const wait = block ? ['BLOCK', blockMs] : [];
    const reply = (await redis.call(
      'XREADGROUP',
      'GROUP',
      group,
      consumer,
      'COUNT',
      batch,
      ...wait,
      'STREAMS',
      stream,
      from,
    )) as [string, StreamEntry[]][] | null;
    return reply?.[0]?.[1] ?? [];
  }

  /**
   * How often each of these entries (now this consumer's) has been delivered: one XPENDING over
   * their id range; room for this consumer's other pending entries that fall between them.
   */
  async function deliveries(entries: StreamEntry[]): Promise<Map<string, number>> {
    if (entries.length === 0) return new Map();
    const rows = (await redis.call(
      'XPENDING',
      stream,
      group,
      entries[0][0],
      entries[entries.length - 1][0],
      entries.length + batch,
      consumer,
    )) as PendingRow[];
    return new Map(rows.map(([id, , , count]) => [id, Number(count)]));
  }

  async function park(id: string, raw: string | undefined, reason: string) {
    await parkEntry(redis, place, { id, raw, reason });
    metrics.consumed.inc({ ...labels, outcome: 'parked' });
    logger.warn({ stream, group, entryId: id, reason }, 'parked an event on the dead-letter stream');
  }

  /** Whether the entry applied (to be acknowledged); a failure is retried later or parked. */
  async function applyEntry(id: string, raw: string | undefined, event: FigEvent): Promise<boolean> {
    try {
      // A span of its own per event, linked to the span that wrote it (its metadata).
      await withSpan(
        `process ${stream}`,
        () => apply(event as FigEvent<D>),
        eventSpanOptions('process', [event], {
          'messaging.destination.name': stream,
          'messaging.consumer.group.name': group,
          'messaging.message.id': event.event_id,
        }),
      );
      return true;
    } catch (error) {
      metrics.applyFailures.inc(labels);
      const delivered = (await deliveries([[id, null]])).get(id) ?? 1;
      if (delivered >= maxDeliveries) {
        await park(id, raw, `apply failed ${delivered} times: ${reasonOf(error)}`);
      } else {
        // Left pending: claimed again (by any consumer of the group) after claimIdleMs.
        logger.warn(
          { stream, group, entryId: id, eventId: event.event_id, delivered, err: reasonOf(error) },
          'apply failed; will retry',
        );
      }
      return false;
    }
  }

  /** `redelivered`: entries that were delivered before (claimed, or this consumer's own pending). */
  async function handle(entries: StreamEntry[], redelivered: boolean) {
    const counts = redelivered ? await deliveries(entries) : new Map<string, number>();
    // Acknowledged together after the batch: one round trip (and one fsync) instead of one per
    // entry. A crash before it redelivers entries that applied; applying is idempotent.
    const done: string[] = [];
    let applied = 0;
    for (const [id, fields] of entries) {
      if (fields === null) {
        done.push(id); // trimmed or deleted from the stream: nothing to apply
        continue;
      }
      const raw = eventField(fields);
      const read = readEvent(raw, stream, validate);
      const delivered = counts.get(id) ?? 1;
      if ('reason' in read) await park(id, raw, read.reason);
      // A poison entry that kills its consumer never reaches a catch: its delivery count tells.
      else if (delivered > maxDeliveries) await park(id, raw, `delivered ${delivered} times without an ack`);
      else if (await applyEntry(id, raw, read.event)) {
        done.push(id);
        applied += 1;
      }
    }
    if (done.length > 0) await redis.xack(stream, group, ...done);
    if (applied > 0) metrics.consumed.inc({ ...labels, outcome: 'applied' }, applied);
  }

  async function claimAbandoned() {
    let cursor = '0-0';
    // A bounded number of pages per round: a huge pending list must not starve new entries.
    for (let page = 0; page < 10; page += 1) {
      const [next, entries] = (await redis.call(
        'XAUTOCLAIM',
        stream,
        group,
        consumer,
        claimIdleMs,
        cursor,
        'COUNT',
        batch,
      )) as [string, StreamEntry[]];
      if (entries.length > 0) {
        logger.info(
          { stream, group, claimed: entries.length },
          'claimed entries left pending (by a consumer that died, or an apply that failed)',
        );
        await handle(entries, true);
      }
      cursor = next;
      if (cursor === '0-0') return;
    }
  }

  async function run() {
    await firstConnection(redis);
    let failures = 0;
    let groupReady = false;
    // This consumer's own pending entries first (a restart under the same name), page by page.
    let ownPendingFrom: string | null = '0';
    let lastClaimAt = 0;
    while (!stopped) {
      try {
        if (!groupReady) {
          await ensureGroup();
          groupReady = true;
        }
        if (ownPendingFrom !== null) {
          const entries = await readGroup(ownPendingFrom, false);
          await handle(entries, true);
          ownPendingFrom = entries.length === batch ? entries[entries.length - 1][0] : null;
        } else {
          if (Date.now() - lastClaimAt >= claimEveryMs) {
            await claimAbandoned();
            lastClaimAt = Date.now();
          }
          await handle(await readGroup('>', true), false);
        }
        if (failures > 0) logger.info({ stream, group, failures }, 'stream consumer recovered');
        failures = 0;
      } catch (error) {
        if (stopped) break;
        failures += 1;
        metrics.errors.inc(labels);
        const reason = reasonOf(error);
        // Redis came back empty (no persistence) or the stream was deleted: make the group again.
        if (reason.startsWith('NOGROUP')) groupReady = false;
        ownPendingFrom = '0';
        const delay = pause.backoff(failures);
        if (worthWarning(failures)) {
          logger.warn(
            { stream, group, err: reason, failures, retryInMs: delay },
            'stream consumer cannot read; retrying',
          );
        }
        await pause.wait(delay);
      }
    }
  }

  const running = run();
  return {
    async stop() {
      stopped = true;
      pause.wake();
      // A blocked read returns within blockMs; a Redis that hangs is not waited on longer.
      const settled = await Promise.race([
        running.then(() => true),
        sleepMs(blockMs + 500).then(() => false),
      ]);
      if (!settled) redis.disconnect();
      await running;
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
