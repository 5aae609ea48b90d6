import type { CompareOptions } from '../shadow/comparison/compare-options.ts';
import type { Counters, ExamplePair, RouteState } from '../shadow/comparison/comparison-store.ts';
import { percentile } from '../shadow/comparison/latency-histogram.ts';
import { fieldVerdicts, outcomes } from '../shadow/comparison/field-tallies.ts';
import type { FieldVerdict } from '../shadow/comparison/noise-filter.ts';
import { type Verdict, verdict } from '../shadow/comparison/verdict.ts';

/** What the report needs to know about a route from the active rules. */
export interface RouteDescription {
  name: string;
  path: string;
  service?: string;
  upstream?: string;
  percent: number;
  shadow: number;
  options: CompareOptions;
}

export interface LatencySummary {
  count: number;
  p50?: number;
  p95?: number;
  p99?: number;
}

export interface FieldReport {
  field: string;
  verdict: FieldVerdict;
  differences: number;
  /** Share of comparisons in which the field differed, 0..1. */
  rate: number;
  /** Share of noise probes in which the field differed, 0..1. */
  noiseRate: number;
  examples: ExamplePair[];
}

export interface RouteReport extends Omit<RouteDescription, 'options'> {
  comparisons: {
    compared: number;
    matched: number;
    mismatched: number;
    noise: number;
    dropped: number;
    droppedBy: Record<string, number>;
    noiseProbes: number;
    /** (matched + noise) / compared; undefined before the first comparison. */
    matchRate?: number;
  };
  fields: FieldReport[];
  /** Both sides of the compared pairs. */
  latency: { monolith: LatencySummary; service: LatencySummary };
  /** All proxied traffic, per side. */
  traffic: {
    monolith: LatencySummary & { requests: number; errors: number; errorRate?: number };
    service: LatencySummary & { requests: number; errors: number; errorRate?: number };
  };
  timeline: { t: number; counts: Record<string, number> }[];
  verdict: Verdict;
}

const sides = ['monolith', 'service'] as const;
const topFields = 10;

function histogram(counters: Counters, prefix: string): Map<number, number> {
  const buckets = new Map<number, number>();
  for (const [name, value] of counters) {
    if (name.startsWith(prefix)) buckets.set(Number(name.slice(prefix.length)), value);
  }
  return buckets;
}

function latencySummary(counters: Counters, prefix: string): LatencySummary {
  const buckets = histogram(counters, prefix);
  const count = [...buckets.values()].reduce((sum, n) => sum + n, 0);
  if (count === 0) return { count };
  return {
    count,
    p50: percentile(buckets, 50),
    p95: percentile(buckets, 95),
    p99: percentile(buckets, 99),
  };
}

/** A time bucket's counts with its comparisons labelled by today's verdicts. */
function relabelled(counts: Counters, verdicts: ReturnType<typeof fieldVerdicts>): Record<string, number> {
  const { matched, noise, mismatched } = outcomes(counts, verdicts);
  const plain: Record<string, number> = {};
  for (const [name, value] of counts) if (!name.startsWith('set|')) plain[name] = value;
  return { ...plain, matched, noise, mismatched };
}

/** One route's numbers, field verdicts and verdict, from the (possibly shared) counters. */
export function routeReport(route: RouteDescription, state: RouteState | undefined): RouteReport {
  const counters = state?.counters ?? new Map<string, number>();
  const count = (name: string) => counters.get(name) ?? 0;
  const compared = count('compared');
  const noiseProbes = count('noise_probes');
  const droppedBy: Record<string, number> = {};
  for (const [name, value] of counters) if (name.startsWith('dropped|')) droppedBy[name.slice(8)] = value;

  // Every comparison labelled by the noise learnt so far, not by what was known when it was recorded.
  const verdicts = fieldVerdicts(counters, route.options);
  const labelled = outcomes(counters, verdicts);
  const fields: FieldReport[] = [...verdicts]
    .map(([field, verdict]) => {
      const differences = count(`diff|${field}`);
      const noiseDifferences = count(`noisediff|${field}`);
      return {
        field,
        verdict,
        differences,
        rate: compared > 0 ? differences / compared : 0,
        noiseRate: noiseProbes > 0 ? noiseDifferences / noiseProbes : 0,
        examples: state?.examples.get(field) ?? [],
      };
    })
    // Real differences first, then by how often they differ.
    .sort((a, b) => Number(b.verdict === 'real') - Number(a.verdict === 'real') || b.rate - a.rate)
    .slice(0, topFields);

  const traffic = Object.fromEntries(
    sides.map((side) => {
      const requests = count(`requests|${side}`);
      const errors = count(`errors|${side}`);
      return [
        side,
        {
          requests,
          errors,
          errorRate: requests > 0 ? errors / requests : undefined,
          ...latencySummary(counters, `traffic|${side}|`),
        },
      ];
    }),
  ) as RouteReport['traffic'];
  const latency = {
    monolith: latencySummary(counters, 'latency|monolith|'),
    service: latencySummary(counters, 'latency|service|'),
  };
  const { matched, noise, mismatched } = labelled;
  const matchRate = compared > 0 ? (matched + noise) / compared : undefined;
  const worst = fields.find((field) => field.verdict === 'real');
  // Latency of compared pairs sees both sides under the same requests; fall back to traffic.
  const p99 = (side: (typeof sides)[number]) => latency[side].p99 ?? traffic[side].p99;

  return {
    name: route.name,
    path: route.path,
    service: route.service,
    upstream: route.upstream,
    percent: route.percent,
    shadow: route.shadow,
    comparisons: {
      compared,
      matched,
      mismatched,
      noise,
      dropped: Object.values(droppedBy).reduce((sum, n) => sum + n, 0),
      droppedBy,
      noiseProbes,
      matchRate,
    },
    fields,
    latency,
    traffic,
    timeline: [...(state?.timeline ?? new Map<number, Counters>())]
      .sort(([a], [b]) => a - b)
      .map(([t, counts]) => ({ t, counts: relabelled(counts, verdicts) })),
    verdict: verdict({
      hasService: route.service !== undefined,
      percent: route.percent,
      shadow: route.shadow,
      compared,
      matchRate: matchRate ?? 0,
      worstField: worst && { field: worst.field, rate: worst.rate },
      p99: { monolith: p99('monolith'), service: p99('service') },
      errorRate: { monolith: traffic.monolith.errorRate, service: traffic.service.errorRate },
    }),
  };
}
