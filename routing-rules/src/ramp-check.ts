import { parseDuration } from './duration.ts';
import { pointer } from './positions.ts';
import type { LocatedProblem, RulesDocument } from './validate.ts';

type RouteDocument = RulesDocument['routes'][number];

/** `1%` -> 1. The schema has checked the spelling. */
export function shareOf(text: string): number {
  return Number(text.slice(0, -1));
}

/**
 * What a ramp must make sense of before the gateway follows it: a service to send the share
 * to, steps that only rise above the floor, gates that can be judged on every step they
 * apply to, and approvals that name a step. Each problem says how to fix it.
 */
export function rampProblems(route: RouteDocument, index: number): LocatedProblem[] {
  const ramp = route.ramp!;
  const at = (...field: (string | number)[]) => pointer(['routes', index, 'ramp', ...field]);
  const problems: LocatedProblem[] = [];
  if (route.service === undefined) {
    problems.push({ message: 'a ramp needs a "service" whose share it raises', path: at() });
    return problems;
  }
  ramp.steps.forEach((step, i) => {
    if (Math.abs(step * 100 - Math.round(step * 100)) > 1e-6)
      problems.push({ message: 'a step takes at most two decimals', path: at('steps', i) });
    if (i > 0 && step <= ramp.steps[i - 1]!)
      problems.push({
        message: `steps must increase: ${step} comes after ${ramp.steps[i - 1]}`,
        path: at('steps', i),
      });
    if (step <= route.percent && !(step === 0 && route.percent === 0))
      problems.push({
        message: `step ${step} is not above the floor (percent: ${route.percent}); it would never change the share`,
        path: at('steps', i),
      });
  });
  const gates = ramp.gates;
  const judged = Object.values(gates).some(
    (gate) => gate !== undefined && Object.keys(gate).some((name) => name !== 'critical'),
  );
  if (!judged)
    problems.push({
      message:
        'a ramp without a gate would promote on time alone: give gates errorRate, latency or mismatches',
      path: at('gates'),
    });
  const shadowed = (route.shadow ?? 0) > 0;
  // A step no gate can judge would pass on time alone: at 0% only the comparisons speak, at
  // 100% nothing that compares against the monolith (it gets no traffic) does.
  if (judged) {
    ramp.steps.forEach((step, i) => {
      const applies =
        (gates.mismatches !== undefined && shadowed) ||
        (step > 0 && gates.errorRate?.max !== undefined) ||
        (step > 0 &&
          step < 100 &&
          (gates.errorRate?.maxIncrease !== undefined || gates.latency !== undefined));
      // A mismatches gate without shadow is reported on its own, below.
      if (!applies && step > 0 && !(gates.mismatches && !shadowed))
        problems.push({
          message: `no gate can judge the ${step}% step${step === 100 ? ': at 100% the monolith gets no traffic to compare with' : ''} (add errorRate.max or mismatches)`,
          path: at('steps', i),
        });
    });
  }
  if (gates.mismatches && !shadowed)
    problems.push({
      message: 'the mismatches gate reads shadow comparisons: set "shadow" on the route, or drop the gate',
      path: at('gates', 'mismatches'),
    });
  if (ramp.steps[0] === 0) {
    if (!shadowed || !gates.mismatches)
      problems.push({
        message:
          'a 0% step sends no user to the service: only shadow comparisons can pass it (set "shadow" and gates.mismatches)',
        path: at('steps', 0),
      });
  }
  const intervalMs = parseDuration(ramp.interval);
  if (intervalMs < 1000) problems.push({ message: 'interval must be 1s or more', path: at('interval') });
  if (parseDuration(ramp.minDuration) < intervalMs)
    problems.push({
      message: 'minDuration is shorter than the interval: a step would be judged once at most',
      path: at('minDuration'),
    });
  if (parseDuration(ramp.maxDuration) <= parseDuration(ramp.minDuration))
    problems.push({ message: 'maxDuration must be longer than minDuration', path: at('maxDuration') });
  const errorRate = gates.errorRate;
  if (
    errorRate?.max !== undefined &&
    errorRate.critical !== undefined &&
    shareOf(errorRate.critical) <= shareOf(errorRate.max)
  )
    problems.push({
      message: `critical (${errorRate.critical}) must be above max (${errorRate.max}): it is the ceiling beyond which no evidence is awaited`,
      path: at('gates', 'errorRate', 'critical'),
    });
  (ramp.approve ?? []).forEach((step, i) => {
    if (!ramp.steps.includes(step))
      problems.push({
        message: `approve names ${step}, which is not one of the steps`,
        path: at('approve', i),
      });
  });
  return problems;
}
