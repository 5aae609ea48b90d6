import { composeServices } from '@apollo/composition';
import { seedProducts } from '@fig/domain';
import { describe, expect, it } from 'vitest';
import { typeDefs } from '../src/graphql/plugin.ts';
import { monolithPerSuite } from './support/start-monolith.ts';

const address = {
  name: 'Alice Archer',
  line1: '1 Main St',
  city: 'Ghent',
  postalCode: '9000',
  country: 'BE',
};

describe('legacy subgraph', () => {
  const monolith = monolithPerSuite({ signedIn: 'alice' });

  const graphql = async (query: string, variables: Record<string, unknown> = {}, token?: string) =>
    (await monolith.callInternal('/graphql', { body: { query, variables }, token })).body;

  it('composes as a federation 2 subgraph', () => {
    const result = composeServices([{ name: 'monolith', typeDefs, url: 'http://monolith/graphql' }]);
    expect(result.errors ?? []).toEqual([]);
  });

  it('pages products with stock', async () => {
    const first = await graphql(
      '{ products(first: 2) { items { id sku name priceCents currency stock { sku available reserved } } nextCursor } }',
    );
    const [a, b] = seedProducts;
    expect(first.data.products.items).toEqual([
      {
        id: a.id,
        sku: a.sku,
        name: a.name,
        priceCents: a.price_cents,
        currency: 'EUR',
        stock: { sku: a.sku, available: a.stock, reserved: 0 },
      },
      expect.objectContaining({ id: b.id }),
    ]);
    const next = await graphql(
      'query ($after: String) { products(first: 1, after: $after) { items { id } } }',
      {
        after: first.data.products.nextCursor,
      },
    );
    expect(next.data.products.items).toEqual([{ id: seedProducts[2].id }]);
    expect((await graphql('{ product(id: "prd_9999") { id } }')).data.product).toBeNull();
  });

  it('resolves entity references in one request, in order, with null for unknown ones', async () => {
    const order = await graphql(
      `
        query ($reps: [_Any!]!) {
          _entities(representations: $reps) {
            ... on Product {
              id
              name
              stock {
                available
              }
            }
            ... on User {
              username
            }
          }
        }
      `,
      {
        reps: [
          { __typename: 'Product', id: seedProducts[5].id },
          { __typename: 'User', id: 'usr_alice' },
          { __typename: 'Product', id: 'prd_9999' },
          { __typename: 'Product', id: seedProducts[3].id },
        ],
      },
      monolith.token,
    );
    expect(order.data._entities).toEqual([
      { id: seedProducts[5].id, name: seedProducts[5].name, stock: { available: seedProducts[5].stock } },
      { username: 'alice' },
      null,
      expect.objectContaining({ id: seedProducts[3].id }),
    ]);
  });

  it('runs the cart and checkout mutations and shows the order under me', async () => {
    const product = seedProducts.find((p) => p.stock >= 100)!;
    const created = await graphql(
      'mutation { createCart { id items { sku } totalCents } }',
      {},
      monolith.token,
    );
    const cartId = created.data.createCart.id;
    expect(created.data.createCart).toEqual({ id: cartId, items: [], totalCents: 0 });

    const added = await graphql(
      'mutation ($id: ID!, $sku: ID!) { addToCart(cartId: $id, sku: $sku, quantity: 3) { totalCents items { sku quantity product { name } } } }',
      { id: cartId, sku: product.sku },
      monolith.token,
    );
    expect(added.data.addToCart).toEqual({
      totalCents: 3 * product.price_cents,
      items: [{ sku: product.sku, quantity: 3, product: { name: product.name } }],
    });

    const placed = await graphql(
      'mutation ($id: ID!, $address: AddressInput!) { checkout(cartId: $id, paymentMethod: "pm_card_visa", shippingAddress: $address) { orderId status totalCents order { id status } } }',
      { id: cartId, address },
      monolith.token,
    );
    const orderId = placed.data.checkout.orderId;
    expect(placed.data.checkout).toEqual({
      orderId,
      status: 'confirmed',
      totalCents: 3 * product.price_cents,
      order: { id: orderId, status: 'confirmed' },
    });

    const me = await graphql(
      '{ me { id username orders { id totalCents items { sku quantity unitPriceCents product { id } } } } }',
      {},
      monolith.token,
    );
    expect(me.data.me).toEqual({
      id: 'usr_alice',
      username: 'alice',
      orders: [
        {
          id: orderId,
          totalCents: 3 * product.price_cents,
          items: [
            {
              sku: product.sku,
              quantity: 3,
              unitPriceCents: product.price_cents,
              product: { id: product.id },
            },
          ],
        },
      ],
    });
    expect((await graphql(`{ order(id: "${orderId}") { id } }`, {}, monolith.token)).data.order).toEqual({
      id: orderId,
    });
  });

  it('reports domain refusals with extensions.code', async () => {
    const cart = await graphql('mutation { createCart { id } }', {}, monolith.token);
    const cartId = cart.data.createCart.id;
    const negative = await graphql(
      `mutation { addToCart(cartId: "${cartId}", sku: "SKU-0001", quantity: -1) { id } }`,
    );
    expect(negative.errors[0].extensions.code).toBe('INVALID_QUANTITY');
    const missing = await graphql(
      'mutation { addToCart(cartId: "cart_nope", sku: "SKU-0001", quantity: 1) { id } }',
    );
    expect(missing.errors[0].extensions.code).toBe('CART_NOT_FOUND');
    const anonymous = await graphql(
      'mutation ($address: AddressInput!) { checkout(cartId: "x", paymentMethod: "pm_card_visa", shippingAddress: $address) { orderId } }',
      { address },
    );
    expect(anonymous.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect((await graphql('{ me { id } }')).data.me).toBeNull();
  });

  it('reads payments', async () => {
    const paid = await monolith.call('/api/payments', {
      body: { amount_cents: 500, currency: 'EUR', payment_method: 'pm_card_visa', order_ref: 'x' },
      token: await monolith.serviceToken('checkout'),
      headers: { 'x-user-id': 'usr_alice' },
    });
    const payment = await graphql(
      `{ payment(id: "${paid.body.payment_id}") { id status amountCents currency } }`,
      {},
      monolith.token,
    );
    expect(payment.data.payment).toEqual({
      id: paid.body.payment_id,
      status: 'succeeded',
      amountCents: 500,
      currency: 'EUR',
    });
  });
});
