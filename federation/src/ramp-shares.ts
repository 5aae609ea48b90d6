import { type RampShare, type RampShareSource, rampSharesKey } from '@fig/routing-rules';
import { Redis } from 'ioredis';

/** How often the shares are read: a ramp's move reaches GraphQL within this of REST. */
const pollMs = 1000;

/**
 * The ramps' current shares as the deciding gateway writes them to Redis (`fig:ramp:shares`),
 * read every second, so override labels follow a ramp as the gateway's REST split does.
 * While Redis is unreachable the last shares read stay: the BFF keeps agreeing with what the
 * gateways serve, which do the same.
 */
export function redisRampShares(url: string, onError: (error: unknown) => void = () => {}): RampShareSource {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    commandTimeout: 500,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
  });
  redis.on('error', () => {});
  let shares: ReadonlyMap<string, RampShare> = new Map();
  let text = '';
  const listeners: Array<() => void> = [];
  const read = async () => {
    try {
      const stored = await redis.hgetall(rampSharesKey);
      const next = JSON.stringify(Object.entries(stored).sort());
      if (next === text) return;
      text = next;
      shares = new Map(
        Object.entries(stored).map(([route, value]) => [route, JSON.parse(value) as RampShare]),
      );
      for (const listener of listeners) listener();
    } catch (error) {
      onError(error);
    }
  };
  void read();
  const timer = setInterval(read, pollMs);
  timer.unref();
  return {
    current: () => shares,
    onChange: (listener) => listeners.push(listener),
    close() {
      clearInterval(timer);
      redis.disconnect();
    },
  };
}
