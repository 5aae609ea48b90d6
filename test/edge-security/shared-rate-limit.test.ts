import { type RunningEchoUpstream, startEchoUpstream } from '@fig/testing/echo-upstream';
import { type RunningRedis, startRedisServer } from '@fig/testing/redis-server';
import { type RunningDeployable, spawnDeployable } from '@fig/testing/spawn-deployable';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let redis: RunningRedis;
let monolith: RunningEchoUpstream;
let gateways: RunningDeployable[] = [];
let dir: string;

// The gateway announces its admin address first, then the public one.
const publicUrl = (gateway: RunningDeployable) => gateway.addresses[1];
const adminUrl = (gateway: RunningDeployable) => gateway.addresses[0];

beforeAll(async () => {
  [redis, monolith] = await Promise.all([startRedisServer(), startEchoUpstream('monolith')]);
  dir = mkdtempSync(join(tmpdir(), 'fig-shared-limit-'));
  const rulesFile = join(dir, 'routes.yaml');
  writeFileSync(
    rulesFile,
    `
version: 1
upstreams: { monolith: { url: '${monolith.url}' } }
defaults: { auth: none, rateLimit: { max: 100000 } }
routes:
  - { name: limited, path: /limited, rateLimit: { max: 10, window: 1m, by: ip } }
`,
  );
  const env = {
    ADMIN_PORT: '0',
    ROUTING_RULES: rulesFile,
    REDIS_URL: redis.url,
    // An answer slower than the command timeout is let through (fail-open, counted): on a
    // loaded test machine 100 ms is too short to count exactly. A killed Redis still fails fast.
    RATE_LIMIT_REDIS_TIMEOUT_MS: '2000',
    AUTH_JWKS_URL: 'http://127.0.0.1:9/jwks.json',
  };
  gateways = await Promise.all([spawnDeployable('gateway', { env }), spawnDeployable('gateway', { env })]);
});
afterAll(async () => {
  await Promise.all(gateways.map((gateway) => gateway.stop()));
  await Promise.all([redis?.stop(), monolith?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

// Every request has a deadline: a gateway stalled on Redis fails the test instead of hanging it.
async function status(url: string): Promise<number> {
  const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
  await response.arrayBuffer();
  return response.status;
}

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(50);
  }
}

describe('one budget shared through Redis', () => {
  it('lets at most the limit through across two gateway processes', async () => {
    const seen: number[] = [];
    for (let i = 0; i < 30; i++) seen.push(await status(`${publicUrl(gateways[i % 2])}/limited/a`));
    expect(seen.filter((code) => code === 200)).toHaveLength(10);
    expect(seen.filter((code) => code === 429)).toHaveLength(20);
    expect(seen.slice(0, 10)).toEqual(Array(10).fill(200));
  });

  it('keeps serving without stalling while Redis is killed mid-load, counts it, and recovers', async () => {
    const [a, b] = gateways;
    let stop = false;
    let done = 0;
    const load = async (gateway: RunningDeployable) => {
      const codes: number[] = [];
      while (!stop) {
        codes.push(await status(`${publicUrl(gateway)}/open`));
        done += 1;
      }
      return codes;
    };
    const running = [load(a), load(b), load(a), load(b)];
    await waitUntil(() => done >= 20);
    await redis.kill();
    const atKill = done;
    await waitUntil(() => done >= atKill + 40);
    stop = true;
    const codes = (await Promise.all(running)).flat();
    expect(new Set(codes)).toEqual(new Set([200]));
    for (const gateway of gateways) {
      const metrics = await (await fetch(`${adminUrl(gateway)}/metrics`)).text();
      expect(metrics).toMatch(/gateway_rate_limit_store_errors_total\{[^}]*action="allowed"[^}]*\} [1-9]/);
    }

    await redis.restart();
    // Redis came back empty: once reconnected, the shared budget is enforced again. Each gateway
    // reconnects on its own schedule: wait until both refuse (the last request to each).
    await waitUntil(async () => {
      const codes = [];
      for (let i = 0; i < 12; i++) codes.push(await status(`${publicUrl(gateways[i % 2])}/limited/b`));
      return codes.at(-1) === 429 && codes.at(-2) === 429;
    });
    const after: number[] = [];
    for (let i = 0; i < 4; i++) after.push(await status(`${publicUrl(gateways[i % 2])}/limited/b`));
    expect(after).toEqual([429, 429, 429, 429]);
  });
});
