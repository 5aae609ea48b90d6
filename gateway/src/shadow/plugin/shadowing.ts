import { type CompiledRoute, type CompiledRules, isWrite, type Side, upstreamFor } from '@fig/routing-rules';
import type { FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import { requestSpan } from '@fig/platform/tracing';
import { forwardRequestHeaders } from '../../proxy/forward-headers.ts';
import type { UpstreamAnswer } from '../../proxy/taps.ts';
import { BodyCapture } from '../comparison/body-capture.ts';
import { type CompareOptions, compareOptions } from '../comparison/compare-options.ts';
import { ComparisonRecorder } from '../comparison/comparison-recorder.ts';
import { type ComparisonStore, type RouteState, storeDefaults } from '../comparison/comparison-store.ts';
import type { ShadowJob } from '../worker/protocol.ts';
import type { ShadowLimits } from '../worker/shadow-limits.ts';
import { createShadowMetrics } from './shadow-metrics.ts';
import { ShadowWorkerClient } from './shadow-worker-client.ts';

export interface ShadowingOptions {
  registry: Registry;
  /** False while an upstream cannot take traffic (its breaker is open): no shadows are sent to it. */
  available?: (upstream: string) => boolean;
  /** Shares comparisons between gateway instances when set. */
  redisUrl?: string;
  limits?: Partial<ShadowLimits>;
  /** Width of a timeline bucket (match rate over time). */
  bucketMs?: number;
  onError?: (error: unknown) => void;
}

const otherSide = (side: Side): Side => (side === 'service' ? 'monolith' : 'service');
const originOf = (rules: CompiledRules, upstream: string) =>
  rules.upstreams.get(upstream)?.url.replace(/\/$/, '');

/** The ids of a request's server span, when it is traced. */
function traceOf(request: FastifyRequest): ShadowJob['trace'] {
  const ids = requestSpan(request)?.spanContext();
  return ids ? { trace_id: ids.traceId, span_id: ids.spanId } : undefined;
}

/**
 * Shadow traffic and comparison for the edge: a sampled request's answer is copied as it
 * arrives and the proxy taps each answer it sends; after the client has it, a sampled request is sent to the side that did not serve it and the
 * two answers are compared. The admin `/comparisons` report reads its state (dashboard/).
 */
export class Shadowing {
  readonly bucketMs: number;
  /** Sends shadows, compares and keeps the state, on its own thread. */
  readonly #worker: ShadowWorkerClient;
  /** What this thread counts itself: traffic per side, shadows it did not send. */
  readonly #local: ComparisonRecorder;
  readonly #available?: (upstream: string) => boolean;
  readonly #options = new WeakMap<CompiledRoute, CompareOptions>();

  constructor(options: ShadowingOptions) {
    const metrics = createShadowMetrics(options.registry);
    this.bucketMs = options.bucketMs ?? storeDefaults.bucketMs;
    this.#worker = new ShadowWorkerClient({
      limits: options.limits,
      bucketMs: this.bucketMs,
      redisUrl: options.redisUrl,
      metrics,
      onError: options.onError ?? (() => {}),
    });
    this.#local = new ComparisonRecorder(this.#worker.local, metrics);
    this.#available = options.available;
  }

  /** Compiled once per route object: a reload makes new route objects, so options follow it. */
  compareOptions(route: CompiledRoute): CompareOptions {
    let options = this.#options.get(route);
    if (!options) this.#options.set(route, (options = compareOptions(route.compare)));
    return options;
  }

  #sampled(request: FastifyRequest, route: CompiledRoute): boolean {
    if (!route.shadow || route.service === undefined) return false;
    if (!this.compareOptions(route).methods.includes(request.method)) return false;
    return Math.random() * 100 < route.shadow;
  }

  /**
   * Marks when the proxy starts on a request, so latency is the upstream's, not the hooks';
   * a sampled request gets a capture that follows its answer's body as it arrives.
   */
  started(request: FastifyRequest): void {
    request.fig.proxyStartedAt = performance.now();
    if (this.#sampled(request, request.fig.route)) {
      request.fig.bodyObserver = new BodyCapture(this.#worker.limits.maxBodyBytes);
    }
  }

  /** A response tap for the proxy (`request.fig.backend` says who answered): notes the answer. */
  tap(request: FastifyRequest, answer: UpstreamAnswer): void {
    const { route, rules, backend } = request.fig;
    if (!backend) return;
    request.fig.tapped = {
      route,
      rules,
      side: backend.side,
      origin: backend.url,
      answer,
      startedAt: request.fig.proxyStartedAt ?? performance.now(),
    };
  }

  /** After the client has the whole answer: count it, and send the shadow if it was sampled. */
  responded(request: FastifyRequest): void {
    const tapped = request.fig?.tapped;
    if (!tapped) return;
    const { route, rules, side, answer } = tapped;
    const capture = request.fig.bodyObserver instanceof BodyCapture ? request.fig.bodyObserver : undefined;
    const ms = performance.now() - tapped.startedAt;
    this.#local.traffic(route.name, side, answer.statusCode, ms);
    if (!capture) return;
    if (!capture.complete) return this.#local.dropped(route.name, 'client_aborted');
    // A 304 says only "your copy is current", against validators each side makes its own way.
    if (answer.statusCode === 304) return this.#local.dropped(route.name, 'not_modified');
    const target = otherSide(side);
    const targetUpstream = upstreamFor(route, target);
    const targetOrigin = originOf(rules, targetUpstream);
    if (!targetOrigin) return;
    // A write goes to the other side only as a dry run, and only to a side that answers them
    // (rules:check refuses others; this holds when an override or a fallback picked the side).
    const dryRun = rules.upstreams.get(targetUpstream)?.dryRun === true;
    if (isWrite(request.method) && !dryRun) return this.#local.dropped(route.name, 'no_dry_run');
    if (this.#available && !this.#available(targetUpstream)) {
      return this.#local.dropped(route.name, 'target_unavailable');
    }
    const body = request.body;
    const requestBody = Buffer.isBuffer(body) ? body : undefined;
    // A body too large to buffer streamed straight to the serving side: there is no copy to send.
    if (requestBody === undefined && body !== undefined && body !== null) {
      return this.#local.dropped(route.name, 'body_unavailable');
    }
    const headers = forwardRequestHeaders(request);
    // What the serving side was sent: the normalised path and the client's query string.
    const query = request.url.indexOf('?');
    const url = query === -1 ? request.fig.path : `${request.fig.path}${request.url.slice(query)}`;
    this.#worker.submit({
      route: route.name,
      options: this.compareOptions(route),
      method: request.method,
      url,
      headers: headers as Record<string, string | string[] | undefined>,
      body: requestBody,
      primary: {
        side,
        origin: tapped.origin.replace(/\/$/, ''),
        ms,
        response: {
          status: answer.statusCode,
          headers: answer.headers,
          body: capture.body(),
          truncated: capture.truncated,
        },
      },
      target: { side: target, origin: targetOrigin, dryRun },
      trace: traceOf(request),
    });
  }

  /** Forgets a route's comparisons (the dashboard's reset, after a fix). */
  reset(route: string): Promise<void> {
    return this.#worker.reset(route);
  }

  /** Every route's comparison state, the whole fleet's when comparisons are shared. */
  snapshot(): Promise<Map<string, RouteState>> {
    return this.#worker.snapshot();
  }

  /** Where comparisons are kept. */
  get store(): ComparisonStore['kind'] {
    return this.#worker.kind;
  }

  /** Shadow requests being sent and waiting, as the worker last said. */
  get queue(): { inFlight: number; queued: number } {
    return { inFlight: this.#worker.inFlight, queued: this.#worker.queued };
  }

  /** The limits in force, less the hash key (never reported). */
  get limits(): Omit<ShadowLimits, 'hashKey'> {
    const { hashKey: _secret, ...limits } = this.#worker.limits;
    return limits;
  }

  async close(): Promise<void> {
    await this.#worker.close();
  }
}
