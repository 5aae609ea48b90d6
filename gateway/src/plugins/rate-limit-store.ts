import rateLimit, { type CreateRateLimitOptions } from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import type { GatewayMetrics } from '../metrics.ts';
import { batchedRedisStore } from '../rate-limit/batched-redis-store.ts';

export interface RateLimitStoreOptions {
  /** Shared budgets across gateway instances; in memory per instance when absent. */
  redis?: Redis;
  /** Refuse (503) instead of allowing requests while the store is unreachable. */
  failClosed?: boolean;
  metrics: Pick<GatewayMetrics, 'rateLimitStoreErrors'>;
}

/** A counted hit: how many the key has had in its window, against its maximum. */
export interface Decision {
  max: number;
  remaining: number;
  /** Milliseconds left in the key's window, and the same rounded up to seconds. */
  ttl: number;
  ttlInSeconds: number;
  isExceeded: boolean;
}

/** Counts one hit for the request's key; `undefined` when the store could not count it. */
export type Limiter = (request: FastifyRequest, decided: (decision: Decision | undefined) => void) => void;

const unlimited: Decision = {
  max: Number.MAX_SAFE_INTEGER,
  remaining: Number.MAX_SAFE_INTEGER,
  ttl: 0,
  ttlInSeconds: 0,
  isExceeded: false,
};

export interface RateLimitStore {
  /** Whether a budget the store cannot count refuses the request (503) rather than allowing it. */
  readonly failClosed: boolean;
  limiter(options: Required<Pick<CreateRateLimitOptions, 'keyGenerator' | 'max' | 'timeWindow'>>): Limiter;
}

declare module 'fastify' {
  interface FastifyInstance {
    figRateLimitStore: RateLimitStore;
  }
}

/**
 * The counting behind every budget of the edge (per route in plugins/rate-limit.ts, failed
 * authentications per address in plugins/auth.ts): @fastify/rate-limit over one store, Redis
 * when given (one script call per event-loop turn) or an LRU in memory. No hooks of its own:
 * budgets are charged where the request's key is known. A store that cannot answer is logged
 * once per outage and counted in `gateway_rate_limit_store_errors_total{action}` (`refused` when
 * failing closed, else `allowed`); the caller answers the request accordingly.
 */
export const rateLimitStorePlugin = fp<RateLimitStoreOptions>(
  async (app, options) => {
    const storeErrors = options.metrics.rateLimitStoreErrors;
    await app.register(rateLimit, {
      global: false,
      // Shared across instances, one script call per event-loop turn; in memory without Redis.
      store: options.redis && batchedRedisStore(options.redis, 'fig:rl:'),
      // An LRU: a client spraying addresses evicts old entries rather than growing memory.
      cache: 100_000,
      skipOnError: false,
    });
    const action = options.failClosed ? 'refused' : 'allowed';
    let storeDown = false;

    app.decorate('figRateLimitStore', {
      failClosed: options.failClosed ?? false,
      limiter(limits) {
        // The same LRU size for the in-memory store of every budget (a child store per limiter).
        const decide = app.createRateLimit({ ...limits, cache: 100_000 } as CreateRateLimitOptions);
        // A callback rather than a further promise: this runs for every request.
        return (request, decided) => {
          decide(request)
            .then(
              (decision) => {
                if (storeDown) request.log.info('rate-limit store available again');
                storeDown = false;
                // Allow-listed keys are not counted; none are configured, but the type keeps the case.
                decided(decision.isAllowed ? unlimited : decision);
              },
              (error: unknown) => {
                storeErrors.inc({ action });
                if (!storeDown) request.log.warn({ err: error }, 'rate-limit store unavailable');
                storeDown = true;
                decided(undefined);
              },
            )
            // `decided` answers its own failures; this only keeps a bug from crashing the process.
            .catch((error: Error) => request.log.error({ err: error }, 'rate-limit decision failed'));
        };
      },
    } satisfies RateLimitStore);
  },
  { name: 'fig-rate-limit-store' },
);
