import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type SubgraphStack, startSubgraphStack } from '@fig/testing/subgraph-stack';
import { loginToken } from '@fig/testing/test-identity';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchDirPerSuite } from '@fig/testing/scratch-dir';
import { buildApp, defaultDocumentsPath } from '../src/app.ts';
import { type DocumentManifest, sha256 } from '../src/trusted-documents.ts';
import { eventually } from '@fig/testing/eventually';

const manifest = JSON.parse(readFileSync(defaultDocumentsPath, 'utf8')) as DocumentManifest;
const idOf = (name: string) => manifest.operations.find((operation) => operation.name === name)!.id;

const rules = `version: 1
upstreams:
  monolith: { url: http://127.0.0.1:1 }
  checkout: { url: http://127.0.0.1:2 }
  inventory: { url: http://127.0.0.1:3 }
routes:
  - { name: inventory, path: /api/inventory, service: inventory, percent: 100 }
  - { name: carts, path: /api/carts, service: checkout, percent: 100 }
  - { name: checkout, path: /api/checkout, service: checkout, percent: 100 }
`;

describe('bff-mobile', () => {
  let stack: SubgraphStack;
  let app: FastifyInstance;
  const dir = scratchDirPerSuite('bff-mobile-');

  beforeAll(async () => {
    writeFileSync(join(dir, 'routes.yaml'), rules);
    writeFileSync(join(dir, 'documents.json'), JSON.stringify(manifest));
    stack = await startSubgraphStack();
    app = buildApp({
      rulesPath: join(dir, 'routes.yaml'),
      documentsPath: join(dir, 'documents.json'),
      subgraphUrls: stack.subgraphUrls,
      auth: stack.auth,
      registeredOnly: true,
      logLevel: 'silent',
    });
    await app.ready();
  });

  afterAll(async () => {
    await app?.close();
    await stack?.close();
  });

  const tokens = new Map<string, string>();
  // Users sign in at the monolith like a client does; `usr_alice` is `alice`.
  const tokenOf = async (user: string) => {
    if (!tokens.has(user)) tokens.set(user, await loginToken(stack.urls.monolith, user.replace(/^usr_/, '')));
    return tokens.get(user)!;
  };
  const post = async (payload: object, user = 'usr_alice') => {
    const response = await app.inject({
      method: 'POST',
      url: '/mobile/graphql',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await tokenOf(user)}` },
      payload,
    });
    return { status: response.statusCode, body: response.json() };
  };
  const run = (name: string, variables: object = {}, user?: string) =>
    post({ documentId: `sha256:${idOf(name)}`, variables }, user);

  it('refuses free-form queries and unknown ids with clear errors', async () => {
    const free = await post({ query: '{ me { id } }' });
    expect(free.status).toBe(400);
    expect(free.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_REQUIRED');
    const unknown = await post({ documentId: 'sha256:0000' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0]).toEqual({
      message: 'no registered operation has the id "sha256:0000"',
      extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' },
    });
  });

  it('runs registered operations by id, also as Apollo persisted-query hashes and over GET', async () => {
    const product = await run('Product', { id: 'prd_0001' });
    expect(product.body.data.product).toMatchObject({ id: 'prd_0001', name: expect.any(String) });
    const apollo = await post({
      variables: { id: 'prd_0002' },
      extensions: { persistedQuery: { version: 1, sha256Hash: idOf('Product') } },
    });
    expect(apollo.body.data.product.id).toBe('prd_0002');
    const variables = encodeURIComponent(JSON.stringify({ id: 'prd_0003' }));
    const get = await app.inject({
      method: 'GET',
      url: `/mobile/graphql?documentId=${idOf('Product')}&variables=${variables}`,
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(get.json().data.product.id).toBe('prd_0003');
  });

  it('answers the home screen in one request, filled from the owners, after a checkout through GraphQL', async () => {
    const cart = await run('CreateCart');
    const cartId = cart.body.data.createCart.id;
    await run('AddToCart', { cartId, sku: 'SKU-0001', quantity: 2 });
    const added = await run('AddToCart', { cartId, sku: 'SKU-0002', quantity: 1 });
    expect(added.body.data.addToCart.items).toHaveLength(2);

    const before = await run('HomeScreen', { cartId });
    expect(before.body.errors).toBeUndefined();
    expect(before.body.data.homeScreen.cartItemCount).toBe(3);
    expect(before.body.data.homeScreen.featured).toHaveLength(4);
    for (const product of before.body.data.homeScreen.featured) {
      expect(product.name).toEqual(expect.any(String));
      expect(product.stock.available).toEqual(expect.any(Number));
    }

    const checkout = await run('Checkout', {
      cartId,
      paymentMethod: 'pm_card_visa',
      shippingAddress: {
        name: 'Alice',
        line1: '1 Main St',
        city: 'Springfield',
        postalCode: '12345',
        country: 'US',
      },
    });
    expect(checkout.body.errors).toBeUndefined();
    const orderId = checkout.body.data.checkout.orderId;
    const activeOrder = (answer: Awaited<ReturnType<typeof run>>) =>
      answer.body.data.homeScreen.activeOrders.find((o: { id: string }) => o.id === orderId);
    // The monolith learns of an order the checkout service placed from its outbox, just after
    // the checkout answered.
    const after = await eventually(
      () => run('HomeScreen', {}),
      (answer) => activeOrder(answer) !== undefined,
    );
    expect(after.body.data.homeScreen.cartItemCount).toBe(0);
    const order = activeOrder(after);
    expect(order).toMatchObject({ id: orderId, totalCents: checkout.body.data.checkout.totalCents });
  });

  it('picks up a changed registry without a restart', async () => {
    const body = 'query Hello { me { name } }';
    const next = {
      ...manifest,
      operations: [...manifest.operations, { id: sha256(body), name: 'Hello', type: 'query', body }],
    };
    writeFileSync(join(dir, 'documents.json'), JSON.stringify(next));
    let result: Awaited<ReturnType<typeof post>> | undefined;
    for (let i = 0; i < 100; i++) {
      result = await post({ documentId: sha256(body) });
      if (result.status === 200) break;
      await sleep(50);
    }
    expect(result?.body.data).toEqual({ me: { name: 'Alice Archer' } });
  });

  it('applies the operation limits to registered documents too', async () => {
    // A registry is a build artefact, not a proof of good behaviour: a fragment bomb that got
    // into one is refused by id exactly as it would be sent in full.
    const levels = Array.from(
      { length: 30 },
      (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`,
    );
    const bomb = `query Bomb { ...F0 } ${levels.join(' ')} fragment F30 on Query { me { id } }`;
    const roots = `query Roots { ${Array.from({ length: 21 }, () => '... on Query { me { id } }').join(' ')} }`;
    const next = {
      ...manifest,
      operations: [
        ...manifest.operations,
        ...[bomb, roots].map((body) => ({ id: sha256(body), name: 'Evil', type: 'query', body })),
      ],
    };
    writeFileSync(join(dir, 'documents.json'), JSON.stringify(next));
    for (const body of [bomb, roots]) {
      let result: Awaited<ReturnType<typeof post>> | undefined;
      for (let i = 0; i < 100; i++) {
        result = await post({ documentId: `sha256:${sha256(body)}` });
        if (result.body.errors?.[0].extensions.code !== 'PERSISTED_QUERY_NOT_FOUND') break;
        await sleep(50);
      }
      expect(result?.status).toBe(400);
      expect(result?.body.errors[0].extensions.code).toBe('OPERATION_LIMIT_EXCEEDED');
    }
    expect((await run('Product', { id: 'prd_0001' })).body.data.product.id).toBe('prd_0001');
  });
});
