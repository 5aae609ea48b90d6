import type { RouteReport } from './route-report.ts';

/**
 * A route's timeline as the page draws it, one value per time bucket, gaps included: the
 * browser hands these to its charts as they are and never reads the store's counter names.
 */
export interface RouteCharts {
  /** Bucket starts, in seconds (the charts' time scale). */
  t: number[];
  /** Percent of the bucket's comparisons that matched (noise included), were noise only, mismatched; null without any. */
  match: (number | null)[];
  noise: (number | null)[];
  mismatched: (number | null)[];
  /** Requests per second served by each side. */
  monolith: number[];
  service: number[];
  /** 5xx answers per second, both sides. */
  errors: number[];
}

/** The charts show the last half hour. */
const windowMs = 30 * 60_000;
/** A young route still gets this many buckets, so its few points do not fill the whole chart. */
const minBuckets = 12;

export function routeCharts(timeline: RouteReport['timeline'], bucketMs: number, now: number): RouteCharts {
  const byStart = new Map(timeline.map((bucket) => [bucket.t, bucket.counts]));
  // From the first bucket with data (at least a dozen buckets back), so a young route fills the chart.
  const oldest = Math.min(now - minBuckets * bucketMs, ...timeline.map((bucket) => bucket.t));
  const first = Math.max(now - windowMs, oldest);
  const seconds = bucketMs / 1000;
  const charts: RouteCharts = {
    t: [],
    match: [],
    noise: [],
    mismatched: [],
    monolith: [],
    service: [],
    errors: [],
  };
  for (let t = first - (first % bucketMs); t <= now; t += bucketMs) {
    const counts = byStart.get(t) ?? {};
    const count = (name: string) => counts[name] ?? 0;
    const compared = count('compared');
    const share = (n: number) => (compared > 0 ? (n / compared) * 100 : null);
    charts.t.push(t / 1000);
    charts.match.push(share(count('matched') + count('noise')));
    charts.noise.push(share(count('noise')));
    charts.mismatched.push(share(count('mismatched')));
    charts.monolith.push(count('requests|monolith') / seconds);
    charts.service.push(count('requests|service') / seconds);
    charts.errors.push((count('errors|monolith') + count('errors|service')) / seconds);
  }
  return charts;
}
