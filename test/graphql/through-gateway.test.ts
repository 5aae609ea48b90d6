import { setTimeout as sleep } from 'node:timers/promises';
import { type SubgraphStack, startSubgraphStack } from '@fig/testing/subgraph-stack';
import { stickyBucket } from '@fig/routing-rules';
import type { FigServer } from '@fig/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp as buildMobile, defaultDocumentsPath } from '../../bff-mobile/src/app.ts';
import { buildApp as buildWeb } from '../../bff-web/src/app.ts';
import { type RunningGateway, startGateway } from '../../gateway/test/gateway-harness.ts';
import { eventually } from '@fig/testing/eventually';

// The whole path a client takes: gateway (auth, rate limits, routing) -> BFF -> subgraphs,
// every part real; the gateway and both BFFs read one routes.yaml.
let stack: SubgraphStack;
let gateway: RunningGateway;
let web: FigServer;
let mobile: FigServer;
let webUrl: string;
let mobileUrl: string;
let internalUrls: string[];

function rules(percents: { inventory: number; carts: number }) {
  const bffs = webUrl ? `  bff-web: { url: '${webUrl}' }\n  bff-mobile: { url: '${mobileUrl}' }\n` : '';
  const routes = webUrl
    ? `  - { name: web-graphql, path: /web/graphql, upstream: bff-web, auth: optional }
  - { name: mobile-graphql, path: /mobile/graphql, upstream: bff-mobile, auth: optional }\n`
    : '';
  return `version: 1
upstreams:
  monolith: { url: '${stack.urls.monolith}' }
  inventory: { url: '${stack.urls.inventory}' }
  checkout: { url: '${stack.urls.checkout}' }
  payment: { url: '${stack.urls.payment}' }
${bffs}defaults: { auth: required, rateLimit: { max: 100000 } }
routes:
  - { name: auth, path: /auth, auth: none }
  - { name: inventory, path: /api/inventory, service: inventory, percent: ${percents.inventory} }
  - { name: carts, path: /api/carts, service: checkout, percent: ${percents.carts} }
  - { name: checkout, path: /api/checkout, service: checkout, percent: ${percents.carts} }
  - { name: payments, path: /api/payments, service: payment, percent: 0 }
${routes}`;
}

/** Waits until both BFFs follow the rules version the gateway just loaded. */
async function waitForBffRules(version: string) {
  for (let i = 0; i < 250; i++) {
    const texts = await Promise.all(internalUrls.map(async (url) => (await fetch(`${url}/metrics`)).text()));
    if (texts.every((text) => text.includes(`bff_routing_rules_info{version="${version}"`))) return;
    await sleep(20);
  }
  throw new Error(`the BFFs never loaded rules ${version}`);
}

beforeAll(async () => {
  stack = await startSubgraphStack();
  gateway = await startGateway(rules({ inventory: 0, carts: 100 }), {
    AUTH_JWKS_URL: `${stack.urls.monolith}/.well-known/jwks.json`,
    AUTH_ISSUER: 'http://127.0.0.1:3000',
    AUTH_AUDIENCE: 'fig',
  });
  const common = {
    rulesPath: gateway.rulesFile,
    subgraphUrls: stack.subgraphUrls,
    auth: stack.auth,
    logLevel: 'silent',
  };
  web = buildWeb(common);
  mobile = buildMobile({ ...common, documentsPath: defaultDocumentsPath, registeredOnly: true });
  webUrl = await web.listen({ port: 0, host: '127.0.0.1' });
  mobileUrl = await mobile.listen({ port: 0, host: '127.0.0.1' });
  internalUrls = await Promise.all(
    [web, mobile].map((bff) => bff.internal.listen({ port: 0, host: '127.0.0.1' })),
  );
  const view = await gateway.updateRules(rules({ inventory: 0, carts: 100 }));
  await waitForBffRules(view.version);
});

afterAll(async () => {
  await gateway?.close();
  await web?.close();
  await mobile?.close();
  await stack?.close();
});

async function login(username: string) {
  const response = await fetch(`${gateway.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'password' }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

async function graphql(path: string, payload: object, token?: string) {
  const response = await fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(payload),
  });
  return {
    status: response.status,
    servedBy: response.headers.get('x-served-by'),
    body: (await response.json()) as any,
  };
}

/** Subgraph fetches bff-web made to `subgraph` so far (from its own metrics). */
async function fetchesTo(subgraph: string) {
  const text = await (await fetch(`${internalUrls[0]}/metrics`)).text();
  return text
    .split('\n')
    .filter(
      (line) =>
        line.startsWith('bff_subgraph_request_duration_seconds_count') &&
        line.includes(`subgraph="${subgraph}"`),
    )
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

describe('GraphQL through the gateway', () => {
  it('never reaches a subgraph: /graphql finds no route behind the edge or on the backends’ public ports', async () => {
    const token = await login('alice');
    // Another user's cart, looked up as an entity: what an exposed subgraph would hand out.
    const lookup = {
      query: 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Cart { id totalCents } } }',
      variables: { r: [{ __typename: 'Cart', id: 'cart_someone_else' }] },
    };
    for (const path of ['/graphql', '/GraphQL', '/graphql/']) {
      const viaEdge = await graphql(path, lookup, token);
      expect([path, viaEdge.status, viaEdge.body.data]).toEqual([path, 404, undefined]);
    }
    // The edge sends what it matches no route for to the monolith's public port; nothing is there.
    for (const url of Object.values(stack.urls)) {
      const direct = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(lookup),
      });
      expect([url, direct.status, ((await direct.json()) as any).error.code]).toEqual([
        url,
        404,
        'NOT_FOUND',
      ]);
    }
    // The same lookup on the monolith's internal listener is answered, for the owner only.
    const internal = await fetch(`${stack.internalUrls.monolith}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(lookup),
    });
    expect(((await internal.json()) as any).data._entities).toEqual([null]);
  });

  it('serves web queries with the caller identity from the verified token', async () => {
    const token = await login('alice');
    const { status, servedBy, body } = await graphql(
      '/web/graphql',
      {
        query:
          '{ me { username name } products(first: 3) { items { id name priceCents stock { available } } } }',
      },
      token,
    );
    expect(status).toBe(200);
    expect(servedBy).toBe('bff-web');
    expect(body.errors).toBeUndefined();
    expect(body.data.me).toEqual({ username: 'alice', name: 'Alice Archer' });
    expect(body.data.products.items).toHaveLength(3);
    const anonymous = await graphql('/web/graphql', { query: '{ me { name } }' });
    expect(anonymous.body.data.me).toBeNull();
    const forged = await fetch(`${gateway.url}/web/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-user-id': 'usr_alice' },
      body: JSON.stringify({ query: '{ me { name } }' }),
    });
    expect(((await forged.json()) as any).data.me).toBeNull();
  });

  it('checks out through GraphQL: cart, items, checkout, then the order is the caller’s', async () => {
    const token = await login('bob');
    const created = await graphql('/web/graphql', { query: 'mutation { createCart { id } }' }, token);
    const cartId = created.body.data.createCart.id;
    const add =
      'mutation($c: ID!, $s: ID!, $q: Int!) { addToCart(cartId: $c, sku: $s, quantity: $q) { totalCents items { sku quantity } } }';
    await graphql('/web/graphql', { query: add, variables: { c: cartId, s: 'SKU-0003', q: 2 } }, token);
    const cart = await graphql(
      '/web/graphql',
      { query: `{ cart(id: "${cartId}") { items { sku quantity product { name } } totalCents } }` },
      token,
    );
    expect(cart.body.data.cart.items).toEqual([
      { sku: 'SKU-0003', quantity: 2, product: { name: expect.any(String) } },
    ]);
    const checkout = await graphql(
      '/web/graphql',
      {
        query: `mutation($c: ID!, $a: AddressInput!) { checkout(cartId: $c, paymentMethod: "pm_card_visa", shippingAddress: $a) { orderId status totalCents } }`,
        variables: {
          c: cartId,
          a: { name: 'Bob', line1: '2 Side St', city: 'Shelbyville', postalCode: '54321', country: 'US' },
        },
      },
      token,
    );
    expect(checkout.body.errors).toBeUndefined();
    expect(checkout.body.data.checkout.totalCents).toBe(cart.body.data.cart.totalCents);
    // Where the monolith answers for orders, it learns of this one just after the checkout answered.
    const orders = await eventually(
      () => graphql('/web/graphql', { query: '{ me { orders { id totalCents } } }' }, token),
      (answer) =>
        answer.body.data?.me?.orders?.some(
          (order: { id: string }) => order.id === checkout.body.data.checkout.orderId,
        ) === true,
    );
    expect(orders.body.data.me.orders).toContainEqual({
      id: checkout.body.data.checkout.orderId,
      totalCents: checkout.body.data.checkout.totalCents,
    });
  });

  it('serves the mobile home screen by trusted document id, and nothing free-form', async () => {
    const token = await login('alice');
    const manifest = (await import(defaultDocumentsPath, { with: { type: 'json' } })).default as {
      operations: { id: string; name: string }[];
    };
    const id = manifest.operations.find((operation) => operation.name === 'HomeScreen')!.id;
    const home = await graphql('/mobile/graphql', { documentId: `sha256:${id}`, variables: {} }, token);
    expect(home.servedBy).toBe('bff-mobile');
    expect(home.body.errors).toBeUndefined();
    expect(home.body.data.homeScreen.featured).toHaveLength(4);
    expect(home.body.data.homeScreen.cartItemCount).toBe(0);
    const free = await graphql('/mobile/graphql', { query: '{ me { name } }' }, token);
    expect(free.status).toBe(400);
    expect(free.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_REQUIRED');
  });

  it('gives each user the same side over REST and GraphQL as the route ramps', async () => {
    // At 20 % bob's bucket (738) is on the service and alice's (3805) on the monolith.
    const users = ['alice', 'bob'];
    const tokens = Object.fromEntries(
      await Promise.all(users.map(async (u) => [u, await login(u)] as const)),
    );
    const subject = (user: string) => `usr_${user}`;
    const sides = new Set<string>();
    const view = await gateway.updateRules(rules({ inventory: 20, carts: 100 }));
    await waitForBffRules(view.version);
    for (const user of users) {
      const rest = await fetch(`${gateway.url}/api/inventory/SKU-0001`, {
        headers: { authorization: `Bearer ${tokens[user]}` },
      });
      const expected = stickyBucket('inventory', subject(user)) < 2000 ? 'inventory' : 'monolith';
      expect(rest.headers.get('x-served-by'), user).toBe(expected);
      const before = await fetchesTo('inventory');
      const gql = await graphql(
        '/web/graphql',
        { query: '{ product(id: "prd_0001") { stock { available } } }' },
        tokens[user],
      );
      expect(gql.body.data.product.stock.available).toEqual(expect.any(Number));
      expect((await fetchesTo('inventory')) - before, user).toBe(expected === 'inventory' ? 1 : 0);
      sides.add(expected);
    }
    expect(sides).toEqual(new Set(['inventory', 'monolith']));
  });

  it('fetches stock for fifty products with one call to the owning subgraph', async () => {
    const view = await gateway.updateRules(rules({ inventory: 100, carts: 100 }));
    await waitForBffRules(view.version);
    const before = await fetchesTo('inventory');
    const { body } = await graphql('/web/graphql', {
      query: '{ products(first: 50) { items { id stock { available } } } }',
    });
    expect(body.errors).toBeUndefined();
    expect(body.data.products.items).toHaveLength(50);
    expect(body.data.products.items.every((p: any) => typeof p.stock.available === 'number')).toBe(true);
    expect((await fetchesTo('inventory')) - before).toBe(1);
  });

  it('answers with partial data and coded errors when a subgraph is down', async () => {
    await stack.stop('inventory');
    const { status, body } = await graphql('/web/graphql', {
      query: '{ products(first: 2) { items { id name stock { available } } } }',
    });
    expect(status).toBe(200);
    expect(body.data.products.items.map((p: any) => p.name)).toEqual([
      expect.any(String),
      expect.any(String),
    ]);
    expect(body.data.products.items[0].stock).toBeNull();
    expect(body.errors[0].extensions.code).toBe('SUBGRAPH_UNAVAILABLE');
  });
});
