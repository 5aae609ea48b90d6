import CircuitBreaker from 'opossum';
import { Pool } from 'undici';
import type { Registry } from 'prom-client';
import { upstreamMetrics } from './upstream-metrics.ts';

export interface UpstreamResponse<T = unknown> {
  status: number;
  body: T;
}

export interface UpstreamRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface UpstreamClientOptions {
  name: string;
  baseUrl: string;
  timeoutMs: number;
  /** How long an open breaker waits before letting one trial call through. */
  breakerResetMs?: number;
  /** Where the breaker state gauge is registered, so operators see an open breaker. */
  registry?: Registry;
}

/** The upstream could not give an answer: refused, timed out, 5xx, or its breaker is open. */
export class UpstreamUnavailableError extends Error {
  readonly upstream: string;
  constructor(upstream: string, message: string, options?: { cause?: unknown }) {
    super(`${upstream}: ${message}`, options);
    this.name = 'UpstreamUnavailableError';
    this.upstream = upstream;
  }
}

export interface UpstreamClient {
  readonly name: string;
  request<T>(request: UpstreamRequest): Promise<UpstreamResponse<T>>;
  close(): Promise<void>;
}

/**
 * A keep-alive pool to one upstream behind an opossum breaker. Answers below 500 are
 * results (a 409 or 402 is the upstream doing its job); refusals, timeouts and 5xx count
 * against the breaker and surface as UpstreamUnavailableError.
 */
export function createUpstreamClient(options: UpstreamClientOptions): UpstreamClient {
  const pool = new Pool(options.baseUrl, {
    connections: 32,
    keepAliveTimeout: 10_000,
    connectTimeout: options.timeoutMs,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });

  const send = async (request: UpstreamRequest): Promise<UpstreamResponse> => {
    const hasBody = request.body !== undefined;
    const response = await pool.request({
      method: request.method,
      path: request.path,
      headers: {
        ...(hasBody ? { 'content-type': 'application/json' } : {}),
        ...request.headers,
      },
      body: hasBody ? JSON.stringify(request.body) : undefined,
    });
    const text = await response.body.text();
    if (response.statusCode >= 500) {
      throw new UpstreamUnavailableError(options.name, `answered ${response.statusCode}`);
    }
    return { status: response.statusCode, body: text ? JSON.parse(text) : undefined };
  };

  const breaker = new CircuitBreaker(send, {
    name: options.name,
    // undici enforces the time budget; a second timer here would only race it.
    timeout: false,
    errorThresholdPercentage: 50,
    volumeThreshold: 5,
    resetTimeout: options.breakerResetMs ?? 5_000,
  });
  const metrics = options.registry ? upstreamMetrics(options.registry) : undefined;
  const upstream = options.name;
  metrics?.breakerOpen.set({ upstream }, 0);
  breaker.on('open', () => metrics?.breakerOpen.set({ upstream }, 1));
  breaker.on('close', () => metrics?.breakerOpen.set({ upstream }, 0));

  return {
    name: options.name,
    async request<T>(request: UpstreamRequest) {
      const stopTimer = metrics?.duration.startTimer({ upstream });
      try {
        const response = (await breaker.fire(request)) as UpstreamResponse<T>;
        stopTimer?.({ outcome: String(response.status) });
        return response;
      } catch (error) {
        stopTimer?.({ outcome: 'unavailable' });
        if (error instanceof UpstreamUnavailableError) throw error;
        const message = breaker.opened ? 'circuit breaker is open' : (error as Error).message;
        throw new UpstreamUnavailableError(options.name, message, { cause: error });
      }
    },
    async close() {
      breaker.shutdown();
      await pool.close();
    },
  };
}
