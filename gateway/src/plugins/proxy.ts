import { errorBody } from '@fig/platform';
import { type CompiledUpstream, chooseBackend, type Side, upstreamFor } from '@fig/routing-rules';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { Bounds } from '../bounds-config.ts';
import type { FailureReason } from '../context.ts';
import { BadForcedBackend, BadGateway, UpstreamTimeout, UpstreamUnavailable } from '../errors.ts';
import { type GatewayMetrics, RequestMetrics } from '../metrics.ts';
import { acceptAnyBody, isReplayable } from '../proxy/body.ts';
import type { BodyBudget } from '../proxy/body-budget.ts';
import {
  classifyFailure,
  type FailureKind,
  isIdempotent,
  isSafe,
  nothingSent,
  retryDelayMs,
  UpstreamStatusError,
} from '../proxy/failure.ts';
import { forwardOnce } from '../proxy/forward.ts';
import { forwardResponseHeaders } from '../proxy/forward-headers.ts';
import type { ResponseTap, UpstreamAnswer } from '../proxy/taps.ts';
import { OpenCounts, tunnelClientKey, UpstreamTunnelsFull, whenClosed } from '../proxy/tunnel-limits.ts';
import { isHandshake, routeWebSocketHandshakes, spliceTunnel } from '../proxy/websocket.ts';
import type { UpstreamBreakers } from '../upstreams/breakers.ts';
import type { UpstreamPools } from '../upstreams/pools.ts';

export interface ProxyPluginOptions {
  pools: UpstreamPools;
  breakers: UpstreamBreakers;
  metrics: GatewayMetrics;
  /** The token scope that lets a caller pick the backend with `x-fig-backend`. */
  forceBackendScope: string;
  /** What clients can make the edge hold: open tunnels (per client, per upstream), idle time. */
  bounds: Pick<Bounds, 'tunnelsPerClient' | 'tunnelsPerUpstream' | 'tunnelIdleMs'>;
  /** Request-body bytes held in memory, shared with the hardening plugin's chunked reads. */
  bodyBudget: BodyBudget;
}

const forceHeader = 'x-fig-backend';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The connection cannot carry another request while the client is still sending this one:
 * what is left of the body (an upload the upstream stopped reading) would be taken for the
 * next request, and nobody would read it.
 */
function closeIfStillSending(request: FastifyRequest, reply: FastifyReply): void {
  if (!request.raw.complete) reply.header('connection', 'close');
}

/** The side an authorised `x-fig-backend` asks for; undefined when absent or not authorised. */
function forcedSide(request: FastifyRequest, scope: string): Side | undefined {
  const wanted = request.headers[forceHeader];
  if (typeof wanted !== 'string' || !request.fig.scopes.includes(scope)) return undefined;
  const { route } = request.fig;
  if (route.service !== undefined && wanted === route.service) return 'service';
  if (wanted === upstreamFor(route, 'monolith')) return 'monolith';
  throw new BadForcedBackend([route.service, upstreamFor(route, 'monolith')].filter(Boolean).join(', '));
}

/**
 * The catch-all handler: choose the backend (sticky split, or an authorised forced one),
 * forward through that upstream's breaker, and when a service cannot answer let the monolith
 * serve instead — any method when nothing reached the service, safe methods otherwise.
 */
export const proxyPlugin = fp<ProxyPluginOptions>(
  async (app, { pools, breakers, metrics, forceBackendScope, bounds, bodyBudget }) => {
    acceptAnyBody(app, bodyBudget);
    const requestMetrics = new RequestMetrics(metrics);
    const tunnelsByClient = new OpenCounts(bounds.tunnelsPerClient);
    const tunnelsByUpstream = new OpenCounts(bounds.tunnelsPerUpstream);
    app.decorate('responseTaps', [] as ResponseTap[]);

    routeWebSocketHandshakes(app);

    const send = (request: FastifyRequest, reply: FastifyReply, answer: UpstreamAnswer) => {
      if (answer.tunnel) return tunnel(request, reply, answer.headers, answer.tunnel);
      // A handshake's answer is no API answer to compare.
      if (!isHandshake(request)) for (const tap of app.responseTaps) tap(request, answer);
      reply.code(answer.statusCode).headers(forwardResponseHeaders(answer.headers, request));
      closeIfStillSending(request, reply);
      return reply.send(answer.body);
    };

    // The handshake is counted as a 101 when it is accepted; how long the tunnel stays open is
    // not a request's latency.
    const tunnel = (
      request: FastifyRequest,
      reply: FastifyReply,
      accepted: IncomingHttpHeaders,
      socket: Socket,
    ) => {
      const upstream = request.fig.backend!.upstream;
      requestMetrics.get(request.fig.route.name, upstream, 101).observe(reply.elapsedTime / 1000);
      metrics.tunnels.inc({ upstream });
      whenClosed(socket, () => metrics.tunnels.dec({ upstream }));
      spliceTunnel(request, reply, accepted, socket, bounds.tunnelIdleMs, () =>
        metrics.boundHits.inc({ bound: 'websocket_idle', action: 'closed' }),
      );
    };

    /**
     * A handshake takes one of its client's tunnels until its connection closes (the answer
     * was not a tunnel, or the tunnel ended); over the cap it is answered 429 here and
     * reaches no upstream. Whether it was answered.
     */
    const refusedForClient = (request: FastifyRequest, reply: FastifyReply): boolean => {
      const key = tunnelClientKey(request);
      if (tunnelsByClient.take(key)) {
        whenClosed(request.raw.socket, () => tunnelsByClient.give(key));
        return false;
      }
      metrics.boundHits.inc({ bound: 'websocket_per_client', action: 'refused' });
      reply
        .code(429)
        .header('retry-after', '5')
        .header('x-served-by', 'gateway')
        .type('application/json')
        .send(
          errorBody(
            'GW_ERR_TOO_MANY_TUNNELS',
            `at most ${tunnelsByClient.max} open WebSocket connections per client`,
            request.id,
          ),
        );
      return true;
    };

    /**
     * A handshake sent to `upstream` takes one of its tunnels: kept while the tunnel it became
     * is open, given back at once when the answer was anything else. Rejects with
     * UpstreamTunnelsFull, before anything is sent, when the upstream has none left.
     */
    const tunnelAttempt = (upstream: string, forward: () => Promise<UpstreamAnswer>) => {
      if (!tunnelsByUpstream.take(upstream)) {
        metrics.boundHits.inc({ bound: 'websocket_per_upstream', action: 'refused' });
        return Promise.reject(new UpstreamTunnelsFull(upstream));
      }
      const give = () => tunnelsByUpstream.give(upstream);
      return forward().then(
        (answer) => {
          if (answer.tunnel) whenClosed(answer.tunnel, give);
          else give();
          return answer;
        },
        (error: unknown) => {
          give();
          throw error;
        },
      );
    };

    const tunnelsFull = (request: FastifyRequest, reply: FastifyReply, error: UpstreamTunnelsFull) => {
      const failure = new UpstreamUnavailable(error.upstream);
      return reply
        .code(503)
        .header('retry-after', '5')
        .header('x-served-by', 'gateway')
        .type('application/json')
        .send(errorBody(failure.code, failure.message, request.id));
    };

    const attempt = (
      request: FastifyRequest,
      reply: FastifyReply,
      upstream: CompiledUpstream,
      side: Side,
    ) => {
      const backend = request.fig.backend;
      request.fig.backend = {
        side,
        upstream: upstream.name,
        url: upstream.url,
        forced: backend?.forced ?? false,
        fallback: backend?.fallback,
      };
      const forward = () => forwardOnce(request, reply, upstream, pools);
      if (!isHandshake(request)) return breakers.fire(upstream.name, forward);
      return tunnelAttempt(upstream.name, () => breakers.fire(upstream.name, forward));
    };

    /** The last stop: this upstream answers, after bounded retries where repeating is safe. */
    const finalAttempt = async (
      request: FastifyRequest,
      reply: FastifyReply,
      upstream: CompiledUpstream,
      side: Side,
    ) => {
      for (let retry = 0; ; retry++) {
        try {
          return send(request, reply, await attempt(request, reply, upstream, side));
        } catch (error) {
          if (error instanceof UpstreamTunnelsFull) return tunnelsFull(request, reply, error);
          const kind = classifyFailure(error);
          if (kind === 'status')
            return send(request, reply, (error as UpstreamStatusError).response as UpstreamAnswer);
          if (kind === 'client_abandoned') return abandoned(reply);
          metrics.errors.inc({ upstream: upstream.name, kind });
          const repeatable =
            kind !== 'breaker_open' &&
            isReplayable(request.body) &&
            (nothingSent(kind) || (kind === 'reset' && isIdempotent(request.method)));
          if (!repeatable || retry >= upstream.retries || reply.sent)
            return failed(request, reply, upstream, kind, error);
          metrics.retries.inc({ upstream: upstream.name });
          await sleep(retryDelayMs(retry));
        }
      }
    };

    // Nobody is left to answer; nginx's 499 ("client closed request") marks it in the metrics.
    const abandoned = (reply: FastifyReply) => (reply.sent ? reply : reply.code(499).send());

    const failed = (
      request: FastifyRequest,
      reply: FastifyReply,
      upstream: CompiledUpstream,
      kind: FailureKind,
      error: unknown,
    ) => {
      if (reply.sent) return reply;
      request.log.warn({ err: error, upstream: upstream.name, kind }, 'upstream failed');
      const failure =
        kind === 'timeout'
          ? new UpstreamTimeout(upstream.name)
          : kind === 'reset' || kind === 'other'
            ? new BadGateway(upstream.name)
            : new UpstreamUnavailable(upstream.name);
      if (failure.statusCode === 503) reply.header('retry-after', '5');
      closeIfStillSending(request, reply);
      reply.header('x-served-by', 'gateway');
      return reply
        .code(failure.statusCode!)
        .type('application/json')
        .send(errorBody(failure.code, failure.message, request.id));
    };

    app.all('/*', async (request, reply) => {
      const { route, rules } = request.fig;
      const forced = forcedSide(request, forceBackendScope);
      if (isHandshake(request) && refusedForClient(request, reply)) return reply;
      const side =
        forced ??
        chooseBackend(route, {
          subject: request.fig.subject,
          ip: request.fig.clientIp,
          headers: request.headers,
        });
      const primary = rules.upstreams.get(upstreamFor(route, 'monolith'))!;
      if (forced) request.fig.backend = { side, upstream: '', url: '', forced: true };
      if (side === 'monolith' || forced) {
        return finalAttempt(
          request,
          reply,
          side === 'service' ? rules.upstreams.get(route.service!)! : primary,
          side,
        );
      }
      const service = rules.upstreams.get(route.service!)!;
      try {
        return send(request, reply, await attempt(request, reply, service, 'service'));
      } catch (error) {
        // A service with no room for another tunnel is busy, not failing: no fallback.
        if (error instanceof UpstreamTunnelsFull) return tunnelsFull(request, reply, error);
        const kind = classifyFailure(error);
        if (kind === 'status')
          return send(request, reply, (error as UpstreamStatusError).response as UpstreamAnswer);
        if (kind === 'client_abandoned') return abandoned(reply);
        metrics.errors.inc({ upstream: service.name, kind });
        const canFallBack =
          !reply.sent &&
          isReplayable(request.body) &&
          (nothingSent(kind) || (isSafe(request.method) && (kind === 'reset' || kind === 'timeout')));
        if (!canFallBack) return failed(request, reply, service, kind, error);
        metrics.fallbacks.inc({ route: route.name, service: service.name, reason: kind });
        request.fig.backend = { ...request.fig.backend!, fallback: kind as FailureReason };
        return finalAttempt(request, reply, primary, 'monolith');
      }
    });

    app.addHook('onResponse', (request, reply, done) => {
      const route = request.fig?.route.name ?? 'unmatched';
      const backend = request.fig?.backend?.upstream ?? 'gateway';
      requestMetrics.get(route, backend, reply.statusCode).observe(reply.elapsedTime / 1000);
      done();
    });
  },
  { name: 'fig-proxy', dependencies: ['fig-edge-context'] },
);
