import { Redis } from 'ioredis';
import type { BaseLogger } from 'pino';

/** What the relay and the consumers log through: a pino logger or a Fastify app's `log`. */
export type Logger = Pick<BaseLogger, 'debug' | 'info' | 'warn' | 'error'>;

/**
 * A connection for the event streams. Commands fail at once while Redis is away (no offline
 * queue, no per-command retries): the relay and the consumers own their retry loops and back
 * off there, so nothing piles up in memory. Reconnection keeps going in the background.
 */
export function connectEventsRedis(url: string, options: { commandTimeoutMs: number }): Redis {
  const redis = new Redis(url, {
    // RESP2: the stream commands' replies keep the shape Redis documents (ioredis 6 defaults
    // to RESP3, where XREADGROUP answers a map).
    protocol: 2,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
  });
  // A lost connection shows up as failed commands in the loops; an unhandled 'error' would crash.
  redis.on('error', () => {});
  return redis;
}

/**
 * Resolves once the first connection attempt is over (ready, failed, closed, or 3 s gone), so a
 * loop's first round does not fail only because the connection was still being made.
 */
export function firstConnection(redis: Redis): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  const outcomes = ['ready', 'error', 'close'] as const;
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      for (const outcome of outcomes) redis.off(outcome, done);
      resolve();
    };
    const timer = setTimeout(done, 3000);
    for (const outcome of outcomes) redis.once(outcome, done);
  });
}

/** The first failure and every tenth: an outage is visible without a line per retry. */
export const worthWarning = (failures: number) => failures === 1 || failures % 10 === 0;

/** A message for a log line, whatever was thrown. */
export function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
