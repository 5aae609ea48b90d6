import { beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { spawnDeployable } from '@fig/testing/spawn-deployable';
import { storeServicePerSuite } from '@fig/testing/store-service';
import { fetchServiceToken, loginToken } from '@fig/testing/test-identity';

// No monolith behind it: every id this service does not know is answered here.
const payment = storeServicePerSuite('services/payment');
// Charges and refunds are the checkout saga's, for the customer it names; reads are the customer's.
let saga: Record<string, string>;
let customer: Record<string, string>;

beforeAll(async () => {
  saga = {
    authorization: `Bearer ${await payment.identity.serviceToken('checkout')}`,
    'x-user-id': 'usr_carol',
  };
  customer = { authorization: `Bearer ${await payment.identity.userToken('usr_carol')}` };
});

function charge(body: Record<string, unknown>, idempotencyKey?: string) {
  return fetch(`${payment.url}/api/payments`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...saga,
      ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
    },
    body: JSON.stringify({ amount_cents: 1000, currency: 'EUR', payment_method: 'pm_card_visa', ...body }),
  });
}

function refund(paymentId: string, body: Record<string, unknown> = {}) {
  return fetch(`${payment.url}/api/payments/${paymentId}/refunds`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...saga },
    body: JSON.stringify(body),
  });
}

describe('payment service', () => {
  it('charges once for concurrent duplicates with one Idempotency-Key', async () => {
    const key = randomUUID();
    const orderRef = `ord_${key}`;
    const answers = await Promise.all(Array.from({ length: 12 }, () => charge({ order_ref: orderRef }, key)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(12).fill(201));
    const bodies = await Promise.all(answers.map((answer) => answer.json() as any));
    const ids = new Set(bodies.map((body) => body.payment_id));
    expect(ids.size).toBe(1);
    expect(answers.filter((answer) => answer.headers.get('idempotent-replayed') === 'true')).toHaveLength(11);

    const reused = await charge({ order_ref: orderRef, amount_cents: 999 }, key);
    expect(reused.status).toBe(422);
    expect(((await reused.json()) as any).error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('declines the declining test card and replays the decline', async () => {
    const key = randomUUID();
    const first = await charge({ order_ref: 'ord_declined', payment_method: 'pm_card_chargeDeclined' }, key);
    expect(first.status).toBe(402);
    expect(((await first.json()) as any).error.code).toBe('PAYMENT_DECLINED');
    const again = await charge({ order_ref: 'ord_declined', payment_method: 'pm_card_chargeDeclined' }, key);
    expect(again.status).toBe(402);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });

  it('never refunds more than was charged, also under concurrent refunds', async () => {
    const paid = (await (await charge({ order_ref: 'ord_refunds', amount_cents: 1000 })).json()) as any;
    const partial = await refund(paid.payment_id, { amount_cents: 400 });
    expect(partial.status).toBe(201);
    expect(((await partial.json()) as any).payment_status).toBe('partially_refunded');

    const tooMuch = await refund(paid.payment_id, { amount_cents: 601 });
    expect(tooMuch.status).toBe(422);
    expect(((await tooMuch.json()) as any).error.code).toBe('REFUND_EXCEEDS_CHARGE');

    // Eight racing refunds of 100 on the 600 left: exactly six fit.
    const racing = await Promise.all(
      Array.from({ length: 8 }, () => refund(paid.payment_id, { amount_cents: 100 })),
    );
    expect(racing.filter((answer) => answer.status === 201)).toHaveLength(6);
    const after = (await (
      await fetch(`${payment.url}/api/payments/${paid.payment_id}`, { headers: customer })
    ).json()) as any;
    expect(after).toMatchObject({ status: 'refunded', amount_cents: 1000, refunded_cents: 1000 });

    const nothingLeft = await refund(paid.payment_id);
    expect(nothingLeft.status).toBe(409);
    expect(((await nothingLeft.json()) as any).error.code).toBe('PAYMENT_NOT_REFUNDABLE');
  });

  it('answers unknown payments with the JSON error shape', async () => {
    const missing = await fetch(`${payment.url}/api/payments/pay_missing`, { headers: customer });
    expect(missing.status).toBe(404);
    expect((await missing.json()) as any).toEqual({
      error: { code: 'PAYMENT_NOT_FOUND', message: 'payment pay_missing not found' },
    });
  });

  it('serves payment(id) on its subgraph', async () => {
    const paid = (await (await charge({ order_ref: 'ord_graphql', amount_cents: 4200 })).json()) as any;
    const answer = await fetch(`${payment.internalUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...customer },
      body: JSON.stringify({
        query:
          'query($id: ID!) { payment(id: $id) { id status amountCents currency } missing: payment(id: "pay_x") { id } }',
        variables: { id: paid.payment_id },
      }),
    });
    expect((await answer.json()) as any).toEqual({
      data: {
        payment: { id: paid.payment_id, status: 'succeeded', amountCents: 4200, currency: 'EUR' },
        missing: null,
      },
    });
  });

  it('serves its OpenAPI document and readiness from its store', async () => {
    const document = (await (await fetch(`${payment.url}/openapi.json`)).json()) as any;
    expect(Object.keys(document.paths).sort()).toEqual([
      '/api/payments',
      '/api/payments/{id}',
      '/api/payments/{id}/refunds',
    ]);
    const ready = (await (await fetch(`${payment.internalUrl}/health/ready`)).json()) as any;
    expect(ready).toEqual({ status: 'ready', checks: { store: true } });
  });

  it('drains and exits 0 on SIGTERM', async () => {
    const second = await spawnDeployable('services/payment');
    expect(await second.stop()).toBe(0);
  });

  it('lets the monolith answer for payments it took before the route moved', async () => {
    const monolith = await spawnDeployable('monolith-stub', { env: { LEGACY_LATENCY_MS: '0' } });
    // Both trust the monolith's identity provider, as in the local stack.
    const migrated = await spawnDeployable('services/payment', {
      env: { MONOLITH_URL: monolith.url, AUTH_JWKS_URL: `${monolith.url}/.well-known/jwks.json` },
    });
    try {
      const alice = { authorization: `Bearer ${await loginToken(monolith.url, 'alice')}` };
      const checkout = {
        authorization: `Bearer ${await fetchServiceToken(monolith.url)}`,
        'x-user-id': 'usr_alice',
      };
      const json = { 'content-type': 'application/json' };
      const legacy = await fetch(`${monolith.url}/api/payments`, {
        method: 'POST',
        headers: { ...json, ...checkout },
        body: JSON.stringify({
          amount_cents: 900,
          currency: 'EUR',
          payment_method: 'pm_card_visa',
          order_ref: 'ord_old',
        }),
      });
      const old = (await legacy.json()) as any;
      // Alice's own token goes to the monolith with the request, and the monolith shows her hers.
      const seen = await fetch(`${migrated.url}/api/payments/${old.payment_id}`, { headers: alice });
      expect(seen.status).toBe(200);
      expect(await seen.json()).toEqual(old);
      const bob = { authorization: `Bearer ${await loginToken(monolith.url, 'bob')}` };
      expect((await fetch(`${migrated.url}/api/payments/${old.payment_id}`, { headers: bob })).status).toBe(
        404,
      );

      const refund = (key: string, amount: number) =>
        fetch(`${migrated.url}/api/payments/${old.payment_id}/refunds`, {
          method: 'POST',
          headers: { ...json, ...checkout, 'idempotency-key': key },
          body: JSON.stringify({ amount_cents: amount }),
        });
      const refunded = await refund('refund-old-1', 400);
      expect(refunded.status).toBe(201);
      const replay = await refund('refund-old-1', 400);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(await replay.json()).toEqual(await refunded.json());
      expect((await refund('refund-old-2', 501)).status).toBe(422);
      const after = (await (
        await fetch(`${monolith.url}/api/payments/${old.payment_id}`, { headers: alice })
      ).json()) as any;
      expect(after).toMatchObject({ status: 'partially_refunded', refunded_cents: 400 });

      // GraphQL agrees with REST: the old payment is still there after `payments` moved.
      const paymentQuery = (url: string, id: string, headers = alice) =>
        fetch(`${url}/graphql`, {
          method: 'POST',
          headers: { ...json, ...headers },
          body: JSON.stringify({
            query: 'query($id: ID!) { payment(id: $id) { id status amountCents currency } }',
            variables: { id },
          }),
        }).then((answer) => answer.json() as Promise<any>);
      const viaService = await paymentQuery(migrated.internalUrl!, old.payment_id);
      expect(viaService).toEqual({
        data: {
          payment: { id: old.payment_id, status: 'partially_refunded', amountCents: 900, currency: 'EUR' },
        },
      });
      expect(viaService).toEqual(await paymentQuery(monolith.internalUrl!, old.payment_id));
      expect(await paymentQuery(migrated.internalUrl!, old.payment_id, bob)).toEqual({
        data: { payment: null },
      });

      // Its own payments never leave it.
      const own = (await (
        await fetch(`${migrated.url}/api/payments`, {
          method: 'POST',
          headers: { ...json, ...checkout },
          body: JSON.stringify({
            amount_cents: 100,
            currency: 'EUR',
            payment_method: 'pm_card_visa',
            order_ref: 'ord_new',
          }),
        })
      ).json()) as any;
      expect((await fetch(`${monolith.url}/api/payments/${own.payment_id}`, { headers: alice })).status).toBe(
        404,
      );
      expect((await fetch(`${migrated.url}/api/payments/${own.payment_id}`, { headers: alice })).status).toBe(
        200,
      );
      const missing = await fetch(`${migrated.url}/api/payments/pay_nowhere`, { headers: alice });
      expect(missing.status).toBe(404);
      expect(((await missing.json()) as any).error.code).toBe('PAYMENT_NOT_FOUND');
      expect(await paymentQuery(migrated.internalUrl!, own.payment_id)).toMatchObject({
        data: { payment: { id: own.payment_id, amountCents: 100 } },
      });
      expect(await paymentQuery(migrated.internalUrl!, 'pay_nowhere')).toEqual({ data: { payment: null } });
    } finally {
      await Promise.all([migrated.stop(), monolith.stop()]);
    }
  });
});
