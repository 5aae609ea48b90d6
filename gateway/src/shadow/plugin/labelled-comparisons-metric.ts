import type { CompiledRules } from '@fig/routing-rules';
import { Gauge, type Registry } from 'prom-client';
import type { CompareOptions } from '../comparison/compare-options.ts';
import type { RouteState } from '../comparison/comparison-store.ts';
import { fieldVerdicts, outcomes } from '../comparison/field-tallies.ts';

export interface LabelledComparisonsSource {
  rules: () => CompiledRules;
  /** Every route's comparison state (the fleet's when shared through Redis). */
  snapshot: () => Promise<Map<string, RouteState>>;
  compareOptions: (route: CompiledRules['routes'][number]) => CompareOptions;
}

/**
 * `fig_shadow_comparisons`: every route's comparisons since its last reset, labelled at each
 * scrape by the noise learnt so far, as the dashboard and the ramps count them. The counter
 * `fig_shadow_comparisons_total` keeps the label each comparison had when it was recorded (a
 * counter only goes up; relabelling moves comparisons from mismatched to noise). The counts
 * are the whole fleet's when comparisons are shared through Redis, so every replica reports
 * the same numbers: aggregate with `max`, not `sum`.
 */
export function registerLabelledComparisons(registry: Registry, source: LabelledComparisonsSource): Gauge {
  return new Gauge({
    name: 'fig_shadow_comparisons',
    help: 'Comparisons since the last reset by route and outcome, labelled by the noise learnt so far (fleet-wide with Redis: aggregate with max)',
    labelNames: ['route', 'outcome'],
    registers: [registry],
    async collect() {
      const states = await source.snapshot();
      this.reset();
      for (const route of source.rules().routes) {
        const counters = states.get(route.name)?.counters;
        if (!counters?.get('compared')) continue;
        const labelled = outcomes(counters, fieldVerdicts(counters, source.compareOptions(route)));
        for (const outcome of ['matched', 'noise', 'mismatched'] as const)
          this.set({ route: route.name, outcome }, labelled[outcome]);
      }
    },
  });
}
