// `npm run bench:checkout`: checkouts per second through the checkout service on its embedded
// default (SQLite files) and on PostgreSQL with one and two checkout replicas, then how long an
// order's event waits in the outbox between its commit and its delivery: to the monolith's PUT
// without Redis, and with REDIS_URL (a private redis-server, appendonly and fsynced as deployed)
// to its XADD on the stream, which the monolith consumes. Every deployable is a real process;
// PostgreSQL is the server on 127.0.0.1:5432 (TEST_POSTGRES_URL), in databases made for the run
// and dropped after it.
// Env: BENCH_SECONDS (per run, default 10), BENCH_CONNECTIONS (checkouts in flight, default 16).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { closedPort } from '@fig/testing/closed-port';
import { type RunningRedis, startRedisServer } from '@fig/testing/redis-server';

const root = fileURLToPath(new URL('../..', import.meta.url));
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 16);
const serverUrl = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const scratch = mkdtempSync(join(tmpdir(), 'fig-bench-checkout-'));
const children: ChildProcess[] = [];
const databases: string[] = [];

async function onServer(sql: string) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

async function database(label: string) {
  const name = `fig_bench_${label.replace(/[^a-z0-9_]/g, '_')}_${randomBytes(4).toString('hex')}`;
  await onServer(`CREATE DATABASE ${name}`);
  databases.push(name);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.href;
}

/** A deployable on fixed ports, resolved once its internal listener answers /health/ready. */
async function start(dir: string, env: Record<string, string>) {
  const port = await closedPort();
  const internalPort = await closedPort();
  const child = spawn(process.execPath, [join(root, dir, 'src/main.ts')], {
    env: {
      ...process.env,
      PORT: String(port),
      INTERNAL_PORT: String(internalPort),
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  const internalUrl = `http://127.0.0.1:${internalPort}`;
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`${dir} exited with ${child.exitCode}`);
    const ready = await fetch(`${internalUrl}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return { url, internalUrl, child };
    await sleep(50);
  }
  throw new Error(`${dir} did not become ready`);
}

async function stopAll() {
  await Promise.all(
    children.splice(0).map(async (child) => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    }),
  );
}

const address = { name: 'Bench', line1: '1 Main St', city: 'Berlin', postal_code: '10115', country: 'DE' };
// Plentiful skus only (never every tenth or twenty-fifth), so no checkout is refused for stock.
const skus = Array.from({ length: 200 }, (_, i) => i + 1)
  .filter((n) => n % 10 !== 0 && n % 25 !== 0)
  .map((n) => `SKU-${String(n).padStart(4, '0')}`);

async function post(url: string, token: string, body: unknown) {
  const answer = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: answer.status, body: (await answer.json()) as Record<string, string> };
}

/** Checkouts placed per second for `seconds`, `connections` at a time, spread over `checkouts`. */
async function checkoutRate(checkouts: string[], token: string, durationSeconds = seconds) {
  let placed = 0;
  let failed = 0;
  const deadline = Date.now() + durationSeconds * 1000;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: connections }, async (_, worker) => {
      for (let n = worker; Date.now() < deadline; n += connections) {
        const base = checkouts[n % checkouts.length];
        const cart = await post(`${base}/api/carts`, token, {});
        await post(`${base}/api/carts/${cart.body.cart_id}/items`, token, {
          sku: skus[n % skus.length],
          quantity: 1,
        });
        const answer = await post(`${base}/api/checkout`, token, {
          cart_id: cart.body.cart_id,
          payment_method: 'pm_card_visa',
          shipping_address: address,
        });
        if (answer.status === 201) placed++;
        else failed++;
      }
    }),
  );
  return { perSecond: placed / ((Date.now() - started) / 1000), failed };
}

/** Percentiles of `values` (ms), nearest rank. */
function percentiles(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
  return { p50: at(0.5), p99: at(0.99), n: sorted.length };
}

/**
 * Commit → XADD of every order event on the stream: the entry id's milliseconds are Redis's
 * clock at the XADD, the event's timestamp the checkout's just before its commit (one machine).
 */
async function streamLag(redis: RunningRedis) {
  const client = new Redis(redis.url, { protocol: 2 });
  try {
    const entries = await client.xrange('checkout.order_created.v1', '-', '+');
    return percentiles(
      entries.map(([id, fields]) => Number(id.split('-')[0]) - Date.parse(JSON.parse(fields[1]).timestamp)),
    );
  } finally {
    client.disconnect();
  }
}

async function scenario(name: string, postgres: boolean, replicas: number, stream = false) {
  const redis = stream
    ? await startRedisServer({ appendOnlyDir: mkdtempSync(join(scratch, 'redis-')) })
    : undefined;
  const events: Record<string, string> = redis ? { REDIS_URL: redis.url } : {};
  const monolith = await start('monolith-stub', {
    ...events,
    DATA_DIR: join(scratch, `${name}-monolith`),
    LEGACY_LATENCY_MS: '0',
    LEGACY_CHECKOUT_LATENCY_MS: '0',
  });
  const trust = { AUTH_JWKS_URL: `${monolith.url}/.well-known/jwks.json` };
  const storage = async (service: string): Promise<Record<string, string>> =>
    postgres
      ? { DATABASE_URL: await database(`${name}_${service}`) }
      : { DATA_DIR: join(scratch, `${name}-${service}`) };
  const [inventory, payment] = await Promise.all([
    start('services/inventory', { ...trust, MONOLITH_URL: monolith.url, ...(await storage('inventory')) }),
    start('services/payment', { ...trust, MONOLITH_URL: monolith.url, ...(await storage('payment')) }),
  ]);
  const checkoutStorage = await storage('checkout');
  const checkouts = await Promise.all(
    Array.from({ length: replicas }, () =>
      start('services/checkout', {
        ...trust,
        ...checkoutStorage,
        ...events,
        AUTH_TOKEN_URL: `${monolith.url}/auth/token`,
        INVENTORY_URL: inventory.url,
        PAYMENT_URL: payment.url,
        MONOLITH_URL: monolith.url,
        MONOLITH_INTERNAL_URL: monolith.internalUrl,
      }),
    ),
  );
  const login = await post(`${monolith.url}/auth/login`, '', { username: 'alice', password: 'password' });
  const token = login.body.access_token;
  // A short warm-up: JIT, pools and the service tokens.
  const urls = checkouts.map((c) => c.url);
  await checkoutRate(
    urls.map((u) => u),
    token,
  ).catch(() => undefined);
  const result = await checkoutRate(urls, token);
  let delivery: { p50: number; p99: number; n: number } | undefined;
  if (redis) {
    await sleep(2000);
    delivery = await streamLag(redis);
  } else if (postgres) {
    await sleep(2000);
    const client = new pg.Client({ connectionString: checkoutStorage.DATABASE_URL });
    await client.connect();
    const [row] = (
      await client.query(`SELECT
        percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM published_at - created_at)) * 1000 AS p50,
        percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM published_at - created_at)) * 1000 AS p99,
        count(*)::int AS n
        FROM event_outbox WHERE published_at IS NOT NULL`)
    ).rows;
    await client.end();
    delivery = { p50: Number(row.p50), p99: Number(row.p99), n: row.n };
  }
  await stopAll();
  await redis?.stop();
  return { name, ...result, delivery };
}

try {
  console.log(`checkout throughput, ${connections} in flight, ${seconds} s per run\n`);
  const embedded = await scenario('embedded', false, 1);
  const one = await scenario('postgres1', true, 1);
  const two = await scenario('postgres2', true, 2);
  const oneStream = await scenario('pg1+redis', true, 1, true);
  const twoStream = await scenario('pg2+redis', true, 2, true);
  for (const run of [embedded, one, two, oneStream, twoStream]) {
    const ratio = (run.perSecond / embedded.perSecond).toFixed(2);
    console.log(
      `${run.name.padEnd(12)} ${run.perSecond.toFixed(1).padStart(7)} checkouts/s  x embedded ${ratio}  refused ${run.failed}` +
        (run.delivery
          ? `  commit → ${run.name.endsWith('redis') ? 'XADD' : 'delivered'} p50 ${run.delivery.p50.toFixed(1)} ms p99 ${run.delivery.p99.toFixed(1)} ms (${run.delivery.n} orders)`
          : ''),
    );
  }
  console.log(`\ntwo replicas / one on PostgreSQL: ${(two.perSecond / one.perSecond).toFixed(2)}`);
  console.log(`with Redis / without, one replica: ${(oneStream.perSecond / one.perSecond).toFixed(2)}`);
} finally {
  await stopAll();
  for (const name of databases)
    await onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
  rmSync(scratch, { recursive: true, force: true });
}
