import { parseRules } from '@fig/routing-rules';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { compareOptions } from '../../src/shadow/comparison/compare-options.ts';
import { emptyRouteState } from '../../src/shadow/comparison/comparison-store.ts';
import { setCounter } from '../../src/shadow/comparison/field-tallies.ts';
import { registerLabelledComparisons } from '../../src/shadow/plugin/labelled-comparisons-metric.ts';

const compiled = parseRules(`version: 1
upstreams:
  monolith: { url: http://127.0.0.1:3000 }
  inventory: { url: http://127.0.0.1:5003 }
routes:
  - { name: inventory, path: /api/inventory, service: inventory, shadow: 100 }
`);
if (!compiled.ok) throw new Error(JSON.stringify(compiled.problems));
const rules = compiled.rules;

/** 100 comparisons, 40 of which differed only in `updated`, recorded as mismatches before its noise was learnt. */
function state(noiseProbes: number, noiseDifferences: number) {
  const route = emptyRouteState();
  for (const [name, value] of [
    ['compared', 100],
    ['matched', 60],
    ['mismatched', 40],
    ['diff|updated', 40],
    [setCounter(['updated']), 40],
    ['noise_probes', noiseProbes],
    ['noisediff|updated', noiseDifferences],
  ] as const)
    route.counters.set(name, value);
  return new Map([['inventory', route]]);
}

async function scrape(states: ReturnType<typeof state>) {
  const registry = new Registry();
  registerLabelledComparisons(registry, {
    rules: () => rules,
    snapshot: async () => states,
    compareOptions: (route) => compareOptions(route.compare),
  });
  return registry.metrics();
}

describe('fig_shadow_comparisons', () => {
  it('labels every comparison by the noise learnt so far, as the dashboard does', async () => {
    // Before any noise probe: `updated` looks real, its 40 comparisons are mismatches.
    const early = await scrape(state(0, 0));
    expect(early).toContain('fig_shadow_comparisons{route="inventory",outcome="mismatched"} 40');
    // Probes show `updated` differing between two answers of one side as often: noise. The
    // same 40 comparisons now count as noise, and the match rate is 100%.
    const learnt = await scrape(state(50, 20));
    expect(learnt).toContain('fig_shadow_comparisons{route="inventory",outcome="mismatched"} 0');
    expect(learnt).toContain('fig_shadow_comparisons{route="inventory",outcome="noise"} 40');
    expect(learnt).toContain('fig_shadow_comparisons{route="inventory",outcome="matched"} 60');
  });
});
