import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import { errorBody } from '@fig/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { Counter } from 'prom-client';
import { bearerToken } from '../auth/bearer.ts';
import { batchedRedisStore } from '../rate-limit/batched-redis-store.ts';

export interface RateLimitPluginOptions {
  /** Shared budget across gateway instances; in-memory per instance when absent. */
  redis?: Redis;
  /** Refuse (503) instead of allowing requests while the store is unreachable. */
  failClosed?: boolean;
  /** The subject of an already-verified token, found without verifying (a cache lookup). */
  knownSubject?: (token: string) => string | undefined;
}

/**
 * Limits from the matched route (`rateLimit: {max, window, by}`, else the rules' defaults),
 * one budget per route and client. Runs before auth, so a flood of unknown tokens costs a
 * map lookup each and is charged to the client address; a token verified earlier is charged to its
 * subject. IPv6 clients are grouped by /64, since one host usually owns the whole prefix.
 */
export const rateLimitPlugin = fp<RateLimitPluginOptions>(
  async (app, options) => {
    const registry = app.observability.registry;
    const limited = new Counter({
      name: 'gateway_rate_limited_total',
      help: 'Requests refused with 429, by route',
      labelNames: ['route'],
      registers: [registry],
    });
    const storeErrors = new Counter({
      name: 'gateway_rate_limit_store_errors_total',
      help: 'Rate-limit decisions the store could not make, by what happened to the request',
      labelNames: ['action'],
      registers: [registry],
    });

    const clientKey = (request: FastifyRequest): string => {
      const { route, clientIp } = request.fig;
      if (route.rateLimit.by === 'subject' && options.knownSubject) {
        const bearer = bearerToken(request.headers);
        const subject = bearer.kind === 'token' ? options.knownSubject(bearer.token) : undefined;
        if (subject !== undefined) return `${route.name}|s|${subject}`;
      }
      return `${route.name}|ip|${normalizeIP(clientIp)}`;
    };

    await app.register(rateLimit, {
      global: false,
      // Shared across instances, one script call per event-loop turn; in memory without Redis.
      store: options.redis && batchedRedisStore(options.redis, 'fig:rl:'),
      // An LRU: a client spraying addresses evicts old entries rather than growing memory.
      cache: 100_000,
      skipOnError: false,
      keyGenerator: clientKey,
      max: (request: FastifyRequest) => request.fig.route.rateLimit.max,
      timeWindow: (request: FastifyRequest) => request.fig.route.rateLimit.windowMs,
    });
    const decide = app.createRateLimit();
    type Decision = Awaited<ReturnType<typeof decide>>;
    let storeDown = false;

    /** Whether it answered the request (503). */
    const storeFailed = (request: FastifyRequest, reply: FastifyReply, error: unknown): boolean => {
      storeErrors.inc({ action: options.failClosed ? 'refused' : 'allowed' });
      if (!storeDown) request.log.warn({ err: error }, 'rate-limit store unavailable');
      storeDown = true;
      if (!options.failClosed) return false;
      reply
        .code(503)
        .header('retry-after', '1')
        .send(errorBody('GW_ERR_RATE_LIMIT_UNAVAILABLE', 'rate limiting unavailable', request.id));
      return true;
    };

    /** Whether it answered the request (429). */
    const decided = (request: FastifyRequest, reply: FastifyReply, decision: Decision): boolean => {
      if (storeDown) request.log.info('rate-limit store available again');
      storeDown = false;
      // Allow-listed keys skip counting; none are configured, but the type keeps the case.
      if (decision.isAllowed) return false;
      const { max, remaining, ttlInSeconds, isExceeded } = decision;
      reply.header('ratelimit-limit', max);
      reply.header('ratelimit-remaining', isExceeded ? 0 : remaining);
      reply.header('ratelimit-reset', ttlInSeconds);
      if (!isExceeded) return false;
      limited.inc({ route: request.fig.route.name });
      reply
        .code(429)
        .header('retry-after', ttlInSeconds)
        .send(errorBody('GW_ERR_RATE_LIMITED', `rate limit exceeded, retry in ${ttlInSeconds}s`, request.id));
      return true;
    };

    // A callback hook rather than an `async` one: no async function to resume and no returned
    // promise for Fastify to wait on, for every request.
    // A request answered here (429, 503) must not go on down the chain, so `done` is not called.
    app.addHook('onRequest', (request, reply, done) => {
      decide(request)
        .then(
          (decision) => {
            if (!decided(request, reply, decision)) done();
          },
          (error: unknown) => {
            if (!storeFailed(request, reply, error)) done();
          },
        )
        // Should either of the above throw, Fastify answers with its error handler rather than never.
        .catch((error: Error) => done(error));
    });
  },
  { name: 'fig-rate-limit' },
);
