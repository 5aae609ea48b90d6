import type { FastifyRateLimitStore } from '@fastify/rate-limit';
import type { Redis } from 'ioredis';

// @fastify/rate-limit's own Redis script, once per key of the batch: count the hit, start the
// window on the first one, report the count and the time left. The same keys and the same
// arithmetic, so gateways of the previous release, still counting with the stock store during
// a rolling deploy, share every budget with this one.
const incrementAll = `
local out = {}
for i, key in ipairs(KEYS) do
  local current = redis.call('INCR', key)
  local ttl = tonumber(ARGV[i])
  if current == 1 then
    redis.call('PEXPIRE', key, ttl)
  else
    ttl = redis.call('PTTL', key)
  end
  out[2 * i - 1] = current
  out[2 * i] = ttl
end
return out
`;

type Callback = Parameters<FastifyRateLimitStore['incr']>[1];

declare module 'ioredis' {
  interface RedisCommander<Context> {
    figRateLimitBatch(keyCount: number, ...keysThenWindows: Array<string | number>): Promise<number[]>;
  }
}

/**
 * A store for @fastify/rate-limit (its `store` option) that counts in Redis like the stock
 * Redis store, but sends the decisions of one event-loop turn as one script call instead of
 * one each: under load most of a decision's cost is the client's work per command, and a
 * turn of the event loop at full load carries several requests. A lone request is sent in
 * the same turn (`setImmediate`), so nothing waits for company. One script touching many
 * keys needs them on one server: a single Redis (the gateway's client), not a cluster.
 */
export function batchedRedisStore(redis: Redis, nameSpace: string) {
  redis.defineCommand('figRateLimitBatch', { lua: incrementAll });
  let keys: string[] = [];
  let windows: number[] = [];
  let callbacks: Callback[] = [];

  const flush = () => {
    const batch = { keys, windows, callbacks };
    keys = [];
    windows = [];
    callbacks = [];
    redis.figRateLimitBatch(batch.keys.length, ...batch.keys, ...batch.windows).then(
      (counts) => {
        for (let i = 0; i < batch.callbacks.length; i++) {
          batch.callbacks[i]!(null, { current: counts[2 * i]!, ttl: counts[2 * i + 1]! });
        }
      },
      (error: Error) => {
        for (const callback of batch.callbacks) callback(error);
      },
    );
  };

  return class BatchedRedisStore implements FastifyRateLimitStore {
    incr(key: string, callback: Callback, timeWindow: number): void {
      if (keys.length === 0) setImmediate(flush);
      keys.push(nameSpace + key);
      windows.push(timeWindow);
      callbacks.push(callback);
    }

    // Per-route stores are for limits declared in Fastify route options; the edge has none.
    child(): BatchedRedisStore {
      return this;
    }
  };
}
