import { stickyBucket } from '@fig/routing-rules';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoGatewayPerSuite, splitRules } from '../../gateway/test/gateway-harness.ts';

const users = Array.from({ length: 3000 }, (_, i) => `client-${i}`);

const edge = echoGatewayPerSuite((upstreams) => splitRules(upstreams, 25));
let pool: Pool;

/** Which upstream served each user, asking for all of them with bounded concurrency. */
async function sides(): Promise<Map<string, string>> {
  const served = new Map<string, string>();
  let next = 0;
  const worker = async () => {
    while (next < users.length) {
      const user = users[next++];
      const response = await pool.request({
        method: 'GET',
        path: '/api/inventory/sku-1',
        headers: { 'x-client-id': user },
      });
      await response.body.dump();
      expect(response.statusCode).toBe(200);
      served.set(user, String(response.headers['x-served-by']));
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return served;
}

const share = (served: Map<string, string>) =>
  [...served.values()].filter((s) => s === 'inventory').length / served.size;

beforeAll(() => {
  pool = new Pool(edge.gateway.url, { connections: 16 });
});

afterAll(async () => {
  await pool?.close();
});

describe('sticky percentage split', () => {
  it('sends the configured share of distinct users to the service, each to its bucket side', async () => {
    const served = await sides();
    expect(Math.abs(share(served) - 0.25)).toBeLessThan(0.03);
    for (const [user, side] of served) {
      expect(side).toBe(stickyBucket('inventory', user) < 2500 ? 'inventory' : 'monolith');
    }
    // Upstreams saw the requests the gateway said they served.
    expect(edge.service.received.length).toBe([...served.values()].filter((s) => s === 'inventory').length);
  });

  it('keeps every user on the same side while the percentage stays', async () => {
    const first = await sides();
    const second = await sides();
    expect(second).toEqual(first);
  });

  it('only adds users to the service as the percentage rises, and the shares follow', async () => {
    let previous = await sides();
    for (const percent of [40, 75]) {
      const view = await edge.gateway.updateRules(
        splitRules({ monolith: edge.monolith.url, service: edge.service.url }, percent),
      );
      expect(view.lastReload?.ok).toBe(true);
      const now = await sides();
      const movedBack = users.filter((u) => previous.get(u) === 'inventory' && now.get(u) !== 'inventory');
      expect(movedBack).toEqual([]);
      expect(Math.abs(share(now) - percent / 100)).toBeLessThan(0.03);
      previous = now;
    }
  });
});
