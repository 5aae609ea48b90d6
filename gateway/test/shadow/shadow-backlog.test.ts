import { type RunningEchoUpstream, startEchoUpstream } from '@fig/testing/echo-upstream';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareOptions } from '../../src/shadow/comparison/compare-options.ts';
import type { ShadowJob } from '../../src/shadow/worker/protocol.ts';
import { createShadowMetrics } from '../../src/shadow/plugin/shadow-metrics.ts';
import { ShadowWorkerClient } from '../../src/shadow/plugin/shadow-worker-client.ts';

let monolith: RunningEchoUpstream;
let service: RunningEchoUpstream;
let worker: ShadowWorkerClient;
const registry = new Registry();
const backlog = 3;

beforeAll(async () => {
  [monolith, service] = await Promise.all([startEchoUpstream('monolith'), startEchoUpstream('inventory')]);
  worker = new ShadowWorkerClient({
    limits: { backlog },
    bucketMs: 10_000,
    metrics: createShadowMetrics(registry),
    onError: () => undefined,
  });
});

afterAll(async () => {
  await worker?.close();
  await Promise.all([monolith?.close(), service?.close()]);
});

const job = (n: number): ShadowJob => ({
  route: 'inventory',
  options: compareOptions(),
  method: 'GET',
  url: `/api/inventory/${n}`,
  headers: {},
  primary: {
    side: 'monolith',
    origin: monolith.url,
    ms: 1,
    response: {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify({ n })),
      truncated: false,
    },
  },
  target: { side: 'service', origin: service.url, dryRun: false },
});

const counters = async () =>
  (await worker.snapshot()).get('inventory')?.counters ?? new Map<string, number>();

describe("the main thread's shadow backlog", () => {
  it('holds at most SHADOW_BACKLOG jobs the worker has not taken, and counts the rest as dropped', async () => {
    const dropped = async () => (await counters()).get('dropped|backlog_full');
    // One event-loop turn: nothing reaches the worker before all ten are submitted.
    for (let n = 0; n < 10; n++) worker.submit(job(n));
    expect(await dropped()).toBe(10 - backlog);
    expect(await registry.getSingleMetricAsString('fig_shadow_dropped_total')).toMatch(
      /fig_shadow_dropped_total\{route="inventory",reason="backlog_full"\} 7/,
    );

    // Posted to the worker is not taken by it: a read hands these over at once, and the
    // worker cannot say it has taken them before this turn ends.
    for (let n = 10; n < 10 + backlog; n++) worker.submit(job(n));
    const handedOver = counters();
    for (let n = 20; n < 24; n++) worker.submit(job(n));
    await handedOver;
    expect(await dropped()).toBe(10 - backlog + 4);

    // Taken by the worker, they no longer count: a new turn's jobs are all kept.
    for (let n = 30; n < 30 + backlog; n++) worker.submit(job(n));
    expect(await dropped()).toBe(10 - backlog + 4);
    await expect.poll(async () => (await counters()).get('compared')).toBe(3 * backlog);
    expect(service.received.map((request) => request.url).sort()).toEqual(
      [0, 1, 2, 10, 11, 12, 30, 31, 32].map((n) => `/api/inventory/${n}`).sort(),
    );
  });
});
