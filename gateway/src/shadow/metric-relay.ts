export type Labels = Record<string, string>;

/**
 * What comparison reports to Prometheus. Comparison runs in a worker thread, which records
 * these operations and hands them to the main thread's registry (`applyMetricOps`).
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

export type MetricOp = [metric: keyof ShadowMetrics, labels: Labels | undefined, value: number];

/** Records metric operations for another thread to apply. */
export function metricRelay(ops: MetricOp[]): ShadowMetrics {
  const counter = (metric: keyof ShadowMetrics) => ({
    inc: (labels: Labels) => void ops.push([metric, labels, 1]),
  });
  const gauge = (metric: keyof ShadowMetrics) => ({
    set: (value: number) => void ops.push([metric, undefined, value]),
  });
  return {
    comparisons: counter('comparisons'),
    fieldDifferences: counter('fieldDifferences'),
    noiseProbes: counter('noiseProbes'),
    dropped: counter('dropped'),
    latency: { observe: (labels, value) => void ops.push(['latency', labels, value]) },
    inFlight: gauge('inFlight'),
    queued: gauge('queued'),
  };
}
