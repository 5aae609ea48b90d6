import { describe, expect, it } from 'vitest';
import { latencyBounds, latencyBucket, percentile } from '../../src/shadow/comparison/latency-histogram.ts';

function histogram(values: number[]) {
  const counts = new Map<number, number>();
  for (const value of values) counts.set(latencyBucket(value), (counts.get(latencyBucket(value)) ?? 0) + 1);
  return counts;
}

describe('latency histogram', () => {
  it('puts each latency in the bucket whose bounds hold it', () => {
    for (const ms of [0.7, 3, 41, 180, 2500]) {
      const bucket = latencyBucket(ms);
      expect(latencyBounds[bucket]).toBeGreaterThanOrEqual(ms);
      expect(bucket === 0 || latencyBounds[bucket - 1] < ms).toBe(true);
    }
  });

  it('gives percentiles within a bucket (20%) of the exact ones', () => {
    const values = Array.from({ length: 1000 }, (_, i) => 1 + i * 0.5); // 1 .. 500.5 ms
    const counts = histogram(values);
    for (const [p, exact] of [
      [50, 250.5],
      [95, 475.5],
      [99, 495.5],
    ]) {
      const estimate = percentile(counts, p)!;
      expect(Math.abs(estimate - exact) / exact).toBeLessThan(0.2);
    }
    expect(percentile(new Map(), 99)).toBeUndefined();
  });
});
