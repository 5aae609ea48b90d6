import { composeSupergraph } from '@fig/federation';
import type { FigServer } from '@fig/platform';
import { type RunningSubgraph, startSubgraph } from '@fig/testing/graphql-subgraph';
import { startRedisServer, type RunningRedis } from '@fig/testing/redis-server';
import { startTestIdentity, type TestIdentity } from '@fig/testing/test-identity';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp as buildWeb } from '../../bff-web/src/app.ts';
import { type RunningGateway, startGateway } from '../../gateway/test/gateway-harness.ts';
import { act, rampOf, rampRules, startUpstreams, type Upstreams, waitFor } from './ramp-harness.ts';

// The web BFF moves Product.stock with the label `inventory`: the route the ramp raises.
const link =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@override", "@shareable"])';
const monolithSdl = `${link}
type Query { products(first: Int = 20): [Product!]! }
type Product @key(fields: "id") { id: ID!  stock: Stock }
type Stock @shareable { sku: ID!  available: Int! }`;
const inventorySdl = `${link}
type Product @key(fields: "id") { id: ID!  stock: Stock @override(from: "monolith", label: "inventory") }
type Stock @shareable { sku: ID!  available: Int! }`;
const stockFrom = (owner: number) => (product: { id: string }) => ({ sku: product.id, available: owner });

let redis: RunningRedis;
let upstreams: Upstreams;
let identity: TestIdentity;
let monolith: RunningSubgraph;
let inventory: RunningSubgraph;
let gateway: RunningGateway;
let web: FigServer;
let dir: string;

beforeAll(async () => {
  [redis, upstreams, identity] = await Promise.all([
    startRedisServer(),
    startUpstreams(),
    startTestIdentity(),
  ]);
  monolith = await startSubgraph('monolith', monolithSdl, {
    Query: { products: () => [{ id: 'p1' }] },
    Product: { stock: stockFrom(1), __resolveReference: (ref: { id: string }) => ref },
  });
  inventory = await startSubgraph('inventory', inventorySdl, {
    Product: { stock: stockFrom(2), __resolveReference: (ref: { id: string }) => ref },
  });
  const composed = composeSupergraph([monolith, inventory]);
  if (!composed.ok) throw new Error(composed.errors.join('\n'));
  dir = mkdtempSync(join(tmpdir(), 'fig-ramp-bff-'));
  writeFileSync(join(dir, 'supergraph.graphql'), composed.supergraphSdl);
  // A one-step ramp: it serves 50% as soon as it starts.
  gateway = await startGateway(
    rampRules(upstreams, `steps: [50]\nminDuration: 1h\nmaxDuration: 2h\ngates: { errorRate: { max: 1% } }`),
    { REDIS_URL: redis.url, RAMP_TICK_MS: '200' },
  );
  web = buildWeb({
    supergraphPath: join(dir, 'supergraph.graphql'),
    rulesPath: gateway.rulesFile,
    redisUrl: redis.url,
    logLevel: 'silent',
    auth: identity,
  });
  await web.ready();
});

afterAll(async () => {
  await web?.close();
  await gateway?.close();
  await Promise.all([
    monolith?.close(),
    inventory?.close(),
    identity?.close(),
    upstreams?.close(),
    redis?.stop(),
  ]);
  rmSync(dir, { recursive: true, force: true });
});

const users = Array.from({ length: 60 }, (_, i) => `client-${i}`);

/** Per user: true when the service answers them, over REST (through the gateway) and over GraphQL. */
async function sides() {
  const rest: boolean[] = [];
  const graphql: boolean[] = [];
  for (const user of users) {
    const response = await fetch(`${gateway.url}/api/inventory/A-1`, { headers: { 'x-client-id': user } });
    await response.arrayBuffer();
    rest.push(response.headers.get('x-served-by') === 'inventory');
    const answer = await web.inject({
      method: 'POST',
      url: '/graphql',
      headers: { 'content-type': 'application/json', 'x-client-id': user },
      payload: { query: '{ products(first: 1) { stock { available } } }' },
    });
    graphql.push(answer.json().data.products[0].stock.available === 2);
  }
  return { rest, graphql };
}

// Real time passes on each step: generous limits, for a machine busy with other suites.
describe('the BFFs follow a ramp', { timeout: 90_000 }, () => {
  it('serve each user the side the gateway does while the ramp moves, not the file’s percent', async () => {
    await waitFor('the ramp at 50%', async () => (await rampOf(gateway.adminUrl)).effectivePercent === 50);
    const at50 = await waitFor('the BFF to follow', async () => {
      const seen = await sides();
      return JSON.stringify(seen.graphql) === JSON.stringify(seen.rest) && seen;
    });
    // Half or so of them on the service, on both APIs alike (the file's percent is 0).
    expect(at50.rest.filter(Boolean).length).toBeGreaterThan(15);
    expect(at50.rest.filter(Boolean).length).toBeLessThan(45);

    expect((await act(gateway.adminUrl, 'inventory', 'abort')).status).toBe(200);
    const back = await waitFor('everyone back on the monolith, GraphQL included', async () => {
      const seen = await sides();
      return seen.graphql.every((on) => !on) && seen.rest.every((on) => !on) && seen;
    });
    expect(back.rest).toEqual(back.graphql);
  });
});
