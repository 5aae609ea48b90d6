import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { MetricOp } from '../worker/protocol.ts';

export function applyMetricOps(metrics: ReturnType<typeof createShadowMetrics>, ops: MetricOp[]): void {
  for (const [metric, labels, value] of ops) {
    if (metric === 'latency') metrics.latency.observe(labels!, value);
    else if (metric === 'inFlight' || metric === 'queued') metrics[metric].set(value);
    else (metrics[metric] as Counter<string>).inc(labels!, value);
  }
}

/** The Prometheus metrics of shadowing, per instance (Prometheus adds instances up). */
export function createShadowMetrics(registry: Registry) {
  const registers = [registry];
  return {
    comparisons: new Counter({
      name: 'fig_shadow_comparisons_total',
      help: 'Shadowed requests compared, by route and outcome (matched, mismatched, noise)',
      labelNames: ['route', 'outcome'],
      registers,
    }),
    fieldDifferences: new Counter({
      name: 'fig_shadow_field_differences_total',
      help: 'Comparisons in which a field differed, by route, generalised field path and verdict (real, noise)',
      labelNames: ['route', 'field', 'verdict'],
      registers,
    }),
    noiseProbes: new Counter({
      name: 'fig_shadow_noise_probes_total',
      help: 'Requests whose serving side was asked a second time to learn which fields are noise',
      labelNames: ['route'],
      registers,
    }),
    dropped: new Counter({
      name: 'fig_shadow_dropped_total',
      help: 'Shadow requests not compared, by route and reason',
      labelNames: ['route', 'reason'],
      registers,
    }),
    latency: new Histogram({
      name: 'fig_shadow_latency_seconds',
      help: 'Latency of both sides of each compared pair, by route and side (monolith, service)',
      labelNames: ['route', 'side'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    inFlight: new Gauge({ name: 'fig_shadow_in_flight', help: 'Shadow requests being sent now', registers }),
    queued: new Gauge({ name: 'fig_shadow_queued', help: 'Shadow requests waiting for a slot', registers }),
  };
}
