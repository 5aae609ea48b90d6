import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort } from '@fig/testing/closed-port';
import { postgresPerSuite } from '@fig/testing/postgres-database';
import { type RunningDeployable, spawnDeployable } from '@fig/testing/spawn-deployable';
import { startTestIdentity, type TestIdentity } from '@fig/testing/test-identity';

// Two payment replicas on one PostgreSQL database: a retried charge may land on either.
const databases = postgresPerSuite('payment');
let identity: TestIdentity;
let replicas: RunningDeployable[];
let saga: { authorization: string };

beforeAll(async () => {
  identity = await startTestIdentity();
  saga = { authorization: `Bearer ${await identity.serviceToken('checkout')}` };
  const env = {
    ...identity.env,
    MONOLITH_URL: `http://127.0.0.1:${await closedPort()}`,
    DATABASE_URL: databases.payment.url,
  };
  replicas = await Promise.all([0, 1].map(() => spawnDeployable('services/payment', { env })));
});

afterAll(async () => {
  await Promise.all((replicas ?? []).map((replica) => replica.stop()));
  await identity?.close();
});

const charge = (
  base: string,
  key: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
) =>
  fetch(`${base}/api/payments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key, ...saga, ...headers },
    body: JSON.stringify(body),
  });

const request = {
  amount_cents: 4999,
  currency: 'EUR',
  payment_method: 'pm_card_visa',
  order_ref: 'ord_replicas',
};

describe('payment replicas on PostgreSQL', () => {
  it('charge once for one Idempotency-Key sent to both at the same time', async () => {
    const key = 'checkout:ord_replicas:charge';
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => charge(replicas[i % 2].url, key, request)),
    );
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 201));
    const ids = new Set(
      await Promise.all(
        answers.map(async (answer) => ((await answer.json()) as { payment_id: string }).payment_id),
      ),
    );
    expect(ids.size).toBe(1);
    expect(answers.filter((answer) => answer.headers.get('idempotent-replayed') === 'true')).toHaveLength(9);
    const rows = await databases.payment.query('SELECT id FROM payments WHERE order_ref = $1', [
      'ord_replicas',
    ]);
    expect(rows).toHaveLength(1);
  });

  it('refuse the key with another body on the other replica, changing nothing', async () => {
    const key = 'checkout:ord_reused:charge';
    expect((await charge(replicas[0].url, key, { ...request, order_ref: 'ord_reused' })).status).toBe(201);
    const reused = await charge(replicas[1].url, key, {
      ...request,
      order_ref: 'ord_reused',
      amount_cents: 1,
    });
    expect(reused.status).toBe(422);
    expect(((await reused.json()) as { error: { code: string } }).error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const rows = await databases.payment.query('SELECT amount_cents FROM payments WHERE order_ref = $1', [
      'ord_reused',
    ]);
    expect(rows).toEqual([{ amount_cents: 4999 }]);
  });

  it('replay a declined charge as declined, and store nothing for a dry run', async () => {
    const declined = { ...request, payment_method: 'pm_card_chargeDeclined', order_ref: 'ord_declined' };
    expect((await charge(replicas[0].url, 'k-declined', declined)).status).toBe(402);
    const replay = await charge(replicas[1].url, 'k-declined', declined);
    expect(replay.status).toBe(402);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const rehearsed = await charge(
      replicas[1].url,
      'k-dry',
      { ...request, order_ref: 'ord_dry' },
      { 'x-fig-dry-run': '1' },
    );
    expect(rehearsed.status).toBe(201);
    expect(await databases.payment.query('SELECT 1 FROM payments WHERE order_ref = $1', ['ord_dry'])).toEqual(
      [],
    );
    expect(await databases.payment.query("SELECT 1 FROM idempotency_keys WHERE key = 'k-dry'")).toEqual([]);
  });
});
