import { describe, expect, it } from 'vitest';
import { echoGatewayPerSuite, splitRules } from '../../gateway/test/gateway-harness.ts';

const adminToken = 'an-admin-token-for-tests';
const edge = echoGatewayPerSuite(
  (upstreams) => splitRules(upstreams, 25),
  () => ({ ADMIN_TOKEN: adminToken }),
);

describe('admin server', () => {
  it('needs the admin token, except for the health probes', async () => {
    for (const path of ['/rules', '/metrics']) {
      const response = await fetch(`${edge.gateway.adminUrl}${path}`);
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
        'GW_ERR_ADMIN_UNAUTHORIZED',
      );
      const wrong = await fetch(`${edge.gateway.adminUrl}${path}`, {
        headers: { authorization: 'Bearer nope' },
      });
      expect(wrong.status).toBe(401);
    }
    expect((await fetch(`${edge.gateway.adminUrl}/health/live`)).status).toBe(200);
    const ready = await fetch(`${edge.gateway.adminUrl}/health/ready`);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { rules: true } });
  });

  it('shows the active rules, their version, breakers and the last reload', async () => {
    const view = await edge.gateway.rules();
    expect(view).toMatchObject({
      version: expect.stringMatching(/^[0-9a-f]{12}$/),
      lastReload: null,
      breakers: { monolith: 'closed', inventory: 'closed' },
      routes: [expect.objectContaining({ name: 'inventory', percent: 25, sticky: 'header:x-client-id' })],
    });
  });

  it('counts requests by route, backend and status', async () => {
    for (let i = 0; i < 40; i++) {
      await (
        await fetch(`${edge.gateway.url}/api/inventory/a`, { headers: { 'x-client-id': `u${i}` } })
      ).arrayBuffer();
    }
    await (await fetch(`${edge.gateway.url}/elsewhere`)).arrayBuffer();
    const metrics = await edge.gateway.metrics();
    const count = (route: string, backend: string) =>
      Number(
        new RegExp(
          `gateway_requests_total\\{route="${route}",backend="${backend}",status="200",service="gateway"\\} (\\d+)`,
        ).exec(metrics)?.[1] ?? 0,
      );
    expect(count('inventory', 'inventory') + count('inventory', 'monolith')).toBe(40);
    expect(count('inventory', 'inventory')).toBeGreaterThan(0);
    expect(count('default', 'monolith')).toBe(1);
    expect(metrics).toContain(
      'gateway_request_duration_seconds_bucket{le="0.005",service="gateway",route="inventory"',
    );
  });
});

describe('edge basics', () => {
  it('sends unmatched paths to the monolith and rejects ambiguous paths', async () => {
    const unmatched = await fetch(`${edge.gateway.url}/legacy/page?x=1`);
    expect(unmatched.headers.get('x-served-by')).toBe('monolith');
    expect(((await unmatched.json()) as { url: string }).url).toBe('/legacy/page?x=1');
    const traversal = await fetch(`${edge.gateway.url}/api/a%2fb`);
    expect(traversal.status).toBe(400);
    expect(((await traversal.json()) as { error: { code: string; requestId: string } }).error).toMatchObject({
      code: 'GW_ERR_BAD_PATH',
      requestId: expect.any(String),
    });
  });

  it('forwards the normalised path', async () => {
    const response = await fetch(`${edge.gateway.url}/api//inventory/%61bc`, {
      headers: { 'x-client-id': 'u1' },
    });
    expect(((await response.json()) as { url: string }).url).toBe('/api/inventory/abc');
  });
});
