import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort } from '@fig/testing/closed-port';
import { postgresPerSuite } from '@fig/testing/postgres-database';
import { type RunningDeployable, spawnDeployable } from '@fig/testing/spawn-deployable';
import { startTcpProxy, type TcpProxy } from '@fig/testing/tcp-proxy';
import { startTestIdentity, type TestIdentity } from '@fig/testing/test-identity';

// Two inventory replicas on one PostgreSQL database, started together; a third behind a TCP
// proxy that can make the database vanish or hang under it.
const databases = postgresPerSuite('inventory');
let identity: TestIdentity;
let replicas: RunningDeployable[];
let proxy: TcpProxy;
let proxied: RunningDeployable;
let saga: { authorization: string };

const spawnReplica = async (databaseUrl: string) =>
  spawnDeployable('services/inventory', {
    env: {
      ...identity.env,
      MONOLITH_URL: `http://127.0.0.1:${await closedPort()}`,
      DATABASE_URL: databaseUrl,
      DATABASE_TIMEOUT_MS: '300',
    },
  });

beforeAll(async () => {
  identity = await startTestIdentity();
  saga = { authorization: `Bearer ${await identity.serviceToken('checkout')}` };
  replicas = await Promise.all([
    spawnReplica(databases.inventory.url),
    spawnReplica(databases.inventory.url),
  ]);
  proxy = await startTcpProxy(Number(new URL(databases.inventory.url).port || 5432));
  const through = new URL(databases.inventory.url);
  through.port = String(proxy.port);
  proxied = await spawnReplica(through.href);
});

afterAll(async () => {
  await Promise.all([...(replicas ?? []), proxied].map((replica) => replica?.stop()));
  await proxy?.close();
  await identity?.close();
});

async function stock(base: string, sku: string) {
  const response = await fetch(`${base}/api/inventory/${sku}`);
  expect(response.status).toBe(200);
  return (await response.json()) as { sku: string; available: number; reserved: number };
}

const post = (base: string, path: string, body?: unknown) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { ...saga, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

describe('inventory replicas on PostgreSQL', () => {
  it('migrate once when they start together', async () => {
    const applied = await databases.inventory.query<{ id: string; n: number }>(
      'SELECT id, COUNT(*)::int AS n FROM schema_migrations GROUP BY id ORDER BY id',
    );
    expect(applied.map((row) => row.id)).toEqual([
      'domain-001-schema',
      'domain-002-seed',
      'domain-003-outbox',
    ]);
    expect(applied.every((row) => row.n === 1)).toBe(true);
    const [seeded] = await databases.inventory.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM stock');
    expect(seeded.n).toBe(240);
  });

  it('sell the last units exactly once when both reserve them at the same time', async () => {
    const sku = 'SKU-0020';
    const k = (await stock(replicas[0].url, sku)).available;
    expect(k).toBeGreaterThan(0);
    const attempts = k + 20;
    const answers = await Promise.all(
      Array.from({ length: attempts }, (_, i) =>
        post(replicas[i % 2].url, '/api/inventory/reservations', {
          items: [{ sku, quantity: 1 }],
          ttl_seconds: 60,
        }),
      ),
    );
    const won = answers.filter((answer) => answer.status === 201);
    expect(won).toHaveLength(k);
    expect(answers.filter((answer) => answer.status === 409)).toHaveLength(attempts - k);
    // Committing each won reservation on both replicas at once takes its unit once.
    const ids = await Promise.all(
      won.map(async (answer) => ((await answer.json()) as { reservation_id: string }).reservation_id),
    );
    const commits = await Promise.all(
      ids.flatMap((id) =>
        replicas.map((replica) => post(replica.url, `/api/inventory/reservations/${id}/commit`)),
      ),
    );
    expect(commits.map((answer) => answer.status)).toEqual(commits.map(() => 200));
    for (const replica of replicas)
      expect(await stock(replica.url, sku)).toEqual({ sku, available: 0, reserved: 0 });
    const [row] = await databases.inventory.query<{ on_hand: number }>(
      'SELECT on_hand FROM stock WHERE sku = $1',
      [sku],
    );
    expect(row.on_hand).toBe(0);
  });

  it('answer a fast JSON 503 while the database is down, and are not ready, then recover', async () => {
    proxy.cut();
    try {
      const answer = await post(proxied.url, '/api/inventory/reservations', {
        items: [{ sku: 'SKU-0001', quantity: 1 }],
        ttl_seconds: 60,
      });
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toBe('1');
      expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('STORAGE_UNAVAILABLE');
      expect((await fetch(`${proxied.internalUrl}/health/ready`)).status).toBe(503);
    } finally {
      proxy.heal();
    }
    expect((await fetch(`${proxied.internalUrl}/health/ready`)).status).toBe(200);
    expect((await stock(proxied.url, 'SKU-0001')).reserved).toBe(0);
  });

  it('answer a JSON 503 when the database hangs, and keep nothing half done', async () => {
    const before = await stock(replicas[0].url, 'SKU-0002');
    proxy.stall();
    try {
      const answer = await post(proxied.url, '/api/inventory/reservations', {
        items: [{ sku: 'SKU-0002', quantity: 1 }],
        ttl_seconds: 60,
      });
      expect(answer.status).toBe(503);
      expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('STORAGE_UNAVAILABLE');
    } finally {
      proxy.heal();
    }
    expect(await stock(replicas[0].url, 'SKU-0002')).toEqual(before);
  });

  it('refuse to start when the database cannot be reached', async () => {
    const nowhere = `postgres://postgres@127.0.0.1:${await closedPort()}/fig`;
    await expect(spawnReplica(nowhere)).rejects.toThrow(/exited with/);
  });
});
