export type Labels = Record<string, string>;

/**
 * What comparison reports to Prometheus: the main thread's registry (plugin/shadow-metrics.ts),
 * or, in the shadow worker, a relay that hands the operations to it (worker/metric-relay.ts).
 */
export interface ShadowMetrics {
  comparisons: { inc(labels: Labels): void };
  fieldDifferences: { inc(labels: Labels): void };
  noiseProbes: { inc(labels: Labels): void };
  dropped: { inc(labels: Labels): void };
  latency: { observe(labels: Labels, value: number): void };
  inFlight: { set(value: number): void };
  queued: { set(value: number): void };
}
