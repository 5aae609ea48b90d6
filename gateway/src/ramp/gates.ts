import type { CompiledRamp, Side } from '@fig/routing-rules';
import { latencyBounds, percentile } from '../shadow/comparison/latency-histogram.ts';
import { lowerBound, type Prior, priorAround, upperBound } from './confidence-sequence.ts';
import type { StepEvidence } from './step-evidence.ts';
import type { StepUserCounts } from './step-users.ts';

/**
 * Error levels of the decision method, each per gate and per step. A gate passes only when
 * its confidence sequence at level 1 - pass excludes everything beyond the limit, and fails
 * only when the one at level 1 - fail excludes everything within it; the sequences stay
 * valid however often they are read, so looking every interval costs nothing.
 */
export const errorLevels = {
  /** A gate whose truth is at or beyond its limit passes a step at most this often. */
  pass: 0.01,
  /** A gate whose truth is within its limit fails a step at most this often. */
  fail: 0.001,
  /** A correct split is called broken at most this often (per step). */
  split: 0.001,
  /** A service within the critical ceiling trips it at most this often per interval. */
  critical: 1e-6,
};

export type GateName = 'errorRate.max' | 'errorRate.maxIncrease' | 'latency.p99Increase' | 'mismatches.max';
/** pass: surely within the limit; fail: surely beyond it; wait: not enough evidence either way. */
export type GateOutcome = 'pass' | 'fail' | 'wait';

export interface GateResult {
  gate: GateName;
  outcome: GateOutcome;
  /** The limit, in percent (points for an increase). */
  limit: number;
  /** What was observed, in percent; undefined without samples. */
  observed?: number;
  /** The always-valid bounds of the judged quantity, in percent. */
  lower: number;
  upper: number;
  /** Answers (or comparisons) the gate judged. */
  samples: number;
  /** The differing fields, for the mismatches gate. */
  fields?: { field: string; differences: number }[];
  text: string;
}

const pct = (fraction: number) => Math.round(fraction * 10000) / 100;
const shown = (percent: number) => `${Math.round(percent * 100) / 100}%`;

function judge(lowerFail: number, upperPass: number, limit: number): GateOutcome {
  if (upperPass <= limit) return 'pass';
  if (lowerFail > limit) return 'fail';
  return 'wait';
}

/** A rate gate: k events in n trials against `limit` (a fraction). */
function rateGate(gate: GateName, k: number, n: number, limit: number, what: string): GateResult {
  const prior = priorAround(limit);
  const upper = upperBound(k, n, errorLevels.pass, prior);
  const lower = lowerBound(k, n, errorLevels.fail, prior);
  const outcome = judge(lower, upper, limit);
  const observed = n > 0 ? pct(k / n) : undefined;
  const text =
    outcome === 'pass'
      ? `${what} surely below ${shown(pct(limit))} (at most ${shown(pct(upper))})`
      : outcome === 'fail'
        ? `${what} surely above ${shown(pct(limit))} (at least ${shown(pct(lower))}, ${k} of ${n})`
        : n === 0
          ? `${what}: nothing yet`
          : `${what} ${shown(observed!)} (${k} of ${n}), could still be ${shown(pct(upper))}: limit ${shown(pct(limit))}`;
  return {
    gate,
    outcome,
    limit: pct(limit),
    observed,
    lower: pct(lower),
    upper: pct(upper),
    samples: n,
    text,
  };
}

/** The service's 5xx rate less the monolith's, against `limit` points (a fraction). */
function increaseGate(evidence: StepEvidence, limit: number): GateResult {
  const prior: Prior = priorAround(limit);
  const k = evidence.errors;
  const n = evidence.requests;
  // Each side's sequence at half the level: both hold at once with the level's probability.
  const upper =
    upperBound(k.service, n.service, errorLevels.pass / 2, prior) -
    lowerBound(k.monolith, n.monolith, errorLevels.pass / 2, prior);
  const lower =
    lowerBound(k.service, n.service, errorLevels.fail / 2, prior) -
    upperBound(k.monolith, n.monolith, errorLevels.fail / 2, prior);
  const outcome = judge(lower, upper, limit);
  const rate = (s: Side) => (evidence.requests[s] > 0 ? evidence.errors[s] / evidence.requests[s] : 0);
  const observed = pct(rate('service') - rate('monolith'));
  const what = `service 5xx ${shown(pct(rate('service')))} vs monolith ${shown(pct(rate('monolith')))}`;
  const text =
    outcome === 'pass'
      ? `${what}: surely less than ${shown(pct(limit))} points above (at most ${shown(pct(upper))})`
      : outcome === 'fail'
        ? `${what}: surely more than ${shown(pct(limit))} points above (at least ${shown(pct(lower))})`
        : `${what}: the rise could still be ${shown(pct(upper))}, limit ${shown(pct(limit))}`;
  return {
    gate: 'errorRate.maxIncrease',
    outcome,
    limit: pct(limit),
    observed,
    lower: pct(lower),
    upper: pct(upper),
    samples: evidence.requests.service,
    text,
  };
}

/**
 * Where the monolith's true p99 may lie, at `level`: the sample quantiles at the bounds of a
 * 1% rate's confidence sequence over its answers (a quantile's confidence interval from order
 * statistics). A thin or spread-out monolith sample gives a wide range.
 */
function monolithP99Range(evidence: StepEvidence, level: number): { low: number; high: number } {
  const n = evidence.requests.monolith;
  const k = Math.round(n / 100);
  const prior = priorAround(0.01);
  return {
    low: percentile(evidence.latency.monolith, 100 * (1 - upperBound(k, n, level, prior)))!,
    high: percentile(evidence.latency.monolith, 100 * (1 - lowerBound(k, n, level, prior)))!,
  };
}

/**
 * The service's p99 against the monolith's p99 raised by `increase`: the p99 is within that
 * when at most 1% of the service's answers are slower than it. The monolith's p99 is itself
 * a sample's: passing compares against the lowest value it may have, failing against the
 * highest (each side's sequence at half the level). Answers in the bucket holding the
 * threshold count as slower when deciding to pass, and as faster when deciding to fail.
 */
function latencyGate(evidence: StepEvidence, increase: number): GateResult {
  const monolithP99 = percentile(evidence.latency.monolith, 99);
  const serviceP99 = percentile(evidence.latency.service, 99);
  const n = evidence.requests.service;
  if (monolithP99 === undefined || evidence.requests.monolith < 100) {
    return {
      gate: 'latency.p99Increase',
      outcome: 'wait',
      limit: increase * 100,
      lower: 0,
      upper: 100,
      samples: n,
      text: `p99: the monolith's needs 100 answers on this step (${evidence.requests.monolith} so far)`,
    };
  }
  const threshold = monolithP99 * (1 + increase);
  const passThreshold = monolithP99Range(evidence, errorLevels.pass / 2).low * (1 + increase);
  const failThreshold = monolithP99Range(evidence, errorLevels.fail / 2).high * (1 + increase);
  let slowerAtMost = 0;
  let slowerAtLeast = 0;
  for (const [bucket, count] of evidence.latency.service) {
    const upperEdge = latencyBounds[bucket]!;
    const lowerEdge = bucket === 0 ? 0 : latencyBounds[bucket - 1]!;
    if (upperEdge > passThreshold) slowerAtMost += count;
    if (lowerEdge >= failThreshold) slowerAtLeast += count;
  }
  const prior = priorAround(0.01);
  const upper = upperBound(slowerAtMost, n, errorLevels.pass / 2, prior);
  const lower = lowerBound(slowerAtLeast, n, errorLevels.fail / 2, prior);
  const outcome = judge(lower, upper, 0.01);
  const ms = (value: number | undefined) => (value === undefined ? 'n/a' : `${Math.round(value)} ms`);
  const what = `p99 ${ms(serviceP99)} vs monolith ${ms(monolithP99)} (limit ${ms(threshold)})`;
  const text =
    outcome === 'pass'
      ? `${what}: surely within`
      : outcome === 'fail'
        ? `${what}: surely slower, at least ${shown(pct(lower))} of answers beyond the limit`
        : `${what}: up to ${shown(pct(upper))} of answers may be beyond the limit, 1% allowed`;
  return {
    gate: 'latency.p99Increase',
    outcome,
    limit: increase * 100,
    observed: serviceP99 === undefined ? undefined : pct(serviceP99 / monolithP99 - 1),
    lower: pct(lower),
    upper: pct(upper),
    samples: n,
    text,
  };
}

/**
 * The gates a step at `share` can judge: with nobody on the service (0%) only the
 * comparisons; with nobody on the monolith (100%) nothing that compares against it.
 */
export function judgeGates(ramp: CompiledRamp, share: number, evidence: StepEvidence): GateResult[] {
  const { errorRate, latency, mismatches } = ramp.gates;
  const results: GateResult[] = [];
  if (share > 0) {
    if (errorRate?.max !== undefined)
      results.push(
        rateGate(
          'errorRate.max',
          evidence.errors.service,
          evidence.requests.service,
          errorRate.max / 100,
          'service 5xx',
        ),
      );
    if (errorRate?.maxIncrease !== undefined && share < 100)
      results.push(increaseGate(evidence, errorRate.maxIncrease / 100));
    if (latency && share < 100) results.push(latencyGate(evidence, latency.p99Increase / 100));
  }
  if (mismatches) {
    const result = rateGate(
      'mismatches.max',
      evidence.mismatched,
      evidence.compared,
      mismatches.max / 100,
      'real mismatches',
    );
    const fields = evidence.fields.slice(0, 5);
    const named = fields.length ? ` in ${fields.map((f) => `${f.field} (${f.differences})`).join(', ')}` : '';
    results.push({ ...result, fields, text: `${result.text}${named}` });
  }
  return results;
}

/**
 * How far a Redis HyperLogLog estimate may be off, relatively, without calling the split
 * broken: its standard error is 0.81% per count, so a share made of two counts is off by about
 * 1.2% (one standard error); this allows four.
 */
export const approximateUsersTolerance = 0.05;

/**
 * Whether the split serves the share it should: a sequential test of the service's share of
 * the step's distinct users when they are counted (the split assigns users, not requests, so
 * a few heavy users must not make it look broken), else of its share of requests (a route
 * with `sticky: none` splits requests). Estimated counts widen the bounds by their error.
 */
export function splitBroken(
  share: number,
  evidence: StepEvidence,
  users?: StepUserCounts,
): { broken: boolean; text: string } {
  const counted = users ?? evidence.requests;
  const what = users ? 'users' : 'requests';
  const k = counted.service;
  const n = counted.service + counted.monolith;
  const observed = n > 0 ? k / n : 0;
  const text = `${users?.approximate ? 'about ' : ''}${k} of ${n} ${what} on the service side (${shown(pct(observed))}, expected ${shown(share)})`;
  if (share <= 0 || share >= 100 || n === 0) return { broken: false, text };
  const expected = share / 100;
  const prior = priorAround(expected);
  const slack = users?.approximate ? approximateUsersTolerance : 0;
  const broken =
    expected < lowerBound(k, n, errorLevels.split, prior) * (1 - slack) ||
    expected > upperBound(k, n, errorLevels.split, prior) * (1 + slack);
  return { broken, text };
}

/** A 5xx share over one interval so high that no step's evidence is awaited. */
export function criticalBreach(
  critical: number,
  window: { requests: number; errors: number },
): { breached: boolean; text: string } {
  const lower = lowerBound(window.errors, window.requests, errorLevels.critical, priorAround(critical / 100));
  return {
    breached: lower * 100 > critical,
    text: `service 5xx ${window.errors} of ${window.requests} in the last interval, above the ${shown(critical)} ceiling`,
  };
}
