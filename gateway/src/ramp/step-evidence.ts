import type { Side } from '@fig/routing-rules';
import type { Counters } from '../shadow/comparison/comparison-store.ts';
import { fieldVerdicts, outcomes } from '../shadow/comparison/field-tallies.ts';
import type { Thresholds } from '../shadow/comparison/noise-filter.ts';

/** Counters as kept in ramp state: plain JSON. */
export type CounterRecord = Record<string, number>;

/** What a ramp step has shown so far: the route's counters since the step began. */
export interface StepEvidence {
  requests: Record<Side, number>;
  errors: Record<Side, number>;
  /** Latency bucket (latency-histogram.ts) -> answers, per side. */
  latency: Record<Side, Map<number, number>>;
  compared: number;
  /** Comparisons with a real difference, labelled by the noise learnt so far (all comparisons). */
  mismatched: number;
  /** The real fields that differed on this step, most frequent first. */
  fields: { field: string; differences: number }[];
}

const relevant = /^(requests|errors|traffic|compared$|diff\||noisediff\||noise_probes$|set\|)/;

/** The counters a ramp keeps as a step's baseline: traffic, comparisons and field tallies. */
export function baselineOf(counters: Counters): CounterRecord {
  const record: CounterRecord = {};
  for (const [name, value] of counters) if (relevant.test(name)) record[name] = value;
  return record;
}

/**
 * `now - baseline`, or undefined when a counter went down: the comparisons were reset (or a
 * store without Redis restarted), and the step's evidence must start again.
 */
export function sinceBaseline(now: Counters, baseline: CounterRecord): Counters | undefined {
  const delta: Counters = new Map();
  for (const [name, value] of now) {
    if (!relevant.test(name)) continue;
    const diff = value - (baseline[name] ?? 0);
    if (diff < 0) return undefined;
    if (diff > 0) delta.set(name, diff);
  }
  for (const name in baseline) if (!now.has(name) && baseline[name]! > 0) return undefined;
  return delta;
}

function histogram(counters: Counters, side: Side): Map<number, number> {
  const prefix = `traffic|${side}|`;
  const buckets = new Map<number, number>();
  for (const [name, value] of counters) {
    if (name.startsWith(prefix)) buckets.set(Number(name.slice(prefix.length)), value);
  }
  return buckets;
}

/**
 * A step's evidence: `step` holds the counters since the step began, `totals` all of them
 * (noise is learnt from every comparison, not only this step's).
 */
export function stepEvidence(step: Counters, totals: Counters, thresholds: Thresholds): StepEvidence {
  const count = (name: string) => step.get(name) ?? 0;
  const labelled = outcomes(step, fieldVerdicts(totals, thresholds));
  return {
    requests: { monolith: count('requests|monolith'), service: count('requests|service') },
    errors: { monolith: count('errors|monolith'), service: count('errors|service') },
    latency: { monolith: histogram(step, 'monolith'), service: histogram(step, 'service') },
    compared: labelled.compared,
    mismatched: labelled.mismatched,
    fields: labelled.realFields,
  };
}
