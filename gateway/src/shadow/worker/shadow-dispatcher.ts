import { dryRunHeader, isWrite } from '@fig/routing-rules';
import { Agent } from 'undici';
import { activeTracer, linkFromEventMetadata, withSpan } from '@fig/platform/tracing';
import { context, propagation, type Span, SpanKind } from '@opentelemetry/api';
import { upstreamTimeoutCodes } from '../../proxy/failure.ts';
import { hopByHopHeaders } from '../../proxy/forward-headers.ts';
import { captureStream } from '../comparison/body-capture.ts';
import type { CapturedResponse } from '../comparison/compare-responses.ts';
import type { ComparisonRecorder } from '../comparison/comparison-recorder.ts';
import type { ShadowJob } from './protocol.ts';
import { shadowDefaults, type ShadowLimits } from './shadow-limits.ts';

/** Marks shadow and noise-probe requests, so backends can tell them apart. */
const shadowHeader = 'x-fig-shadow';

// Set per hop by the HTTP client; copying them would corrupt the shadow request.
const notCopied: ReadonlySet<string> = new Set([...hopByHopHeaders, 'host', 'content-length', 'expect']);

class Dropped extends Error {
  readonly reason: string;
  constructor(reason: string) {
    super(reason);
    this.reason = reason;
  }
}

/**
 * Sends shadow requests after the client has its answer, with bounded concurrency and
 * queue, its own connection pool, timeout and body cap — so shadowing can never slow or
 * fail a client request — and hands each answered pair to the recorder.
 */
export class ShadowDispatcher {
  readonly limits: ShadowLimits;
  readonly #recorder: ComparisonRecorder;
  readonly #agent: Agent;
  readonly #queue: ShadowJob[] = [];
  readonly #idle = new Set<() => void>();
  readonly #onChange?: (inFlight: number, queued: number) => void;
  #inFlight = 0;
  #closed = false;

  constructor(
    recorder: ComparisonRecorder,
    limits: Partial<ShadowLimits> = {},
    onChange?: (inFlight: number, queued: number) => void,
  ) {
    this.limits = { ...shadowDefaults, ...limits };
    this.#recorder = recorder;
    this.#onChange = onChange;
    // A pool of its own: shadows never take connections the client traffic needs.
    // Its own clock too: undici's timers are cheaper than an AbortSignal per request.
    this.#agent = new Agent({
      connections: this.limits.concurrency,
      keepAliveTimeout: 10_000,
      headersTimeout: this.limits.timeoutMs,
      bodyTimeout: this.limits.timeoutMs,
    });
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get queued(): number {
    return this.#queue.length;
  }

  /** Never throws and never waits: the job runs now, waits in the queue, or is dropped and counted. */
  submit(job: ShadowJob): void {
    if (this.#closed) return;
    if (job.primary.response.truncated) return this.#recorder.dropped(job.route, 'body_too_large');
    if (this.#inFlight < this.limits.concurrency) this.#run(job);
    else if (this.#queue.length < this.limits.queue) this.#queue.push(job);
    else this.#recorder.dropped(job.route, 'queue_full');
    this.#changed();
  }

  #changed(): void {
    this.#onChange?.(this.#inFlight, this.#queue.length);
    if (this.#inFlight === 0 && this.#queue.length === 0) {
      for (const resolve of this.#idle) resolve();
      this.#idle.clear();
    }
  }

  #run(job: ShadowJob): void {
    this.#inFlight++;
    this.#compare(job)
      .catch((error: unknown) =>
        this.#recorder.dropped(job.route, error instanceof Dropped ? error.reason : 'shadow_error'),
      )
      .finally(() => {
        this.#inFlight--;
        const next = this.#queue.shift();
        if (next && !this.#closed) this.#run(next);
        this.#changed();
      });
  }

  #probesNoise(job: ShadowJob, probesSoFar: number): boolean {
    if (!['GET', 'HEAD'].includes(job.method)) return false; // asking twice must be harmless
    return probesSoFar < this.limits.warmupProbes || Math.random() * 100 < job.options.noiseSample;
  }

  async #compare(job: ShadowJob): Promise<void> {
    // The last gate before the network: a write reaches a shadow only as a dry run.
    if (isWrite(job.method) && !job.target.dryRun) throw new Dropped('no_dry_run');
    if (!activeTracer()) return this.#compareTraced(job, undefined);
    // A trace of its own, linked to the client's: the shadow is no part of what the client waited for.
    const link = linkFromEventMetadata(job.trace);
    return withSpan(`shadow ${job.method} ${job.route}`, (span) => this.#compareTraced(job, span), {
      root: true,
      kind: SpanKind.CLIENT,
      links: link ? [link] : [],
      attributes: {
        'fig.shadow': true,
        'fig.route': job.route,
        'fig.backend': job.target.side,
        'http.request.method': job.method,
        'server.address': job.target.origin,
      },
    });
  }

  async #compareTraced(job: ShadowJob, span: Span | undefined): Promise<void> {
    const probesSoFar = this.#recorder.noiseProbes(job.route);
    const [shadow, noiseProbe] = await Promise.all([
      this.#send(job, job.target.origin),
      this.#probesNoise(job, probesSoFar) ? this.#send(job, job.primary.origin) : undefined,
    ]);
    const result = this.#recorder.record({
      traces:
        span && job.trace ? { primary: job.trace.trace_id, shadow: span.spanContext().traceId } : undefined,
      route: job.route,
      options: job.options,
      method: job.method,
      url: job.url,
      primary: job.primary,
      shadow: { side: job.target.side, response: shadow.response, ms: shadow.ms },
      noiseProbe: noiseProbe?.response,
    });
    span?.setAttributes({
      'fig.comparison': result.outcome,
      'fig.differences': result.differences.length,
      'http.response.status_code': shadow.response.status,
    });
    if (result.differences.length > 0) {
      span?.setAttribute('fig.differing_fields', [...new Set(result.differences.map((d) => d.field))]);
    }
  }

  async #send(job: ShadowJob, origin: string): Promise<{ response: CapturedResponse; ms: number }> {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(job.headers)) {
      const lower = name.toLowerCase();
      // `x-fig-*` are the gateway's own: whatever came with the request, only these marks go.
      if (value !== undefined && !notCopied.has(lower) && !lower.startsWith('x-fig-')) headers[name] = value;
    }
    headers[shadowHeader] = '1';
    if (isWrite(job.method)) headers[dryRunHeader] = '1';
    if (activeTracer()) {
      // The shadow's own trace goes on, not the client's.
      delete headers.traceparent;
      delete headers.tracestate;
      propagation.inject(context.active(), headers);
    }
    const started = performance.now();
    try {
      const answer = await this.#agent.request({
        origin,
        path: job.url,
        method: job.method as 'GET',
        headers,
        body: job.body,
      });
      const capture = await captureStream(answer.body, this.limits.maxBodyBytes);
      if (capture.truncated) throw new Dropped('body_too_large');
      return {
        response: {
          status: answer.statusCode,
          headers: answer.headers,
          body: capture.body(),
          truncated: false,
        },
        ms: performance.now() - started,
      };
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== undefined && upstreamTimeoutCodes.has(code)) throw new Dropped('timeout');
      throw error;
    }
  }

  /** Resolves once nothing is in flight or queued (tests, and a graceful shutdown). */
  idle(): Promise<void> {
    if (this.#inFlight === 0 && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.add(resolve));
  }

  /** Stops taking work, lets what is in flight finish (bounded by the timeout), frees the pool. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) this.#recorder.dropped(job.route, 'shutdown');
    await this.idle();
    await this.#agent.close();
  }
}
