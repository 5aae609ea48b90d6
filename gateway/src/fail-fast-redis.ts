import { Redis } from 'ioredis';

/**
 * The gateway's Redis client, for the rate-limit store and the shared comparison store
 * alike: it never makes a request wait on Redis: no offline queue (a command while
 * disconnected fails at once), a short command timeout, no per-command retries. Reconnection
 * keeps going in the background, so recovery is automatic when Redis returns.
 */
export function createFailFastRedis(url: string, options: { commandTimeoutMs?: number } = {}): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    commandTimeout: options.commandTimeoutMs ?? 100,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
    lazyConnect: false,
    // No auto-pipelining: its users batch their own commands (the rate-limit store per
    // event-loop turn, the comparison store per flush), and it would hold each batch back a turn.
  });
  // Connection errors surface as failed commands (and metrics); an unhandled 'error' event would crash.
  redis.on('error', () => {});
  return redis;
}
