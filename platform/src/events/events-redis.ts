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
  redis.once('ready', () => connectedOnce.add(redis));
  return redis;
}

const connectedOnce = new WeakSet<Redis>();

/**
 * Whether a failure is worth a warning: the first after the connection had worked, then every
 * tenth (an outage is visible without a line per retry). Before the first connection the first
 * two rounds stay quiet: they usually fail only because the connection is still being made.
 */
export function worthWarning(redis: Redis, failures: number): boolean {
  return failures === (connectedOnce.has(redis) ? 1 : 3) || failures % 10 === 0;
}

/** A message for a log line, whatever was thrown. */
export function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
