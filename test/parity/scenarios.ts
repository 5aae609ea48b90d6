import type { Recorder } from './observe.ts';
import type { RouteName } from './targets.ts';

export interface Scenario {
  name: string;
  /** The route this scenario is the gate for (PARITY_ROUTES selects by it). */
  route: RouteName;
  run(r: Recorder): Promise<void>;
}

// Plenty of stock in the seed (never one of the scarce tenth or empty twenty-fifth products),
// so the scenarios hold on a deployment that has been taking traffic.
// PARITY_SKUS picks others (four, comma-separated), e.g. products no real customer buys, so
// stock deltas are not disturbed by live traffic.
const plentiful = process.env.PARITY_SKUS?.split(',').map((sku) => sku.trim()) ?? [
  'SKU-0003',
  'SKU-0007',
  'SKU-0021',
  'SKU-0033',
];
if (plentiful.length < 4) throw new Error('PARITY_SKUS needs four skus');
const unknownSku = 'SKU-9999';
const address = {
  name: 'Parity Tester',
  line1: '1 Contract Way',
  city: 'Lisbon',
  postal_code: '1000-001',
  country: 'PT',
};
const stockFields = ['available', 'reserved'];

async function stockOf(r: Recorder, sku: string) {
  return (await r.request('inventory', 'GET', `/api/inventory/${sku}`, { volatile: stockFields })).body as {
    available: number;
    reserved: number;
  };
}

async function stockChange(
  r: Recorder,
  sku: string,
  before: { available: number; reserved: number },
  step: string,
) {
  const after = await stockOf(r, sku);
  r.note(step, { available: after.available - before.available, reserved: after.reserved - before.reserved });
}

// Holding stock and moving money are the checkout saga's: a service token acting for the owner.
const reserve = (r: Recorder, body: unknown) =>
  r.request('inventory', 'POST', '/api/inventory/reservations', { body, as: 'saga' });
const saga = { as: 'saga' } as const;

async function cartWith(r: Recorder, items: { sku: string; quantity: number }[]) {
  const cart = (await r.request('carts', 'POST', '/api/carts', { body: {} })).body;
  for (const item of items)
    await r.request('carts', 'POST', `/api/carts/${cart.cart_id}/items`, { body: item });
  return cart.cart_id as string;
}

/** The subgraph fields a service takes over with @override must answer as the monolith's do. */
function graphql(
  r: Recorder,
  route: RouteName,
  query: string,
  variables: Record<string, unknown> = {},
  as?: 'stranger' | 'anonymous',
  volatile?: string[],
) {
  return r.request(route, 'POST', '/graphql', { body: { query, variables }, as, volatile });
}

/** An `_entities` lookup of `ids` as `type`: how the router reaches a subgraph's entities. */
function entities(
  r: Recorder,
  route: RouteName,
  type: string,
  fields: string,
  ids: string[],
  volatile?: string[],
) {
  return graphql(
    r,
    route,
    `query ($r: [_Any!]!) { _entities(representations: $r) { ... on ${type} { ${fields} } } }`,
    { r: ids.map((id) => ({ __typename: type, id })) },
    undefined,
    volatile,
  );
}

/** A charge request for `amount_cents`, with `fields` over the usual card and order. */
const chargeBody = (amount_cents: number, fields: Record<string, unknown> = {}) => ({
  amount_cents,
  currency: 'EUR',
  payment_method: 'pm_card_visa',
  order_ref: 'ord_parity',
  ...fields,
});

async function paidPayment(r: Recorder, amount_cents: number, fields: Record<string, unknown> = {}) {
  return (
    await r.request('payments', 'POST', '/api/payments', { body: chargeBody(amount_cents, fields), ...saga })
  ).body;
}

const cartFields = 'id totalCents items { sku quantity product { id } }';
// The same address as GraphQL's AddressInput spells it.
const { postal_code: postalCode, ...addressLines } = address;
const gqlAddress = { ...addressLines, postalCode };

export const scenarios: Scenario[] = [
  {
    name: 'stock levels and their errors',
    route: 'inventory',
    async run(r) {
      await stockOf(r, plentiful[0]);
      await r.request('inventory', 'GET', `/api/inventory/${unknownSku}`);
      await r.request('inventory', 'GET', `/api/inventory/${'x'.repeat(65)}`);
    },
  },
  {
    name: 'reserve, read, release (twice), then commit is refused',
    route: 'inventory',
    async run(r) {
      const sku = plentiful[1];
      const before = await stockOf(r, sku);
      const reservation = (await reserve(r, { items: [{ sku, quantity: 2 }], ttl_seconds: 60 })).body;
      await stockChange(r, sku, before, 'stock while reserved');
      const path = `/api/inventory/reservations/${reservation.reservation_id}`;
      await r.request('inventory', 'GET', path, saga);
      await r.request('inventory', 'DELETE', path, saga);
      await r.request('inventory', 'DELETE', path, saga);
      await r.request('inventory', 'GET', path, saga);
      await r.request('inventory', 'POST', `${path}/commit`, saga);
      await stockChange(r, sku, before, 'stock after release');
    },
  },
  {
    name: 'reserve (default TTL, merged lines), commit twice, release is refused',
    route: 'inventory',
    async run(r) {
      const sku = plentiful[2];
      const before = await stockOf(r, sku);
      const reservation = (
        await reserve(r, {
          items: [
            { sku, quantity: 1 },
            { sku, quantity: 2 },
          ],
        })
      ).body;
      const path = `/api/inventory/reservations/${reservation.reservation_id}`;
      await r.request('inventory', 'POST', `${path}/commit`, saga);
      await r.request('inventory', 'POST', `${path}/commit`, saga);
      await r.request('inventory', 'DELETE', path, saga);
      await stockChange(r, sku, before, 'stock after commit');
    },
  },
  {
    name: 'reservation refusals and validation errors',
    route: 'inventory',
    async run(r) {
      await reserve(r, { items: [{ sku: plentiful[0], quantity: 1000 }] });
      await reserve(r, {
        items: [
          { sku: plentiful[0], quantity: 1 },
          { sku: 'SKU-0025', quantity: 1 },
        ],
      });
      await reserve(r, { items: [{ sku: unknownSku, quantity: 1 }] });
      await reserve(r, { items: [] });
      await reserve(r, { items: [{ sku: plentiful[0], quantity: 0 }] });
      await reserve(r, { items: [{ sku: plentiful[0], quantity: '1' }] });
      await reserve(r, { items: [{ sku: plentiful[0], quantity: 1 }], ttl_seconds: 0 });
      await reserve(r, { items: [{ sku: plentiful[0], quantity: 1 }], colour: 'red' });
      await reserve(r, {});
      await r.request('inventory', 'POST', '/api/inventory/reservations', {
        rawBody: '{"items": [',
        ...saga,
      });
      await r.request('inventory', 'GET', '/api/inventory/reservations/res_missing', saga);
      await r.request('inventory', 'DELETE', '/api/inventory/reservations/res_missing', saga);
      await r.request('inventory', 'POST', '/api/inventory/reservations/res_missing/commit', saga);
    },
  },
  {
    name: 'only the saga holds, sells or releases stock: users get 403, nobody 401, and nothing moves',
    route: 'inventory',
    async run(r) {
      const sku = plentiful[3];
      const body = { items: [{ sku, quantity: 1 }], ttl_seconds: 60 };
      const before = await stockOf(r, sku);
      const reservations = '/api/inventory/reservations';
      await r.request('inventory', 'POST', reservations, { body });
      await r.request('inventory', 'POST', reservations, { body, as: 'anonymous' });
      await r.request('inventory', 'POST', reservations, {
        body,
        as: 'anonymous',
        headers: { 'x-user-id': 'svc:checkout' },
      });
      await stockChange(r, sku, before, 'stock after refused reservations');
      const held = (await reserve(r, body)).body;
      const path = `${reservations}/${held.reservation_id}`;
      await r.request('inventory', 'GET', path);
      await r.request('inventory', 'POST', `${path}/commit`);
      await r.request('inventory', 'DELETE', path, { as: 'stranger' });
      await r.request('inventory', 'DELETE', path, { as: 'anonymous' });
      await r.request('inventory', 'GET', path, saga);
      await r.request('inventory', 'DELETE', path, saga);
      await stockChange(r, sku, before, 'stock after the saga released its hold');
    },
  },
  {
    name: "only the saga charges and refunds; a payment is its user's alone",
    route: 'payments',
    async run(r) {
      const charge = chargeBody(1900);
      await r.request('payments', 'POST', '/api/payments', { body: charge });
      await r.request('payments', 'POST', '/api/payments', { body: charge, as: 'anonymous' });
      const paid = await paidPayment(r, 1900);
      const path = `/api/payments/${paid.payment_id}`;
      await r.request('payments', 'POST', `${path}/refunds`, { body: {} });
      await r.request('payments', 'POST', `${path}/refunds`, { body: {}, as: 'anonymous' });
      await r.request('payments', 'GET', path);
      await r.request('payments', 'GET', path, { as: 'stranger' });
      await r.request('payments', 'GET', path, { as: 'anonymous' });
      const query = 'query($id: ID!) { payment(id: $id) { id status amountCents } }';
      await graphql(r, 'payments', query, { id: paid.payment_id }, 'stranger');
      await graphql(r, 'payments', query, { id: paid.payment_id }, 'anonymous');
    },
  },
  {
    name: 'charge with an Idempotency-Key, replay it, reuse it with another body',
    route: 'payments',
    async run(r) {
      const key = `parity-${crypto.randomUUID()}`;
      const charge = chargeBody(2500);
      const paid = (
        await r.request('payments', 'POST', '/api/payments', {
          body: charge,
          headers: { 'idempotency-key': key },
          ...saga,
        })
      ).body;
      await r.request('payments', 'POST', '/api/payments', {
        body: charge,
        headers: { 'idempotency-key': key },
        ...saga,
      });
      await r.request('payments', 'POST', '/api/payments', {
        body: { ...charge, amount_cents: 2501 },
        headers: { 'idempotency-key': key },
        ...saga,
      });
      await r.request('payments', 'GET', `/api/payments/${paid.payment_id}`);
      // Without a key, each request is a new charge.
      const first = (await r.request('payments', 'POST', '/api/payments', { body: charge, ...saga })).body;
      const second = (await r.request('payments', 'POST', '/api/payments', { body: charge, ...saga })).body;
      r.note('keyless charges are distinct', first.payment_id !== second.payment_id);
    },
  },
  {
    name: 'declines, unknown methods and invalid charges',
    route: 'payments',
    async run(r) {
      const charge = (body: Record<string, unknown>, headers?: Record<string, string>) =>
        r.request('payments', 'POST', '/api/payments', { body: chargeBody(1200, body), headers, ...saga });
      const key = `parity-${crypto.randomUUID()}`;
      await charge({ payment_method: 'pm_card_chargeDeclined' }, { 'idempotency-key': key });
      await charge({ payment_method: 'pm_card_chargeDeclined' }, { 'idempotency-key': key });
      await charge({ payment_method: 'pm_card_unheard_of' });
      await charge({ amount_cents: 0 });
      await charge({ amount_cents: 12.5 });
      await charge({ currency: 'euro' });
      await charge({ tip_cents: 100 });
      await r.request('payments', 'POST', '/api/payments', { body: { amount_cents: 100 }, ...saga });
      await r.request('payments', 'GET', '/api/payments/pay_missing');
    },
  },
  {
    name: 'refunds up to the charge and not a cent more',
    route: 'payments',
    async run(r) {
      const paid = await paidPayment(r, 1000, { payment_method: 'pm_card_mastercard' });
      const refunds = `/api/payments/${paid.payment_id}/refunds`;
      const refund = (body: object, headers?: Record<string, string>) =>
        r.request('payments', 'POST', refunds, { body, headers, ...saga });
      await refund({ amount_cents: 300 });
      await refund({ amount_cents: 701 });
      await refund({ amount_cents: 0 });
      const key = `parity-${crypto.randomUUID()}`;
      await refund({}, { 'idempotency-key': key });
      await refund({}, { 'idempotency-key': key });
      await refund({ amount_cents: 1 });
      await r.request('payments', 'GET', `/api/payments/${paid.payment_id}`);
      await r.request('payments', 'POST', '/api/payments/pay_missing/refunds', { body: {}, ...saga });
    },
  },
  {
    name: 'a signed-in user builds a cart',
    route: 'carts',
    async run(r) {
      const cartId = await cartWith(r, [
        { sku: plentiful[0], quantity: 2 },
        { sku: plentiful[1], quantity: 1 },
      ]);
      const path = `/api/carts/${cartId}`;
      await r.request('carts', 'POST', `${path}/items`, { body: { sku: plentiful[0], quantity: 3 } });
      await r.request('carts', 'DELETE', `${path}/items/${plentiful[1]}`);
      await r.request('carts', 'DELETE', `${path}/items/${plentiful[1]}`);
      await r.request('carts', 'GET', path);
      await r.request('carts', 'GET', path, { as: 'stranger' });
      await r.request('carts', 'POST', `${path}/items`, {
        body: { sku: plentiful[2], quantity: 1 },
        as: 'stranger',
      });
      await r.request('carts', 'GET', path, { as: 'anonymous' });
    },
  },
  {
    name: 'an anonymous cart is usable by whoever holds its id',
    route: 'carts',
    async run(r) {
      const cart = (await r.request('carts', 'POST', '/api/carts', { as: 'anonymous', body: {} })).body;
      await r.request('carts', 'POST', `/api/carts/${cart.cart_id}/items`, {
        body: { sku: plentiful[3], quantity: 1 },
        as: 'stranger',
      });
      await r.request('carts', 'GET', `/api/carts/${cart.cart_id}`, { as: 'anonymous' });
    },
  },
  {
    name: 'cart errors',
    route: 'carts',
    async run(r) {
      const cartId = await cartWith(r, []);
      const items = `/api/carts/${cartId}/items`;
      await r.request('carts', 'POST', items, { body: { sku: unknownSku, quantity: 1 } });
      await r.request('carts', 'POST', items, { body: { sku: plentiful[0], quantity: 0 } });
      await r.request('carts', 'POST', items, { body: { sku: plentiful[0], quantity: 1001 } });
      await r.request('carts', 'POST', items, { body: { sku: plentiful[0] } });
      await r.request('carts', 'POST', items, { body: { sku: plentiful[0], quantity: 1, gift: true } });
      await r.request('carts', 'POST', '/api/carts', { body: { items: [] } });
      await r.request('carts', 'GET', '/api/carts/cart_missing');
      await r.request('carts', 'POST', '/api/carts/cart_missing/items', {
        body: { sku: plentiful[0], quantity: 1 },
      });
      await r.request('carts', 'DELETE', `/api/carts/cart_missing/items/${plentiful[0]}`);
      await r.request('carts', 'POST', '/api/carts', {
        body: {},
        headers: { 'x-user-id': 'not a valid id!' },
      });
    },
  },
  {
    name: 'checkout places an order, takes the stock, closes the cart and lists the order',
    route: 'checkout',
    async run(r) {
      const [a, b] = plentiful;
      const beforeA = await stockOf(r, a);
      const beforeB = await stockOf(r, b);
      const cartId = await cartWith(r, [
        { sku: a, quantity: 2 },
        { sku: b, quantity: 1 },
      ]);
      const body = { cart_id: cartId, payment_method: 'pm_card_visa', shipping_address: address };
      const placed = (await r.request('checkout', 'POST', '/api/checkout', { body })).body;
      await stockChange(r, a, beforeA, `stock of ${a} after checkout`);
      await stockChange(r, b, beforeB, `stock of ${b} after checkout`);
      await r.request('carts', 'GET', `/api/carts/${cartId}`);
      await r.request('carts', 'POST', `/api/carts/${cartId}/items`, { body: { sku: a, quantity: 1 } });
      await r.request('checkout', 'POST', '/api/checkout', { body });
      await r.request('orders', 'GET', `/api/orders/${placed.order_id}`);
      await r.request('orders', 'GET', '/api/orders');
      await r.request('orders', 'GET', `/api/orders/${placed.order_id}`, { as: 'stranger' });
      const order = (await r.request('orders', 'GET', `/api/orders/${placed.order_id}`)).body;
      await r.request('payments', 'GET', `/api/payments/${order.payment_id}`);
    },
  },
  {
    name: 'a declined checkout changes nothing and the cart can be paid again',
    route: 'checkout',
    async run(r) {
      const sku = plentiful[2];
      const before = await stockOf(r, sku);
      const cartId = await cartWith(r, [{ sku, quantity: 1 }]);
      const body = { cart_id: cartId, payment_method: 'pm_card_chargeDeclined', shipping_address: address };
      await r.request('checkout', 'POST', '/api/checkout', { body });
      await stockChange(r, sku, before, 'stock after decline');
      await r.request('carts', 'GET', `/api/carts/${cartId}`);
      await r.request('orders', 'GET', '/api/orders');
      await r.request('checkout', 'POST', '/api/checkout', {
        body: { ...body, payment_method: 'pm_card_unheard_of' },
      });
      await stockChange(r, sku, before, 'stock after an unknown method');
      await r.request('checkout', 'POST', '/api/checkout', {
        body: { ...body, payment_method: 'pm_card_amex' },
      });
      await stockChange(r, sku, before, 'stock after paying');
    },
  },
  {
    name: 'checkout refusals and validation errors',
    route: 'checkout',
    async run(r) {
      const checkout = (body: Record<string, unknown>, as?: 'stranger' | 'anonymous') =>
        r.request('checkout', 'POST', '/api/checkout', {
          body: { payment_method: 'pm_card_visa', shipping_address: address, ...body },
          as,
        });
      const short = await cartWith(r, [
        { sku: plentiful[3], quantity: 1 },
        { sku: 'SKU-0025', quantity: 1 },
      ]);
      const before = await stockOf(r, plentiful[3]);
      await checkout({ cart_id: short });
      await stockChange(r, plentiful[3], before, 'stock after out of stock');
      await r.request('carts', 'GET', `/api/carts/${short}`);
      const huge = await cartWith(r, [
        { sku: plentiful[3], quantity: 1000 },
        { sku: plentiful[3], quantity: 1000 },
      ]);
      await checkout({ cart_id: huge });
      const empty = await cartWith(r, []);
      await checkout({ cart_id: empty });
      await checkout({ cart_id: short }, 'stranger');
      await checkout({ cart_id: short }, 'anonymous');
      await checkout({ cart_id: 'cart_missing' });
      await checkout({ cart_id: short, shipping_address: { ...address, country: 'Portugal' } });
      await checkout({ cart_id: short, shipping_address: { name: 'No Address' } });
      await checkout({ cart_id: short, coupon: 'FREE' });
      await r.request('checkout', 'POST', '/api/checkout', {
        rawBody: 'cart_id=1',
        headers: { 'content-type': 'text/plain' },
      });
    },
  },
  {
    name: 'GraphQL: Product.stock through entity resolution',
    route: 'inventory',
    async run(r) {
      const answer = await entities(
        r,
        'inventory',
        'Product',
        'id stock { sku available reserved }',
        ['prd_0003', 'prd_0025'],
        stockFields,
      );
      r.note(
        'stock levels are integers',
        answer.body.data._entities.map((product: { stock: Record<string, unknown> }) => [
          product.stock.sku,
          Number.isInteger(product.stock.available),
          Number.isInteger(product.stock.reserved),
        ]),
      );
    },
  },
  {
    name: 'GraphQL: payment(id) and the Payment entity',
    route: 'payments',
    async run(r) {
      const paid = await paidPayment(r, 777);
      await graphql(
        r,
        'payments',
        'query($id: ID!) { payment(id: $id) { id status amountCents currency } }',
        {
          id: paid.payment_id,
        },
      );
      await graphql(r, 'payments', '{ payment(id: "pay_missing") { id } }');
      await entities(r, 'payments', 'Payment', 'id status amountCents', [paid.payment_id]);
    },
  },
  {
    name: 'GraphQL and REST: a payment the monolith took before the route moved',
    route: 'payments',
    async run(r) {
      const old = (await r.request('legacy', 'POST', '/api/payments', { body: chargeBody(640), ...saga }))
        .body;
      await r.request('payments', 'GET', `/api/payments/${old.payment_id}`);
      await graphql(
        r,
        'payments',
        'query($id: ID!) { payment(id: $id) { id status amountCents currency } }',
        {
          id: old.payment_id,
        },
      );
      await entities(r, 'payments', 'Payment', 'id status amountCents', [old.payment_id]);
    },
  },
  {
    name: 'GraphQL: cart mutations and their errors',
    route: 'carts',
    async run(r) {
      const created = await graphql(r, 'carts', `mutation { createCart { ${cartFields} } }`);
      const cartId = created.body.data.createCart.id;
      const add = (sku: string, quantity: number) =>
        graphql(
          r,
          'carts',
          `mutation($id: ID!, $sku: ID!, $q: Int!) { addToCart(cartId: $id, sku: $sku, quantity: $q) { ${cartFields} } }`,
          { id: cartId, sku, q: quantity },
        );
      await add(plentiful[0], 2);
      await add(plentiful[1], 1);
      await add(plentiful[0], 0);
      await add(unknownSku, 1);
      const remove = (fields: string) =>
        graphql(
          r,
          'carts',
          `mutation($id: ID!) { removeFromCart(cartId: $id, sku: "${plentiful[1]}") { ${fields} } }`,
          { id: cartId },
        );
      await remove(cartFields);
      await remove('id');
      await graphql(r, 'carts', `query($id: ID!) { cart(id: $id) { ${cartFields} } }`, { id: cartId });
      await graphql(
        r,
        'carts',
        `
          query ($id: ID!) {
            cart(id: $id) {
              id
            }
          }
        `,
        { id: cartId },
        'stranger',
      );
      await graphql(r, 'carts', '{ cart(id: "cart_missing") { id } }');
    },
  },
  {
    name: 'GraphQL: the checkout mutation',
    route: 'checkout',
    async run(r) {
      const cartId = await cartWith(r, [{ sku: plentiful[3], quantity: 1 }]);
      const checkout = (paymentMethod: string, as?: 'anonymous') =>
        graphql(
          r,
          'checkout',
          `
            mutation ($id: ID!, $pm: String!, $address: AddressInput!) {
              checkout(cartId: $id, paymentMethod: $pm, shippingAddress: $address) {
                orderId
                status
                totalCents
                order {
                  id
                }
              }
            }
          `,
          { id: cartId, pm: paymentMethod, address: gqlAddress },
          as,
        );
      await checkout('pm_card_chargeDeclined');
      await checkout('pm_card_visa', 'anonymous');
      const placed = await checkout('pm_card_visa');
      await checkout('pm_card_visa');
      await r.request('orders', 'GET', `/api/orders/${placed.body.data.checkout.orderId}`);
    },
  },
];
