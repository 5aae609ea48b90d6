import { describe, expect, it } from 'vitest';
import { routeCharts } from '../../src/dashboard/route-charts.ts';

describe('the dashboard charts of a route', () => {
  it('gives one point per bucket, shares in percent and rates per second, gaps as empty buckets', () => {
    const bucketMs = 10_000;
    const now = 1_005_000;
    const counts = {
      compared: 4,
      matched: 2,
      noise: 1,
      mismatched: 1,
      'requests|monolith': 20,
      'requests|service': 10,
      'errors|service': 5,
    };
    const charts = routeCharts([{ t: 1_000_000, counts }], bucketMs, now);
    // A young route still spans a dozen buckets back, up to the bucket holding `now`.
    expect(charts.t).toEqual(Array.from({ length: 13 }, (_, i) => 880 + i * 10));
    const last = (series: (number | null)[]) => series.at(-1);
    expect(last(charts.match)).toBe(75);
    expect(last(charts.noise)).toBe(25);
    expect(last(charts.mismatched)).toBe(25);
    expect(last(charts.monolith)).toBe(2);
    expect(last(charts.service)).toBe(1);
    expect(last(charts.errors)).toBe(0.5);
    // A bucket without comparisons has no share to draw, and no traffic.
    expect(charts.match[0]).toBeNull();
    expect(charts.monolith[0]).toBe(0);
  });

  it('shows at most the last half hour', () => {
    const charts = routeCharts([{ t: 0, counts: { compared: 1, matched: 1 } }], 60_000, 3 * 3600_000);
    expect(charts.t).toHaveLength(31);
    expect(charts.match.every((share) => share === null)).toBe(true);
  });
});
