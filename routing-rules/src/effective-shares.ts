import { assembleRules } from './compile.ts';
import type { CompiledRoute, CompiledRules } from './types.ts';

/**
 * A ramp's current share as its runtime state says (gateway ramp state, Redis or file).
 * `rampId` is the compiled ramp it belongs to: a share left by an older ramp never applies.
 */
export interface RampShare {
  rampId: string;
  /** The ramp's current step, 0..100. */
  percent: number;
}

/**
 * The Redis hash the deciding gateway keeps every ramp's share in (route -> JSON RampShare),
 * for the other replicas and the BFFs to follow.
 */
export const rampSharesKey = 'fig:ramp:shares';

/** A source of ramp shares that changes over time (the BFFs' Redis poller). */
export interface RampShareSource {
  current(): ReadonlyMap<string, RampShare>;
  onChange(listener: () => void): void;
  close(): void;
}

/** The share a route serves: its floor, or the ramp's step when that is higher. */
export function effectivePercent(route: CompiledRoute, share: RampShare | undefined): number {
  if (route.ramp === undefined || share === undefined || share.rampId !== route.ramp.id) return route.percent;
  return Math.max(route.percent, share.percent);
}

/**
 * The rules with each ramped route's split set to max(percent, current step). The decision
 * reads `threshold` as always, so this costs nothing per request: it runs when a ramp moves
 * or the file changes. The same rules object comes back when no share changes anything.
 */
export function withShares(rules: CompiledRules, shares: ReadonlyMap<string, RampShare>): CompiledRules {
  let changed = false;
  const routes = rules.routes.map((route) => {
    const threshold = Math.round(effectivePercent(route, shares.get(route.name)) * 100);
    if (threshold === route.threshold) return route;
    changed = true;
    return Object.freeze({ ...route, threshold });
  });
  return changed ? assembleRules(rules, routes, rules.fallback) : rules;
}
