import type { CompiledUpstream } from '@fig/routing-rules';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { Bounds } from '../bounds-config.ts';
import type { FailureReason } from '../context.ts';
import { ForcedBackendInvalid, sendGatewayError, TooManyTunnels, UpstreamUnavailable } from '../errors.ts';
import { type GatewayMetrics, RequestMetrics } from '../metrics.ts';
import { acceptAnyBody, isReplayable } from '../proxy/body.ts';
import type { BodyBudget } from '../proxy/body-budget.ts';
import { type Decision, decide } from '../proxy/decide.ts';
import { classifyFailure, UpstreamStatusError } from '../proxy/failure.ts';
import {
  failureError,
  nextStep,
  retryDelayMs,
  type Stage,
  type UpstreamFailure,
} from '../proxy/failure-policy.ts';
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The connection cannot carry another request while the client is still sending this one:
 * what is left of the body (an upload the upstream stopped reading) would be taken for the
 * next request, and nobody would read it.
 */
function closeIfStillSending(request: FastifyRequest, reply: FastifyReply): void {
  if (!request.raw.complete) reply.header('connection', 'close');
}

/**
 * The catch-all handler, the last stages of the request path (README, "How a request flows"):
 * the decision (proxy/decide.ts: which upstream, forced or not, what may serve instead), then
 * dispatch through that upstream's breaker, where every failure goes through one policy
 * (proxy/failure-policy.ts: retry, fall back to the monolith, or fail).
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
      reply.header('retry-after', '5').header('x-served-by', 'gateway');
      sendGatewayError(request, reply, new TooManyTunnels(tunnelsByClient.max));
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
      reply.header('retry-after', '5').header('x-served-by', 'gateway');
      return sendGatewayError(request, reply, new UpstreamUnavailable(error.upstream));
    };

    const attempt = (request: FastifyRequest, reply: FastifyReply, upstream: CompiledUpstream) => {
      const forward = () => forwardOnce(request, reply, upstream, pools);
      if (!isHandshake(request)) return breakers.fire(upstream.name, forward);
      return tunnelAttempt(upstream.name, () => breakers.fire(upstream.name, forward));
    };

    /**
     * Dispatch: forwards to the decided upstream and sends its answer. A failed attempt is
     * retried, sent to the monolith, or answered with the gateway's error, as the failure
     * policy says; a 5xx answer is still the client's answer, and a client that left gets none.
     */
    const dispatch = async (request: FastifyRequest, reply: FastifyReply, decision: Decision) => {
      let { side, upstream } = decision;
      let stage: Stage = decision.fallback ? 'service' : 'final';
      let fallback: FailureReason | undefined;
      for (let retries = 0; ;) {
        request.fig.backend = {
          side,
          upstream: upstream.name,
          url: upstream.url,
          forced: decision.forced,
          fallback,
        };
        try {
          return send(request, reply, await attempt(request, reply, upstream));
        } catch (error) {
          // An upstream with no room for another tunnel is busy, not failing: no fallback.
          if (error instanceof UpstreamTunnelsFull) return tunnelsFull(request, reply, error);
          const kind = classifyFailure(error);
          if (kind === 'status')
            return send(request, reply, (error as UpstreamStatusError).response as UpstreamAnswer);
          if (kind === 'client_abandoned') return abandoned(reply);
          metrics.errors.inc({ upstream: upstream.name, kind });
          const step = nextStep({
            kind,
            method: request.method,
            stage,
            replayable: isReplayable(request.body),
            retriesLeft: upstream.retries - retries,
            answered: reply.sent,
          });
          if (step === 'fail') return failed(request, reply, upstream, kind, error);
          if (step === 'retry') {
            metrics.retries.inc({ upstream: upstream.name });
            await sleep(retryDelayMs(retries));
            retries += 1;
            continue;
          }
          metrics.fallbacks.inc({ route: request.fig.route.name, service: upstream.name, reason: kind });
          // The policy falls back only for the reasons a FailureReason names.
          fallback = kind as FailureReason;
          side = 'monolith';
          upstream = decision.fallback!;
          stage = 'final';
          retries = 0;
        }
      }
    };

    // Nobody is left to answer; nginx's 499 ("client closed request") marks it in the metrics.
    const abandoned = (reply: FastifyReply) => (reply.sent ? reply : reply.code(499).send());

    const failed = (
      request: FastifyRequest,
      reply: FastifyReply,
      upstream: CompiledUpstream,
      kind: UpstreamFailure,
      error: unknown,
    ) => {
      if (reply.sent) return reply;
      request.log.warn({ err: error, upstream: upstream.name, kind }, 'upstream failed');
      const failure = failureError(kind, upstream.name);
      if (failure.statusCode === 503) reply.header('retry-after', '5');
      closeIfStillSending(request, reply);
      reply.header('x-served-by', 'gateway');
      return sendGatewayError(request, reply, failure);
    };

    app.all('/*', async (request, reply) => {
      let decision: Decision;
      try {
        decision = decide(request, forceBackendScope);
      } catch (error) {
        if (error instanceof ForcedBackendInvalid) return sendGatewayError(request, reply, error);
        throw error;
      }
      if (isHandshake(request) && refusedForClient(request, reply)) return reply;
      return dispatch(request, reply, decision);
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
