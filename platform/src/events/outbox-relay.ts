import type { Registry } from 'prom-client';
import { withSpan } from '../tracing/spans.ts';
import { outboxRelayMetrics } from './event-metrics.ts';
import { eventSpanOptions } from './event-spans.ts';
import { connectEventsRedis, type Logger, firstConnection, reasonOf, worthWarning } from './events-redis.ts';
import type { OutboxEntry, OutboxSource } from './outbox.ts';
import { createPause } from './pause.ts';

export interface OutboxRelay {
  /** Publish now rather than at the next poll (call after committing a change with events). */
  wake(): void;
  /** Finishes the round in flight, then closes the Redis connection. */
  stop(): Promise<void>;
}

export interface OutboxRelayOptions {
  source: OutboxSource;
  redisUrl: string;
  logger: Logger;
  /** How often the source is polled when nobody calls wake(); default 500 ms. */
  pollMs?: number;
  /** Entries read, appended and marked per round; default 100. */
  batch?: number;
  /** The longest wait between retries while Redis or the source is down; default 5 s. */
  maxBackoffMs?: number;
  /** Where events_outbox_* and events_published_total are registered (the app's observability). */
  registry?: Registry;
}

/** At most one progress line per this long: a busy relay must not flood the log. */
const progressEveryMs = 10_000;

/**
 * Copies the outbox to Redis Streams: each entry is XADDed to the stream named after its
 * event_type (one field, `event`, the envelope's JSON) and marked published only after Redis
 * accepted it. A crash between the two publishes the entry again on the next round: at least
 * once, never lost; consumers deduplicate on event_id.
 */
export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const pollMs = options.pollMs ?? 500;
  const batch = options.batch ?? 100;
  const { source, logger } = options;
  const metrics = outboxRelayMetrics(options.registry);
  const redis = connectEventsRedis(options.redisUrl, { commandTimeoutMs: 2000 });
  const pause = createPause(pollMs, options.maxBackoffMs ?? 5000);
  let stopped = false;
  // Starts in the past, so the first publish after a start is reported at once.
  let sinceProgress = { published: 0, at: 0 };
  let backlog = { entries: 0, lagSeconds: 0 };

  /** What still waits, as far as this relay knows: the last poll minus what it then published. */
  function observeBacklog(entries: OutboxEntry[]) {
    const oldest = entries[0] ? Date.parse(entries[0].event.timestamp) : NaN;
    backlog = {
      entries: entries.length,
      lagSeconds: Number.isNaN(oldest) ? 0 : Math.max(0, (Date.now() - oldest) / 1000),
    };
    metrics.backlog.set(backlog.entries);
    metrics.lag.set(backlog.lagSeconds);
  }

  /** One round: returns how many entries were published and whether a full batch was read. */
  async function publishRound(): Promise<{ published: number; full: boolean }> {
    const entries = await source.unpublished(batch);
    observeBacklog(entries);
    if (entries.length === 0) return { published: 0, full: false };
    const events = entries.map((entry) => entry.event);
    const published = await withSpan(
      'publish outbox',
      () => appendToStreams(entries),
      eventSpanOptions('publish', events, { 'messaging.batch.message_count': entries.length }),
    );
    return { published, full: entries.length === batch };
  }

  /** XADDs the entries (one pipeline), marks those Redis took; throws when any was refused. */
  async function appendToStreams(entries: OutboxEntry[]): Promise<number> {
    const pipeline = redis.pipeline();
    for (const { event } of entries) pipeline.xadd(event.event_type, '*', 'event', JSON.stringify(event));
    const results = (await pipeline.exec()) ?? [];
    const appended = entries.filter((_, index) => results[index] && !results[index][0]);
    if (appended.length > 0) {
      await source.markPublished(appended.map((entry) => entry.sequence));
      for (const { event } of appended) metrics.published.inc({ stream: event.event_type });
      observeBacklog(entries.filter((entry) => !appended.includes(entry)));
    }
    const failed =
      results.find((result) => result?.[0])?.[0] ?? (results.length < entries.length ? 'no reply' : null);
    if (failed) throw failed instanceof Error ? failed : new Error(String(failed));
    return appended.length;
  }

  function reportProgress(published: number) {
    sinceProgress.published += published;
    const now = Date.now();
    if (sinceProgress.published === 0 || now - sinceProgress.at < progressEveryMs) return;
    logger.info(
      { published: sinceProgress.published, backlog: backlog.entries, lagSeconds: backlog.lagSeconds },
      'outbox relay progress',
    );
    sinceProgress = { published: 0, at: now };
  }

  async function run() {
    await firstConnection(redis);
    let failures = 0;
    while (!stopped) {
      let delay = pollMs;
      try {
        const { published, full } = await publishRound();
        if (failures > 0) logger.info({ failures }, 'outbox relay recovered: publishing again');
        failures = 0;
        reportProgress(published);
        if (full) delay = 0; // a backlog is drained round after round, not one batch per poll
      } catch (error) {
        if (stopped) break;
        failures += 1;
        metrics.errors.inc();
        delay = pause.backoff(failures);
        if (worthWarning(failures)) {
          logger.warn(
            { err: reasonOf(error), failures, retryInMs: delay },
            'outbox relay cannot publish; retrying',
          );
        }
      }
      await pause.wait(delay);
    }
  }

  const running = run();
  return {
    wake: () => pause.wake(),
    async stop() {
      stopped = true;
      pause.wake();
      await running;
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
