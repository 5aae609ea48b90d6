import { Gauge, Histogram, type Registry } from 'prom-client';

export interface UpstreamMetrics {
  breakerOpen: Gauge;
  duration: Histogram;
}

// One set per registry: every upstream client of an app shares it, labelled by upstream.
const byRegistry = new WeakMap<Registry, UpstreamMetrics>();

/** What an operator needs to see which dependency of the saga is slow, failing or cut off. */
export function upstreamMetrics(registry: Registry): UpstreamMetrics {
  let metrics = byRegistry.get(registry);
  if (!metrics) {
    metrics = {
      breakerOpen: new Gauge({
        name: 'checkout_upstream_breaker_open',
        help: '1 while the circuit breaker in front of an upstream is open',
        labelNames: ['upstream'],
        registers: [registry],
      }),
      duration: new Histogram({
        name: 'checkout_upstream_request_duration_seconds',
        help: 'Calls from the checkout saga to its upstreams, by upstream and outcome (status code or "unavailable")',
        labelNames: ['upstream', 'outcome'],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        registers: [registry],
      }),
    };
    byRegistry.set(registry, metrics);
  }
  return metrics;
}
