// Log-spaced bucket bounds in milliseconds (each 20% above the last, 0.5 ms to about 2 min):
// fixed bounds make histograms from several gateway instances simply add up.
const growth = 1.2;
const first = 0.5;
export const latencyBounds: readonly number[] = Array.from({ length: 70 }, (_, i) => first * growth ** i);

/** The bucket a latency falls in; the last bucket also takes everything above it. */
export function latencyBucket(ms: number): number {
  if (!(ms > first)) return 0;
  return Math.min(latencyBounds.length - 1, Math.ceil(Math.log(ms / first) / Math.log(growth)));
}

/**
 * A percentile (0..100) from bucket counts, interpolated inside the bucket so the value is
 * within the bucket's 20% width of the true one. Undefined when nothing was recorded.
 */
export function percentile(counts: ReadonlyMap<number, number>, p: number): number | undefined {
  const total = [...counts.values()].reduce((sum, n) => sum + n, 0);
  if (total === 0) return undefined;
  const rank = (p / 100) * total;
  let seen = 0;
  for (const bucket of [...counts.keys()].sort((a, b) => a - b)) {
    const n = counts.get(bucket) ?? 0;
    if (n > 0 && seen + n >= rank) {
      const upper = latencyBounds[bucket];
      const lower = bucket === 0 ? 0 : latencyBounds[bucket - 1];
      return lower + (upper - lower) * ((rank - seen) / n);
    }
    seen += n;
  }
  return latencyBounds[latencyBounds.length - 1];
}
