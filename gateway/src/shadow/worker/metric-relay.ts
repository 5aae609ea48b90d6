import type { Labels, ShadowMetrics } from '../comparison/comparison-metrics.ts';
import type { MetricOp } from './protocol.ts';

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
