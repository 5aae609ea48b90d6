import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** JWKS fetch attempts so far, by outcome (the key store counts them). */
export type JwksFetches = () => { ok: number; failed: number };

/**
 * The gateway's own Prometheus metrics, on the registry the admin port serves.
 * `jwksFetches` is read at each scrape, for `gateway_jwks_fetches_total`.
 */
export function createGatewayMetrics(registry: Registry, jwksFetches?: JwksFetches) {
  const registers = [registry];
  if (jwksFetches) {
    new Counter({
      name: 'gateway_jwks_fetches_total',
      help: 'JWKS fetch attempts by outcome (a failed fetch keeps the last keys)',
      labelNames: ['outcome'],
      registers,
      collect() {
        const { ok, failed } = jwksFetches();
        this.reset();
        this.inc({ outcome: 'ok' }, ok);
        this.inc({ outcome: 'failed' }, failed);
      },
    });
  }
  return {
    requests: new Counter({
      name: 'gateway_requests_total',
      help: 'Requests by route, backend (the upstream that answered, or gateway) and status',
      labelNames: ['route', 'backend', 'status'],
      registers,
    }),
    duration: new Histogram({
      name: 'gateway_request_duration_seconds',
      help: 'Time to answer a request, by route and backend (gateway: answered by the gateway itself)',
      labelNames: ['route', 'backend'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    fallbacks: new Counter({
      name: 'gateway_fallbacks_total',
      help: 'Requests the monolith served because the chosen service could not, by route, service and reason',
      labelNames: ['route', 'service', 'reason'],
      registers,
    }),
    retries: new Counter({
      name: 'gateway_upstream_retries_total',
      help: 'Upstream attempts repeated after a failure that made them safe to repeat',
      labelNames: ['upstream'],
      registers,
    }),
    errors: new Counter({
      name: 'gateway_upstream_errors_total',
      help: 'Failed upstream attempts by upstream and kind',
      labelNames: ['upstream', 'kind'],
      registers,
    }),
    breakerState: new Gauge({
      name: 'gateway_breaker_state',
      help: 'Circuit breaker per upstream: 0 closed, 1 half-open, 2 open',
      labelNames: ['upstream'],
      registers,
    }),
    tunnels: new Gauge({
      name: 'gateway_websocket_tunnels',
      help: 'Open WebSocket connections tunnelled to an upstream, by upstream',
      labelNames: ['upstream'],
      registers,
    }),
    boundHits: new Counter({
      name: 'gateway_bound_hits_total',
      help: 'Times a resource bound took effect, by bound and what it did (refused, streamed, closed)',
      labelNames: ['bound', 'action'],
      registers,
    }),
    bufferedBodyBytes: new Gauge({
      name: 'gateway_request_body_buffered_bytes',
      help: 'Request-body bytes held in memory now, across requests in flight (REQUEST_BODY_BUFFER_BYTES caps it)',
      registers,
    }),
    authRejections: new Counter({
      name: 'gateway_auth_rejections_total',
      help: 'Requests refused by authentication, by status and reason',
      labelNames: ['status', 'reason'],
      registers,
    }),
    rateLimited: new Counter({
      name: 'gateway_rate_limited_total',
      help: 'Requests refused with 429, by route',
      labelNames: ['route'],
      registers,
    }),
    rateLimitStoreErrors: new Counter({
      name: 'gateway_rate_limit_store_errors_total',
      help: 'Rate-limit decisions the store could not make, by what happened to the request',
      labelNames: ['action'],
      registers,
    }),
    reloads: new Counter({
      name: 'gateway_rules_reloads_total',
      help: 'Routing rules reloads by result (ok: swapped in, error: rejected, old rules kept)',
      labelNames: ['result'],
      registers,
    }),
    rulesInfo: new Gauge({
      name: 'gateway_rules_info',
      help: 'The active routing rules version (value 1)',
      labelNames: ['version'],
      registers,
    }),
  };
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;

/** The bounds of `gateway_bound_hits_total`, and what each does when it bites. */
export type BoundHit =
  | { bound: 'websocket_per_client'; action: 'refused' }
  | { bound: 'websocket_per_upstream'; action: 'refused' }
  | { bound: 'websocket_idle'; action: 'closed' }
  | { bound: 'request_body_budget'; action: 'streamed' | 'refused' };

type RequestChildren = { observe(seconds: number): void };

/**
 * The per-request counter and histogram children, looked up once per route, backend and
 * status: prom-client otherwise hashes the label object on every request. Bounded by the
 * routes, upstreams and status codes in use; removed routes keep their series, as before.
 */
export class RequestMetrics {
  readonly #metrics: GatewayMetrics;
  readonly #children = new Map<string, RequestChildren>();

  constructor(metrics: GatewayMetrics) {
    this.#metrics = metrics;
  }

  get(route: string, backend: string, status: number): RequestChildren {
    const key = `${route}\n${backend}\n${status}`;
    let children = this.#children.get(key);
    if (!children) {
      const requests = this.#metrics.requests.labels({ route, backend, status });
      const duration = this.#metrics.duration.labels({ route, backend });
      children = {
        observe(seconds) {
          requests.inc();
          duration.observe(seconds);
        },
      };
      this.#children.set(key, children);
    }
    return children;
  }
}
