import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Recorder } from './observe.ts';
import { scenarios } from './scenarios.ts';
import { type ParityTargets, resolveTargets, type RouteName } from './targets.ts';

// The contract gate: each scenario runs against the monolith and against the extracted
// services, and a client must not be able to tell the two apart. docs/parity.md says how to
// point it at a deployment.
const selected = process.env.PARITY_ROUTES?.split(',').map((route) => route.trim()) as
  RouteName[] | undefined;

let targets: ParityTargets;

beforeAll(async () => {
  targets = await resolveTargets();
}, 60_000);

afterAll(async () => {
  await targets?.close();
});

describe('parity between the monolith and the extracted services', () => {
  it('documents every service operation exactly as the monolith does (OpenAPI)', async () => {
    const document = async (base: string) => {
      const response = await fetch(`${base}/openapi.json`);
      expect(response.status).toBe(200);
      return (await response.json()) as { paths: Record<string, Record<string, unknown>> };
    };
    const monolith = await document(targets.monolith.baseUrl('inventory'));
    const routes: RouteName[] = ['inventory', 'payments', 'carts', 'checkout'];
    const services = new Set(
      routes
        .filter((route) => !selected || selected.includes(route))
        .map((route) => targets.services.baseUrl(route)),
    );
    let compared = 0;
    for (const base of services) {
      const service = await document(base);
      for (const [path, operations] of Object.entries(service.paths)) {
        for (const [method, operation] of Object.entries(operations)) {
          expect({ path, method, operation: monolith.paths[path]?.[method] }).toEqual({
            path,
            method,
            operation,
          });
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(0);
  });

  for (const scenario of scenarios) {
    const run = !selected || selected.includes(scenario.route) ? it : it.skip;
    run(`${scenario.route}: ${scenario.name}`, async () => {
      const monolith = new Recorder(targets.monolith, targets.identity);
      await scenario.run(monolith);
      const services = new Recorder(targets.services, targets.identity);
      await scenario.run(services);
      expect(monolith.observations.length).toBeGreaterThan(0);
      expect(services.observations).toEqual(monolith.observations);
    });
  }
});
