import { normalizeIP } from '@fastify/rate-limit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { GatewayMetrics } from '../metrics.ts';
import { RateLimited, RateLimitUnavailable, sendGatewayError } from '../errors.ts';
import type { Decision } from './rate-limit-store.ts';

/**
 * Limits from the matched route (`rateLimit: {max, window, by}`, else the rules' defaults),
 * one budget per route and client. Runs after auth, so the client is known rather than
 * guessed: with `by: subject` (the default) the subject of the token auth verified for this
 * request, else (anonymous, `auth: none`, or `by: ip`) the client address. A user's budget is
 * therefore one budget from its very first request, whichever replica counts it, and many
 * users behind one address (an office NAT) never share one. Floods of bad tokens are cut by
 * auth's own failed-authentication budget before they cost a verification.
 * IPv6 clients are grouped by /64, since one host usually owns the whole prefix.
 */
export const rateLimitPlugin = fp<{ metrics: Pick<GatewayMetrics, 'rateLimited'> }>(
  async (app, { metrics }) => {
    const limited = metrics.rateLimited;

    const clientKey = (request: FastifyRequest): string => {
      const { route, subject, clientIp } = request.fig;
      if (route.rateLimit.by === 'subject' && subject !== undefined) return `${route.name}|s|${subject}`;
      return `${route.name}|ip|${normalizeIP(clientIp)}`;
    };
    const store = app.figRateLimitStore;
    const count = store.limiter({
      keyGenerator: clientKey,
      max: (request: FastifyRequest) => request.fig.route.rateLimit.max,
      timeWindow: (request: FastifyRequest) => request.fig.route.rateLimit.windowMs,
    });

    /** Whether it answered the request (429, or 503 when the store is down and failing closed). */
    const answered = (request: FastifyRequest, reply: FastifyReply, decision: Decision | undefined) => {
      if (decision === undefined) {
        if (!store.failClosed) return false;
        sendGatewayError(request, reply.header('retry-after', '1'), new RateLimitUnavailable());
        return true;
      }
      const { max, remaining, ttlInSeconds, isExceeded } = decision;
      reply.header('ratelimit-limit', max);
      reply.header('ratelimit-remaining', isExceeded ? 0 : remaining);
      reply.header('ratelimit-reset', ttlInSeconds);
      if (!isExceeded) return false;
      limited.inc({ route: request.fig.route.name });
      sendGatewayError(request, reply.header('retry-after', ttlInSeconds), new RateLimited(ttlInSeconds));
      return true;
    };

    // A callback hook rather than an `async` one: no async function to resume and no returned
    // promise for Fastify to wait on, for every request.
    // A request answered here (429, 503) must not go on down the chain, so `done` is not called.
    app.addHook('onRequest', (request, reply, done) => {
      count(request, (decision) => {
        let stop: boolean;
        try {
          stop = answered(request, reply, decision);
        } catch (error) {
          // Fastify answers with its error handler rather than never.
          return done(error as Error);
        }
        if (!stop) done();
      });
    });
  },
  { name: 'fig-rate-limit', dependencies: ['fig-edge-context', 'fig-rate-limit-store', 'fig-auth'] },
);
