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

/**
 * Records metric operations for another thread to apply. Counter increments with the same
 * labels are summed and only a gauge's last value kept, so a batch stays small however many
 * comparisons it covers.
 */
export function metricRelay(): { metrics: ShadowMetrics; take(): MetricOp[] } {
  let counts = new Map<string, MetricOp>();
  let observations: MetricOp[] = [];
  const counter = (metric: keyof ShadowMetrics) => ({
    inc: (labels: Labels) => {
      const key = `${metric}\u0000${Object.values(labels).join('\u0000')}`;
      const op = counts.get(key);
      if (op) op[2]++;
      else counts.set(key, [metric, labels, 1]);
    },
  });
  const gauge = (metric: keyof ShadowMetrics) => ({
    set: (value: number) => void counts.set(metric, [metric, undefined, value]),
  });
  return {
    metrics: {
      comparisons: counter('comparisons'),
      fieldDifferences: counter('fieldDifferences'),
      noiseProbes: counter('noiseProbes'),
      dropped: counter('dropped'),
      latency: { observe: (labels, value) => void observations.push(['latency', labels, value]) },
      inFlight: gauge('inFlight'),
      queued: gauge('queued'),
    },
    take: () => {
      const ops = [...counts.values(), ...observations];
      counts = new Map();
      observations = [];
      return ops;
    },
  };
}
