import { type CompiledRamp, type CompiledRules, effectivePercent } from '@fig/routing-rules';
import type { Evaluation, RampState, RampStatus, Transition } from './ramp-state.ts';

/** One ramp as GET /ramps reports it and the dashboard draws it. Browser-safe types only. */
export interface RampReport {
  route: string;
  path: string;
  service: string;
  /** The floor (the file's `percent`). */
  percent: number;
  /** What the route serves now: max(percent, step). */
  effectivePercent: number;
  plan: Omit<CompiledRamp, 'id'> & { id: string };
  /** `starting` until the deciding replica has begun it. */
  status: RampStatus | 'starting';
  /** Index into `plan.steps`. */
  step: number;
  since?: number;
  /** Time on the current step, ms. */
  onStepMs?: number;
  evaluation?: Evaluation;
  log: Transition[];
}

export interface RampsReport {
  generatedAt: number;
  store: 'redis' | 'file' | 'memory';
  /** This replica holds the lease and decides. */
  leader: boolean;
  ramps: RampReport[];
}

/** Every ramp of the active rules with its state. */
export function rampsReport(
  rules: CompiledRules,
  states: ReadonlyMap<string, RampState>,
  store: RampsReport['store'],
  leader: boolean,
  now: number,
): RampsReport {
  const ramps = rules.routes
    .filter((route) => route.ramp !== undefined)
    .map((route): RampReport => {
      const ramp = route.ramp!;
      const found = states.get(route.name);
      const state = found?.rampId === ramp.id ? found : undefined;
      return {
        route: route.name,
        path: route.path,
        service: route.service!,
        percent: route.percent,
        effectivePercent: effectivePercent(route, state && { rampId: state.rampId, percent: state.share }),
        plan: { ...ramp, steps: [...ramp.steps], approve: [...ramp.approve] },
        status: state?.status ?? 'starting',
        step: state?.step ?? 0,
        since: state?.since,
        onStepMs: state ? now - state.since : undefined,
        evaluation: state?.evaluation,
        log: state?.log ?? [],
      };
    });
  return { generatedAt: now, store, leader, ramps };
}
