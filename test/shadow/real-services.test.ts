import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@fig/platform';
import { skuFor } from '@fig/domain/ids';
import { type RunningDeployable, spawnDeployable } from '@fig/testing/spawn-deployable';
import { fetchServiceToken } from '@fig/testing/test-identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type Gateway } from '../../gateway/src/app.ts';
import { type GatewayConfig, gatewayEnvSchema } from '../../gateway/src/config.ts';
import type { ComparisonsReport } from '../../gateway/src/dashboard/comparisons-report.ts';

// The real monolith and the real inventory service behind the gateway, stock reads shadowed.
let monolith: RunningDeployable;
let inventory: RunningDeployable;
let gateway: Gateway;
let url: string;
let adminUrl: string;
let dir: string;

beforeAll(async () => {
  [monolith, inventory] = await Promise.all([
    spawnDeployable('monolith-stub'),
    spawnDeployable('services/inventory'),
  ]);
  dir = await mkdtemp(join(tmpdir(), 'fig-shadow-real-'));
  const rules = join(dir, 'routes.yaml');
  await writeFile(
    rules,
    `version: 1
upstreams:
  monolith: { url: ${monolith.url} }
  inventory: { url: ${inventory.url} }
defaults: { auth: none }
routes:
  - { name: inventory, path: /api/inventory, service: inventory, percent: 0, shadow: 100, compare: { showValues: [reserved, available] } }
`,
  );
  const config = loadConfig<GatewayConfig>(gatewayEnvSchema, {
    PORT: '0',
    ADMIN_PORT: '0',
    LOG_LEVEL: 'silent',
    ROUTING_RULES: rules,
    AUTH_JWKS_URL: `${monolith.url}/.well-known/jwks.json`,
  });
  gateway = buildApp(config);
  url = await gateway.app.listen({ port: 0, host: '127.0.0.1' });
  adminUrl = await gateway.admin.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await gateway?.app.close();
  await gateway?.admin.close();
  await Promise.all([monolith?.stop(), inventory?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function inventoryRoute(done: (route: ComparisonsReport['routes'][number]) => boolean) {
  for (;;) {
    const report = (await (await fetch(`${adminUrl}/comparisons`)).json()) as ComparisonsReport;
    const route = report.routes.find((candidate) => candidate.name === 'inventory')!;
    if (done(route)) return route;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const read = async (sku: string) => (await fetch(`${url}/api/inventory/${sku}`)).arrayBuffer();

describe('shadowing the real monolith and inventory service', () => {
  it('finds them in agreement on stock, then shows the drift a reservation on one side causes', async () => {
    for (let i = 1; i <= 20; i++) await read(skuFor(i));
    await read('NOPE');
    const agreed = await inventoryRoute((route) => route.comparisons.compared === 21);
    expect(agreed.comparisons).toMatchObject({ matched: 21, mismatched: 0 });

    // Stock reserved on the monolith only (as the checkout saga would): the sides now disagree.
    const reserved = await fetch(`${monolith.url}/api/inventory/reservations`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await fetchServiceToken(monolith.url)}`,
      },
      body: JSON.stringify({ items: [{ sku: skuFor(3), quantity: 2 }], ttl_seconds: 600 }),
    });
    expect(reserved.status).toBe(201);
    for (let i = 0; i < 5; i++) await read(skuFor(3));
    const drifted = await inventoryRoute((route) => route.comparisons.compared === 26);
    expect(drifted.comparisons).toMatchObject({ matched: 21, mismatched: 5 });
    const fields = Object.fromEntries(drifted.fields.map((field) => [field.field, field]));
    expect(fields['body.available']).toMatchObject({ verdict: 'real', differences: 5 });
    expect(fields['body.reserved'].examples[0]).toMatchObject({ left: 2, right: 0, leftSide: 'monolith' });
    expect(drifted.verdict.state).toBe('hold');
  });
});
