import CircuitBreaker from 'opossum';
import { Pool } from 'undici';
import type { Registry } from 'prom-client';
import type { ServiceTokens } from '@fig/platform/auth/service-tokens';
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
  /** The end user the call is made for, sent as `x-user-id` beside the service token. */
  actingFor?: string;
}

export interface UpstreamClientOptions {
  name: string;
  baseUrl: string;
  timeoutMs: number;
  /** How long an open breaker waits before letting one trial call through. */
  breakerResetMs?: number;
  /** Where the breaker state gauge is registered, so operators see an open breaker. */
  registry?: Registry;
  /** This service's own tokens, sent as `Authorization: Bearer` on every call. */
  credentials?: ServiceTokens;
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
 * against the breaker and surface as UpstreamUnavailableError. With `credentials`, every call
 * carries the service's token; a 401 (the token expired or its key was rotated) fetches a new
 * one and tries once more. No token to be had (the identity provider is down) is
 * UpstreamUnavailableError too, without counting against this upstream's breaker.
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

  const credentials = options.credentials;
  const withCredentials = async (request: UpstreamRequest): Promise<UpstreamRequest> => {
    const headers = { ...request.headers };
    if (request.actingFor !== undefined) headers['x-user-id'] = request.actingFor;
    if (credentials) {
      try {
        headers.authorization = await credentials.authorization();
      } catch (error) {
        throw new UpstreamUnavailableError(options.name, (error as Error).message, { cause: error });
      }
    }
    return { ...request, headers };
  };

  return {
    name: options.name,
    async request<T>(request: UpstreamRequest) {
      const stopTimer = metrics?.duration.startTimer({ upstream });
      try {
        let response = (await breaker.fire(await withCredentials(request))) as UpstreamResponse<T>;
        if (response.status === 401 && credentials) {
          credentials.invalidate();
          response = (await breaker.fire(await withCredentials(request))) as UpstreamResponse<T>;
        }
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
