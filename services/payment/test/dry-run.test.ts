import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { everyRow } from '@fig/testing/sqlite-rows';
import { type RunningEchoUpstream, startEchoUpstream } from '@fig/testing/echo-upstream';
import { type RunningDeployable, spawnDeployable } from '@fig/testing/spawn-deployable';
import { startTestIdentity, type TestIdentity } from '@fig/testing/test-identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;
let identity: TestIdentity;
let legacy: RunningEchoUpstream;
let payment: RunningDeployable;
let saga: Record<string, string>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fig-payment-dry-run-'));
  identity = await startTestIdentity();
  saga = { authorization: `Bearer ${await identity.serviceToken('checkout')}`, 'x-user-id': 'usr_carol' };
  // The monolith's place: ids this service does not own are passed on, and shown here.
  legacy = await startEchoUpstream('monolith');
  payment = await spawnDeployable('services/payment', {
    env: { ...identity.env, MONOLITH_URL: legacy.url, DATA_DIR: dir },
  });
});
afterAll(async () => {
  await payment?.stop();
  await legacy?.close();
  await identity?.close();
  rmSync(dir, { recursive: true, force: true });
});

const everyPaymentRow = () => everyRow(join(dir, 'payment.sqlite'));

const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
  const answer = await fetch(`${payment.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...saga, ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: answer.status,
    body: (await answer.json()) as any,
    replayed: answer.headers.get('idempotent-replayed'),
  };
};

const dryRun = { 'x-fig-dry-run': '1' };
const chargeBody = {
  amount_cents: 2500,
  currency: 'EUR',
  payment_method: 'pm_card_visa',
  order_ref: 'ord_dry',
};

describe('dry runs on the payment service (x-fig-dry-run: 1)', () => {
  it('answers a charge and a refund as it would and records nothing', async () => {
    const real = await post('/api/payments', { ...chargeBody, order_ref: 'ord_real' });
    expect(real.status).toBe(201);
    const before = everyPaymentRow();
    expect(before.payments).toHaveLength(1);

    const rehearsed = await post('/api/payments', chargeBody, { ...dryRun, 'idempotency-key': 'dry-key' });
    expect(rehearsed.status).toBe(201);
    expect(rehearsed.body).toMatchObject({
      payment_id: expect.any(String),
      status: 'succeeded',
      amount_cents: 2500,
    });
    const declined = await post(
      '/api/payments',
      { ...chargeBody, payment_method: 'pm_card_chargeDeclined' },
      dryRun,
    );
    expect([declined.status, declined.body.error.code]).toEqual([402, 'PAYMENT_DECLINED']);
    const refund = await post(`/api/payments/${real.body.payment_id}/refunds`, { amount_cents: 500 }, dryRun);
    expect(refund.status).toBe(201);
    expect(refund.body).toMatchObject({ amount_cents: 500, payment_status: 'partially_refunded' });

    expect(everyPaymentRow()).toEqual(before);
    const fetched = await fetch(`${payment.url}/api/payments/${real.body.payment_id}`, { headers: saga });
    expect(((await fetched.json()) as any).refunded_cents).toBe(0);
    // The key the dry run used is still unused.
    const charged = await post('/api/payments', chargeBody, { 'idempotency-key': 'dry-key' });
    expect([charged.status, charged.replayed]).toEqual([201, null]);
  });

  it('passes the dry run on when a refund belongs to the monolith, so it is rehearsed there too', async () => {
    const before = legacy.received.length;
    await post('/api/payments/pay_from_the_monolith/refunds', { amount_cents: 100 }, dryRun);
    const passed = legacy.received.slice(before);
    expect(passed.map((request) => [request.method, request.url, request.headers['x-fig-dry-run']])).toEqual([
      ['POST', '/api/payments/pay_from_the_monolith/refunds', '1'],
    ]);
  });
});
