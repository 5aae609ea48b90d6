import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { composeSupergraph } from '@fig/federation';
import { type RunningSubgraph, startSubgraph } from '@fig/testing/graphql-subgraph';
import { startTestIdentity, type TestIdentity } from '@fig/testing/test-identity';
import { parseRules, stickyBucket } from '@fig/routing-rules';
import type { FigServer } from '@fig/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';

const link =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@override", "@shareable"])';
const monolithSdl = `${link}
type Query { products(first: Int = 20): [Product!]!  me: String }
type Product @key(fields: "id") { id: ID!  name: String!  stock: Stock  related: [Product!]! }
type Stock @shareable { sku: ID!  available: Int! }`;
const inventorySdl = `${link}
type Product @key(fields: "id") { id: ID!  stock: Stock @override(from: "monolith", label: "inventory") }
type Stock @shareable { sku: ID!  available: Int! }`;

// Fifty products over ten SKUs: the stock fetch sees duplicate keys.
const products = Array.from({ length: 50 }, (_, i) => ({ id: `p${i % 10}`, name: `Product ${i % 10}` }));
const stockFrom = (owner: number) => (product: { id: string }) => ({ sku: product.id, available: owner });

function rulesYaml(percent: number) {
  return `version: 1
upstreams:
  monolith: { url: http://127.0.0.1:1 }
  inventory: { url: http://127.0.0.1:2 }
routes:
  - name: inventory
    path: /api/inventory
    service: inventory
    percent: ${percent}
`;
}

describe('bff-web federation', () => {
  let dir: string;
  let monolith: RunningSubgraph;
  let inventory: RunningSubgraph;
  let app: FigServer;
  let identity: TestIdentity;
  const tokens = new Map<string, string>();
  const rulesPath = () => join(dir, 'routes.yaml');
  const tokenFor = async (user: string) => {
    if (!tokens.has(user)) tokens.set(user, await identity.userToken(user));
    return tokens.get(user)!;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bff-web-'));
    identity = await startTestIdentity();
    monolith = await startSubgraph('monolith', monolithSdl, {
      Query: {
        products: (_: unknown, { first }: { first: number }) => products.slice(0, first),
        me: () => null,
      },
      Product: {
        stock: stockFrom(1),
        related: () => [],
        __resolveReference: (ref: { id: string }) => ({ id: ref.id, name: ref.id }),
      },
    });
    inventory = await startSubgraph('inventory', inventorySdl, {
      Product: { stock: stockFrom(2), __resolveReference: (ref: { id: string }) => ref },
    });
    const composed = composeSupergraph([monolith, inventory]);
    if (!composed.ok) throw new Error(composed.errors.join('\n'));
    writeFileSync(join(dir, 'supergraph.graphql'), composed.supergraphSdl);
    writeFileSync(rulesPath(), rulesYaml(0));
    app = buildApp({
      supergraphPath: join(dir, 'supergraph.graphql'),
      rulesPath: rulesPath(),
      logLevel: 'silent',
      auth: identity,
    });
    await app.ready();
  });

  afterAll(async () => {
    await app?.close();
    await monolith?.close();
    await inventory?.close();
    await identity?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const query = async (text: string, user?: string, variables?: object) => {
    const response = await app.inject({
      method: 'POST',
      url: '/graphql',
      headers: {
        'content-type': 'application/json',
        ...(user ? { authorization: `Bearer ${await tokenFor(user)}` } : {}),
      },
      payload: { query: text, variables },
    });
    return { status: response.statusCode, body: response.json() };
  };

  async function rampTo(percent: number, user: string) {
    writeFileSync(rulesPath(), rulesYaml(percent));
    // The rules watcher reloads asynchronously; wait until the BFF answers with the new share.
    for (let i = 0; i < 100; i++) {
      const { body } = await query('{ products(first: 1) { stock { available } } }', user);
      if (body.data.products[0].stock.available === (percent === 100 ? 2 : 1)) return;
      await sleep(50);
    }
    throw new Error(`rules at ${percent}% never took effect`);
  }

  it('answers a federated query and propagates identity and tracing headers to subgraphs', async () => {
    monolith.calls.length = 0;
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const authorization = `Bearer ${await tokenFor('alice')}`;
    const response = await app.inject({
      method: 'POST',
      url: '/graphql',
      headers: {
        'content-type': 'application/json',
        'x-user-id': 'mallory',
        'x-request-id': 'req-42',
        authorization,
        traceparent,
        cookie: 'session=secret',
      },
      payload: { query: '{ products(first: 2) { id name stock { available } } }' },
    });
    const { status, body } = { status: response.statusCode, body: response.json() };
    expect(status).toBe(200);
    expect(body.data.products).toEqual([
      { id: 'p0', name: 'Product 0', stock: { available: 1 } },
      { id: 'p1', name: 'Product 1', stock: { available: 1 } },
    ]);
    // The user is the token's; the x-user-id a client made up goes nowhere.
    expect(monolith.calls[0].headers).toMatchObject({
      'x-user-id': 'alice',
      'x-request-id': 'req-42',
      authorization,
      traceparent,
    });
    expect(monolith.calls[0].headers.cookie).toBeUndefined();
  });

  it('refuses a bad token, and takes nobody for a bare x-user-id', async () => {
    const forged = await app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { 'content-type': 'application/json', authorization: 'Bearer not.a.token' },
      payload: { query: '{ me }' },
    });
    expect(forged.statusCode).toBe(401);
    expect(forged.json().error.code).toBe('INVALID_TOKEN');
    monolith.calls.length = 0;
    const bare = await app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { 'content-type': 'application/json', 'x-user-id': 'alice' },
      payload: { query: '{ me }' },
    });
    expect(bare.statusCode).toBe(200);
    expect(monolith.calls[0].headers['x-user-id']).toBeUndefined();
    expect(monolith.calls[0].headers.authorization).toBeUndefined();
  });

  it('fetches stock for fifty products in one call with each SKU once', async () => {
    await rampTo(100, 'bob');
    inventory.calls.length = 0;
    const { body } = await query('{ products(first: 50) { id stock { sku available } } }', 'bob');
    expect(body.errors).toBeUndefined();
    expect(body.data.products).toHaveLength(50);
    expect(
      body.data.products.every(
        (p: { id: string; stock: { sku: string; available: number } }) =>
          p.stock.sku === p.id && p.stock.available === 2,
      ),
    ).toBe(true);
    expect(inventory.calls).toHaveLength(1);
    expect(inventory.calls[0].variables.representations).toHaveLength(10);
  });

  it('moves exactly the users whose bucket falls under the new percentage, and only forward', async () => {
    const users = Array.from({ length: 40 }, (_, i) => `user-${i}`);
    const sides = async () => {
      const result: Record<string, number> = {};
      for (const user of users) {
        const { body } = await query('{ products(first: 1) { stock { available } } }', user);
        result[user] = body.data.products[0].stock.available;
      }
      return result;
    };
    const rampAndWait = async (percent: number) => {
      const text = rulesYaml(percent);
      const parsed = parseRules(text);
      if (!parsed.ok) throw new Error('bad test rules');
      writeFileSync(rulesPath(), text);
      // The BFF shows the rules version its decisions follow.
      for (let i = 0; i < 200; i++) {
        if ((await app.internal.inject('/metrics')).body.includes(`version="${parsed.rules.version}"`))
          return;
        await sleep(25);
      }
      throw new Error(`rules at ${percent}% never took effect`);
    };
    await rampAndWait(0);
    expect(Object.values(await sides()).every((owner) => owner === 1)).toBe(true);
    await rampAndWait(35);
    const at35 = await sides();
    for (const user of users) expect(at35[user], user).toBe(stickyBucket('inventory', user) < 3500 ? 2 : 1);
    expect(new Set(Object.values(at35))).toEqual(new Set([1, 2]));
    await rampAndWait(60);
    const at60 = await sides();
    for (const user of users) {
      expect(at60[user], user).toBe(stickyBucket('inventory', user) < 6000 ? 2 : 1);
      if (at35[user] === 2) expect(at60[user], `${user} moved back`).toBe(2);
    }
    expect(Object.values(at60).filter((owner) => owner === 2).length).toBeGreaterThan(
      Object.values(at35).filter((owner) => owner === 2).length,
    );
  });

  it('refuses operations over the limits with a clear error', async () => {
    const nested = (levels: number) =>
      `{ products(first: 1) { ${'related { '.repeat(levels)}id${' }'.repeat(levels)} } }`;
    expect((await query(nested(10))).status).toBe(200);
    const deep = await query(nested(11));
    expect(deep.status).toBe(400);
    expect(deep.body.errors[0].message).toBe('the operation is deeper than the limit of 12 levels');
    const aliases = `{ products(first: 1) { ${Array.from({ length: 31 }, (_, i) => `a${i}: id`).join(' ')} } }`;
    const { status, body } = await query(aliases);
    expect(status).toBe(400);
    expect(body.errors[0].extensions.code).toBe('OPERATION_LIMIT_EXCEEDED');
    expect(body.errors.map((e: { message: string }) => e.message)).toContain(
      'the operation uses more than the limit of 30 aliases (fragments expanded)',
    );
    const tokens = await query(`{ ${'me '.repeat(5001)}}`);
    expect(tokens.status).toBe(400);
    expect(tokens.body.errors[0].extensions.code).toBe('OPERATION_LIMIT_EXCEEDED');
    const roots = await query(
      `{ ${Array.from({ length: 21 }, (_, i) => `r${i}: products(first: 1) { id }`).join(' ')} }`,
    );
    expect(roots.body.errors.map((e: { message: string }) => e.message)).toContain(
      'the operation has more than the limit of 20 root fields (fragments expanded)',
    );
  });

  it('returns partial data with a coded error when a subgraph is down', async () => {
    await rampTo(100, 'carol');
    await inventory.close();
    const { status, body } = await query('{ products(first: 2) { id stock { available } } }', 'carol');
    expect(status).toBe(200);
    expect(body.data.products.map((p: { id: string }) => p.id)).toEqual(['p0', 'p1']);
    expect(body.data.products[0].stock).toBeNull();
    expect(body.errors[0].extensions.code).toBe('SUBGRAPH_UNAVAILABLE');
    expect(JSON.stringify(body.errors)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
  });
});
