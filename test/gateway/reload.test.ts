import { startEchoUpstream } from '@fig/testing/echo-upstream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { describe, expect, it } from 'vitest';
import { echoGatewayPerSuite, splitRules } from '../../gateway/test/gateway-harness.ts';

const edge = echoGatewayPerSuite((upstreams) => splitRules(upstreams, 10));
const rulesAt = (percent: number) =>
  splitRules({ monolith: edge.monolith.url, service: edge.service.url }, percent);

/** Twelve clients (one POST in five) until `during` is done; what they got back. */
async function underLoad(during: () => Promise<void>) {
  const pool = new Pool(edge.gateway.url, { connections: 16 });
  const outcomes = { ok: 0, failed: [] as string[] };
  let running = true;
  const worker = async (id: number) => {
    for (let i = 0; running; i++) {
      try {
        const response = await pool.request({
          method: i % 5 === 0 ? 'POST' : 'GET',
          path: `/api/inventory/sku-${i}`,
          headers: { 'x-client-id': `w${id}-${i % 50}`, 'content-type': 'application/json' },
          body: i % 5 === 0 ? JSON.stringify({ i }) : undefined,
        });
        await response.body.dump();
        if (response.statusCode === 200) outcomes.ok += 1;
        else outcomes.failed.push(String(response.statusCode));
      } catch (error) {
        outcomes.failed.push(String(error));
      }
    }
  };
  const load = Promise.all(Array.from({ length: 12 }, (_, id) => worker(id)));
  await during();
  running = false;
  await load;
  await pool.close();
  return outcomes;
}

describe('hot reload', () => {
  it('applies edits under load without failing a single request', async () => {
    const versions = new Set<string>();
    const outcomes = await underLoad(async () => {
      for (const percent of [20, 35, 50, 0, 100, 60]) {
        versions.add((await edge.gateway.updateRules(rulesAt(percent))).version);
        await sleep(100);
      }
    });
    expect(versions.size).toBe(6);
    expect(outcomes.failed).toEqual([]);
    expect(outcomes.ok).toBeGreaterThan(100);
  });

  it('moves a service to another address under load without failing a request', async () => {
    const moved = await startEchoUpstream('inventory');
    try {
      const outcomes = await underLoad(async () => {
        await edge.gateway.updateRules(splitRules({ monolith: edge.monolith.url, service: moved.url }, 100));
        await sleep(150);
        await edge.gateway.updateRules(
          splitRules({ monolith: edge.monolith.url, service: edge.service.url }, 100),
        );
        await sleep(150);
      });
      expect(outcomes.failed).toEqual([]);
      expect(moved.received.length).toBeGreaterThan(0);
      // Requests that started on the other rules reached their own address, not the monolith.
      expect(await edge.gateway.metrics()).not.toMatch(/gateway_fallbacks_total\{/);
    } finally {
      await moved.close();
    }
  });

  it('rejects an invalid edit whole and keeps the last good rules, visibly', async () => {
    const good = await edge.gateway.updateRules(rulesAt(30));
    const rejected = await edge.gateway.updateRules(
      rulesAt(30).replace('percent: 30', 'percent: 130\n    colour: blue'),
    );
    expect(rejected.version).toBe(good.version);
    expect(rejected.lastReload).toMatchObject({ ok: false, version: good.version });
    expect(rejected.lastReload?.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ line: 12, message: 'must be <= 100' }),
        expect.objectContaining({ line: 13, message: 'unknown field "colour"' }),
      ]),
    );
    expect(rejected.routes.find((r) => r.name === 'inventory')?.percent).toBe(30);
    expect(await edge.gateway.metrics()).toMatch(
      /^gateway_rules_reloads_total\{result="error",service="gateway"\} [1-9]/m,
    );
    expect(await edge.gateway.metrics()).toContain(
      `gateway_rules_info{version="${good.version}",service="gateway"} 1`,
    );

    // Traffic still flows on the old rules.
    const response = await fetch(`${edge.gateway.url}/api/inventory/x`, {
      headers: { 'x-client-id': 'someone' },
    });
    expect(response.status).toBe(200);

    const syntax = await edge.gateway.updateRules('version: 1\nroutes: [\n');
    expect(syntax.version).toBe(good.version);
    expect(syntax.lastReload?.problems?.[0].line).toBe(3);
  });
});
