// The whole stack started from the files its images would hold, with the images' env: what
// `docker compose up` runs, short of a Docker engine. Ports are 0 here, so the addresses
// compose gives through the shared network are given by URL instead.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type RunningDeployable, spawnDeployable } from '@fig/testing/spawn-deployable';
import { afterAll, describe, expect, it } from 'vitest';
import { stack } from '../../scripts/stack.ts';
import { buildArgsFor, readDockerfile } from '../src/dockerfile.ts';
import { imageLayout } from '../src/image-layout.ts';

const scratch = mkdtempSync(join(tmpdir(), 'fig-image-stack-'));
const running = new Map<string, RunningDeployable>();

afterAll(async () => {
  await Promise.all([...running.values()].map((deployable) => deployable.stop()));
  rmSync(scratch, { recursive: true, force: true });
});

/** Starts a deployable from its image layout with the image's env, plus `env`. */
async function start(name: string, env: Record<string, string> = {}) {
  const deployable = stack.find((d) => d.name === name)!;
  const app = dirname(imageLayout(deployable, join(scratch, name)));
  const imageEnv = readDockerfile(undefined, buildArgsFor(deployable)).runtimeEnv;
  const started = await spawnDeployable(deployable.dir, {
    cwd: app,
    // The image listens on every interface at its documented ports; a test takes any port on loopback.
    env: {
      ...imageEnv,
      HOST: '127.0.0.1',
      PORT: '0',
      INTERNAL_HOST: '127.0.0.1',
      INTERNAL_PORT: '0',
      ADMIN_PORT: '0',
      DATA_DIR: ':memory:',
      ...env,
    },
    timeoutMs: 30_000,
  });
  running.set(name, started);
  return started;
}

describe('the stack from its images', () => {
  // Seven processes start in three waves; on a busy machine that takes a while.
  it(
    'starts every deployable, each ready, and a BFF answers from its subgraphs',
    { timeout: 120_000 },
    async () => {
      const [monolith, inventory, payment] = await Promise.all([
        start('monolith'),
        start('inventory'),
        start('payment'),
      ]);
      const checkout = await start('checkout', {
        MONOLITH_URL: monolith.url,
        MONOLITH_INTERNAL_URL: monolith.internalUrl!,
        INVENTORY_URL: inventory.url,
        PAYMENT_URL: payment.url,
      });
      // Subgraphs answer on each deployable's internal listener.
      const subgraphs = Object.entries({ monolith, inventory, payment, checkout })
        .map(([name, started]) => `${name}=${started.internalUrl}/graphql`)
        .join(',');
      await Promise.all([
        start('bff-web', { SUBGRAPH_URLS: subgraphs }),
        start('bff-mobile', { SUBGRAPH_URLS: subgraphs }),
        start('gateway', { AUTH_JWKS_URL: `${monolith.url}/.well-known/jwks.json` }),
      ]);
      expect([...running.keys()].sort()).toEqual(stack.map((d) => d.name).sort());

      // The web BFF, in production mode, answers from a subgraph started from its image.
      const response = await fetch(`${running.get('bff-web')!.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ products(first: 2) { items { id name } } }' }),
      });
      const body = (await response.json()) as { data?: { products: { items: unknown[] } } };
      expect(response.status).toBe(200);
      expect(body.data?.products.items).toHaveLength(2);
    },
  );
});
