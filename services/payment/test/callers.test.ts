import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { scratchDirPerSuite } from '@fig/testing/scratch-dir';
import { jsonRequest } from '@fig/testing/json-request';
import { storeServicePerSuite } from '@fig/testing/store-service';

// Whoever reaches the payment port is nobody until a token says otherwise: charging and
// refunding are the checkout saga's (service scopes), and a payment is shown only to the user
// it was taken for.
const dataDir = scratchDirPerSuite('fig-payment-callers-');
const payment = storeServicePerSuite('services/payment', () => ({ DATA_DIR: dataDir }));

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const chargeBody = {
  amount_cents: 1500,
  currency: 'EUR',
  payment_method: 'pm_card_visa',
  order_ref: 'ord_x',
};

const charge = (headers: Record<string, string>, body: object = chargeBody) =>
  jsonRequest(`${payment.url}/api/payments`, { headers, body });
const refund = (id: string, headers: Record<string, string>) =>
  jsonRequest(`${payment.url}/api/payments/${id}/refunds`, { headers, body: { amount_cents: 100 } });
const read = (id: string, headers: Record<string, string>) =>
  jsonRequest(`${payment.url}/api/payments/${id}`, { headers });
const graphql = (headers: Record<string, string>, query: string, variables: object) =>
  jsonRequest(`${payment.internalUrl}/graphql`, { headers, body: { query, variables } });

/** What the service's own database holds: nothing a refused request did may show up here. */
function books() {
  const db = new DatabaseSync(join(dataDir, 'payment.sqlite'), { readOnly: true });
  try {
    const count = (table: string) => db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get()!.n as number;
    const refunded = db.prepare('SELECT COALESCE(SUM(refunded_cents), 0) AS n FROM payments').get()!.n;
    return {
      payments: count('payments'),
      refunds: count('refunds'),
      keys: count('idempotency_keys'),
      refunded,
    };
  } finally {
    db.close();
  }
}

async function paidFor(user: string) {
  const saga = { ...bearer(await payment.identity.serviceToken('checkout')), 'x-user-id': user };
  const paid = await charge(saga);
  expect(paid.status).toBe(201);
  return paid.body.payment_id as string;
}

describe('payment callers', () => {
  it('answers 401 to a bare x-user-id on charge, refund and read, and records nothing', async () => {
    const id = await paidFor('usr_bob');
    const before = books();
    const forged = { 'x-user-id': 'usr_bob', 'idempotency-key': 'forged-1' };
    for (const refused of [await charge(forged), await refund(id, forged), await read(id, forged)]) {
      expect(refused.status).toBe(401);
      expect(refused.body.error.code).toBe('UNAUTHENTICATED');
    }
    expect(books()).toEqual(before);
  });

  it("refuses an end user's token with 403 on charge and refund, and records nothing", async () => {
    const id = await paidFor('usr_alice');
    const before = books();
    const alice = { ...bearer(await payment.identity.userToken('usr_alice')), 'idempotency-key': 'user-1' };
    for (const refused of [await charge(alice), await refund(id, alice)]) {
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('INSUFFICIENT_SCOPE');
    }
    // A service token without the scope is refused the same way.
    const inventory = {
      ...bearer(await payment.identity.serviceToken('inventory')),
      'x-user-id': 'usr_alice',
    };
    expect((await charge(inventory)).status).toBe(403);
    expect((await refund(id, inventory)).status).toBe(403);
    expect(books()).toEqual(before);
  });

  it("never shows Alice Bob's payment, over REST or the subgraph", async () => {
    const bobs = await paidFor('usr_bob');
    const alices = await paidFor('usr_alice');
    const alice = bearer(await payment.identity.userToken('usr_alice'));
    const bob = bearer(await payment.identity.userToken('usr_bob'));

    expect((await read(bobs, bob)).status).toBe(200);
    const hidden = await read(bobs, alice);
    expect(hidden.status).toBe(404);
    // Exactly what a payment that does not exist looks like.
    expect(hidden.body).toEqual({
      error: { code: 'PAYMENT_NOT_FOUND', message: `payment ${bobs} not found` },
    });
    // A service acting for Alice does not see Bob's either.
    const forAlice = { ...bearer(await payment.identity.serviceToken('checkout')), 'x-user-id': 'usr_alice' };
    expect((await read(bobs, forAlice)).status).toBe(404);

    const entities = await graphql(
      alice,
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Payment { id amountCents } } }',
      { r: [bobs, alices].map((id) => ({ __typename: 'Payment', id })) },
    );
    expect(entities.body).toEqual({ data: { _entities: [null, { id: alices, amountCents: 1500 }] } });
    const query = await graphql(alice, 'query ($id: ID!) { payment(id: $id) { id } }', { id: bobs });
    expect(query.body).toEqual({ data: { payment: null } });
    // Nobody in particular sees nothing at all.
    const anonymous = await graphql(
      { 'x-user-id': 'usr_bob' },
      'query ($id: ID!) { payment(id: $id) { id } }',
      {
        id: bobs,
      },
    );
    expect(anonymous.body).toEqual({ data: { payment: null } });
  });

  it('lets a service acting for nobody read any payment', async () => {
    const bobs = await paidFor('usr_bob');
    const service = bearer(await payment.identity.serviceToken('checkout'));
    expect((await read(bobs, service)).status).toBe(200);
  });

  it('answers 401 to an expired or wrong-audience service token', async () => {
    const id = await paidFor('usr_bob');
    const before = books();
    for (const token of [
      await payment.identity.serviceToken('checkout', { expiresIn: -120 }),
      await payment.identity.serviceToken('checkout', { claims: { aud: 'another-api' } }),
    ]) {
      const headers = { ...bearer(token), 'x-user-id': 'usr_bob' };
      for (const refused of [await charge(headers), await refund(id, headers), await read(id, headers)]) {
        expect(refused.status).toBe(401);
        expect(refused.body.error.code).toBe('INVALID_TOKEN');
      }
    }
    expect(books()).toEqual(before);
  });
});
