import type { CompiledRamp, CompiledRoute } from './types.ts';

const duration = (ms: number) =>
  ms % 3_600_000 === 0
    ? `${ms / 3_600_000}h`
    : ms % 60_000 === 0
      ? `${ms / 60_000}m`
      : ms % 1000 === 0
        ? `${ms / 1000}s`
        : `${ms}ms`;

/** What a step must show to pass, in words. */
function passConditions(ramp: CompiledRamp, step: number): string[] {
  const { errorRate, latency, mismatches } = ramp.gates;
  const conditions: string[] = [];
  // With no user on the service, only the comparisons say anything.
  if (step > 0) {
    if (errorRate?.max !== undefined) conditions.push(`service 5xx surely below ${errorRate.max}%`);
    if (errorRate?.maxIncrease !== undefined && step < 100)
      conditions.push(`service 5xx surely less than ${errorRate.maxIncrease} points above the monolith's`);
    if (latency && step < 100)
      conditions.push(`service p99 surely within +${latency.p99Increase}% of the monolith's`);
  }
  if (mismatches) conditions.push(`real mismatches surely below ${mismatches.max}% of comparisons`);
  return conditions;
}

/**
 * A ramp step by step, as rules:check prints it: where the share goes, what each step must
 * show, what waits for a person, and what makes it roll back.
 */
export function describeRamp(route: CompiledRoute): string[] {
  const ramp = route.ramp;
  if (ramp === undefined) return [];
  const minimum = (step: number) =>
    `at least ${duration(ramp.minDurationMs)} and ${ramp.minRequests} ${step === 0 ? 'comparisons' : 'requests per side'}, ` +
    `judged every ${duration(ramp.intervalMs)}`;
  const lines = [
    `ramp ${ramp.id} from floor ${route.percent}%: ${ramp.steps.map((step) => `${step}%`).join(' -> ')} (share = max(percent, step))`,
  ];
  ramp.steps.forEach((step, i) => {
    const wait = ramp.approve.includes(step) ? 'waits for approval, then ' : '';
    const what =
      step === 0
        ? 'shadow only: no user is sent to the service'
        : `${step}% of ${route.sticky === 'none' ? 'requests' : 'users'} to ${route.service}`;
    const next = i + 1 < ramp.steps.length ? `${ramp.steps[i + 1]}%` : 'done';
    lines.push(
      `  step ${i + 1}: ${wait}${what}; on to ${next} when ${passConditions(ramp, step).join(', ')} (${minimum(step)})`,
    );
  });
  const critical = ramp.gates.errorRate?.critical;
  lines.push(
    `  a failed gate${critical === undefined ? '' : ` or service 5xx above ${critical}% over an interval (watched even once done)`}: back to ${route.percent}% at once, stopped until the ramp changes or an operator resumes`,
    `  not enough evidence: holds the step; after ${duration(ramp.maxDurationMs)} on one step it holds and notifies`,
  );
  return lines;
}
