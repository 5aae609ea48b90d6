import { describe, expect, it } from 'vitest';
import { monolithPerSuite } from './support/start-monolith.ts';

const charge = { amount_cents: 2500, currency: 'EUR', payment_method: 'pm_card_visa', order_ref: 'ord_test' };

describe('payments', () => {
  const monolith = monolithPerSuite({ service: 'checkout' });

  const pay = (body: unknown, key?: string) =>
    monolith.asService('/api/payments', { body, headers: key ? { 'idempotency-key': key } : {} });

  it('charges a test card and reads the payment back', async () => {
    const created = await pay(charge);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      status: 'succeeded',
      amount_cents: 2500,
      refunded_cents: 0,
      currency: 'EUR',
    });
    const read = await monolith.asService(`/api/payments/${created.body.payment_id}`);
    expect(read.body).toEqual(created.body);
    expect((await monolith.asService('/api/payments/pay_missing')).status).toBe(404);
  });

  it('declines pm_card_chargeDeclined with 402 and refuses unknown methods with 422', async () => {
    const declined = await pay({ ...charge, payment_method: 'pm_card_chargeDeclined' });
    expect(declined.status).toBe(402);
    expect(declined.body.error.code).toBe('PAYMENT_DECLINED');
    const unknown = await pay({ ...charge, payment_method: 'pm_card_monopoly' });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.code).toBe('UNKNOWN_PAYMENT_METHOD');
  });

  it('replays the same answer for the same Idempotency-Key and body, in any key order', async () => {
    const first = await pay(charge, 'key-replay');
    const { order_ref, ...rest } = charge;
    const second = await pay({ order_ref, ...rest }, 'key-replay');
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
  });

  it('replays a decline too, and refuses the same key with another body with 422', async () => {
    const declinedCharge = { ...charge, payment_method: 'pm_card_chargeDeclined' };
    expect((await pay(declinedCharge, 'key-declined')).status).toBe(402);
    expect((await pay(declinedCharge, 'key-declined')).status).toBe(402);
    const reused = await pay({ ...charge, amount_cents: 1 }, 'key-declined');
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('charges once for concurrent duplicates', async () => {
    const body = { ...charge, order_ref: 'ord_concurrent' };
    const answers = await Promise.all(Array.from({ length: 10 }, () => pay(body, 'key-concurrent')));
    expect(answers.every((a) => a.status === 201)).toBe(true);
    expect(new Set(answers.map((a) => a.body.payment_id)).size).toBe(1);
    expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(9);
  });

  it('charges twice without a key', async () => {
    const [a, b] = await Promise.all([pay(charge), pay(charge)]);
    expect(a.body.payment_id).not.toBe(b.body.payment_id);
  });

  it('refunds partially, then the rest, never more than the charge', async () => {
    const { payment_id } = (await pay({ ...charge, amount_cents: 1000 })).body;
    const refund = (body: unknown, key?: string) =>
      monolith.asService(`/api/payments/${payment_id}/refunds`, {
        body,
        headers: key ? { 'idempotency-key': key } : {},
      });

    const partial = await refund({ amount_cents: 400 }, 'refund-1');
    expect(partial.status).toBe(201);
    expect(partial.body).toMatchObject({
      payment_id,
      amount_cents: 400,
      payment_status: 'partially_refunded',
    });
    expect((await refund({ amount_cents: 400 }, 'refund-1')).body).toEqual(partial.body);

    const tooMuch = await refund({ amount_cents: 601 });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.error.code).toBe('REFUND_EXCEEDS_CHARGE');

    const rest = await monolith.asService(`/api/payments/${payment_id}/refunds`, { method: 'POST' });
    expect(rest.status).toBe(201);
    expect(rest.body).toMatchObject({ amount_cents: 600, payment_status: 'refunded' });
    expect((await monolith.asService(`/api/payments/${payment_id}`)).body).toMatchObject({
      status: 'refunded',
      refunded_cents: 1000,
    });
    const again = await refund({ amount_cents: 1 });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('PAYMENT_NOT_REFUNDABLE');
  });

  it('never refunds more than the charge under concurrent refunds', async () => {
    const { payment_id } = (await pay({ ...charge, amount_cents: 1000 })).body;
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        monolith.asService(`/api/payments/${payment_id}/refunds`, { body: { amount_cents: 300 } }),
      ),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(3);
    expect((await monolith.asService(`/api/payments/${payment_id}`)).body.refunded_cents).toBe(900);
  });

  it.each([
    ['a negative amount', { ...charge, amount_cents: -5 }],
    ['an amount as a string', { ...charge, amount_cents: '2500' }],
    ['a lower-case currency', { ...charge, currency: 'eur' }],
    ['a missing order_ref', { amount_cents: 1, currency: 'EUR', payment_method: 'pm_card_visa' }],
    ['an unknown field', { ...charge, tip_cents: 100 }],
    ['malformed JSON', '{"amount_cents": 1,'],
  ])('answers %s with a JSON 400', async (_name, body) => {
    const response = await pay(body);
    expect(response.status).toBe(400);
    expect(response.body.error).toEqual({ code: expect.any(String), message: expect.any(String) });
  });

  it('refuses a refund body with unknown fields or a negative amount', async () => {
    const { payment_id } = (await pay(charge)).body;
    for (const body of [{ amount_cents: -1 }, { everything: true }]) {
      expect((await monolith.asService(`/api/payments/${payment_id}/refunds`, { body })).status).toBe(400);
    }
  });
});
