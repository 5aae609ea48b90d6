import { closedPort } from '@fig/testing/closed-port';
import { type EchoBehaviour, startEchoUpstream, type RunningEchoUpstream } from '@fig/testing/echo-upstream';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningGateway, startGateway } from '../../gateway/test/gateway-harness.ts';

const rules = (monolith: string, service: string, extra = '') => `version: 1
upstreams:
  monolith: { url: ${monolith}, timeout: 1s, retries: 1 }
  inventory:
    url: ${service}
    timeout: 300ms
    breaker: { volumeThreshold: 5, resetTimeout: 1m }
defaults:
  auth: none
  rateLimit: { max: 1000000 }
routes:
  - { name: inventory, path: /api/inventory, service: inventory, percent: 100 }
  - { name: orders, path: /api/orders }
${extra}`;

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

async function setUp(options: { serviceDown?: boolean } = {}) {
  const monolith = await startEchoUpstream('monolith');
  cleanup.push(monolith.close);
  let service: RunningEchoUpstream | undefined;
  let serviceUrl = `http://127.0.0.1:${await closedPort()}`;
  if (!options.serviceDown) {
    service = await startEchoUpstream('inventory');
    cleanup.push(service.close);
    serviceUrl = service.url;
  }
  const gateway: RunningGateway = await startGateway(rules(monolith.url, serviceUrl));
  cleanup.push(gateway.close);
  return { monolith, service, gateway };
}

const metric = (text: string, pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0);

describe('fallback to the monolith', () => {
  it('serves every method from the monolith when the service refuses connections, then opens the breaker', async () => {
    const { monolith, gateway } = await setUp({ serviceDown: true });
    for (let i = 0; i < 8; i++) {
      const response = await fetch(`${gateway.url}/api/inventory/sku-${i}`, {
        method: i % 2 ? 'POST' : 'GET',
        headers: { 'content-type': 'application/json' },
        body: i % 2 ? JSON.stringify({ i }) : undefined,
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-served-by')).toBe('monolith');
    }
    // The POSTs reached the monolith with their bodies intact.
    expect(monolith.received.filter((r) => r.method === 'POST').map((r) => r.body)).toEqual([
      '{"i":1}',
      '{"i":3}',
      '{"i":5}',
      '{"i":7}',
    ]);
    const view = await gateway.rules();
    expect(view.breakers.inventory).toBe('open');
    const metrics = await gateway.metrics();
    expect(
      metric(
        metrics,
        /gateway_fallbacks_total\{route="inventory",service="inventory",reason="connect".*\} (\d+)/,
      ),
    ).toBe(5);
    expect(
      metric(
        metrics,
        /gateway_fallbacks_total\{route="inventory",service="inventory",reason="breaker_open".*\} (\d+)/,
      ),
    ).toBe(3);
    expect(metrics).toContain('gateway_breaker_state{upstream="inventory",service="gateway"} 2');
  });

  it('sends a large upload to the monolith whole when none of it reached the service', async () => {
    const { monolith, gateway } = await setUp({ serviceDown: true });
    // Over the 64 KiB kept in memory: the body streams, declared or chunked.
    const upload = 'x'.repeat(300 * 1024);
    const declared = await fetch(`${gateway.url}/api/inventory/upload`, { method: 'POST', body: upload });
    const chunked = await fetch(`${gateway.url}/api/inventory/upload`, {
      method: 'PUT',
      body: new Blob([upload]).stream(),
      duplex: 'half',
    } as RequestInit);
    for (const response of [declared, chunked]) {
      expect(response.status).toBe(200);
      expect(response.headers.get('x-served-by')).toBe('monolith');
      await response.arrayBuffer();
    }
    const received = monolith.received.filter((r) => r.method !== 'GET');
    expect(received.map((r) => [r.method, r.body.length])).toEqual([
      ['POST', upload.length],
      ['PUT', upload.length],
    ]);
    expect(received.every((r) => r.body === upload)).toBe(true);
  });

  it('loses no GET when the service dies under load', async () => {
    const { service, gateway } = await setUp();
    const pool = new Pool(gateway.url, { connections: 8 });
    const statuses: number[] = [];
    const served = new Set<string>();
    let running = true;
    const worker = async () => {
      for (let i = 0; running; i++) {
        const response = await pool.request({ method: 'GET', path: `/api/inventory/sku-${i}` });
        await response.body.dump();
        statuses.push(response.statusCode);
        served.add(String(response.headers['x-served-by']));
      }
    };
    const load = Promise.all(Array.from({ length: 8 }, worker));
    while (service!.received.length < 200) await new Promise((resolve) => setTimeout(resolve, 10));
    await service!.close();
    const afterKill = statuses.length;
    while (statuses.length < afterKill + 300) await new Promise((resolve) => setTimeout(resolve, 10));
    running = false;
    await load;
    await pool.close();
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(served).toEqual(new Set(['inventory', 'monolith']));
  });

  it('answers 503 with retry-after in the JSON shape when the monolith is down', async () => {
    const port = await closedPort();
    const gateway = await startGateway(rules(`http://127.0.0.1:${port}`, `http://127.0.0.1:${port}`));
    cleanup.push(gateway.close);
    const response = await fetch(`${gateway.url}/api/orders`, { headers: { 'x-request-id': 'req-down-1' } });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.json()).toEqual({
      error: {
        code: 'GW_ERR_UPSTREAM_UNAVAILABLE',
        message: 'upstream monolith is unavailable, retry later',
        requestId: 'req-down-1',
      },
    });
  });
});

describe('timeouts and retries', () => {
  it('aborts a slow service; a GET then goes to the monolith, a POST gets 504', async () => {
    const { service, monolith, gateway } = await setUp();
    service!.behave(() => true); // never answers
    const get = await fetch(`${gateway.url}/api/inventory/slow`);
    expect(get.status).toBe(200);
    expect(get.headers.get('x-served-by')).toBe('monolith');
    const post = await fetch(`${gateway.url}/api/inventory/slow`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(504);
    expect(((await post.json()) as { error: { code: string } }).error.code).toBe('GW_ERR_UPSTREAM_TIMEOUT');
    expect(monolith.received.filter((r) => r.method === 'POST')).toEqual([]);
    // The gateway gave up on both requests upstream rather than leaving them running.
    await expect.poll(() => service!.aborted).toBe(2);
  });

  it('retries an idempotent request whose connection broke, never a POST', async () => {
    const { monolith, gateway } = await setUp();
    let breaks = 0;
    monolith.behave((request) => {
      if (breaks > 0 || request.url !== '/api/orders/flaky') return false;
      breaks += 1;
      request.socket.destroy();
      return true;
    });
    const get = await fetch(`${gateway.url}/api/orders/flaky`);
    expect(get.status).toBe(200);
    expect(monolith.received.filter((r) => r.url === '/api/orders/flaky')).toHaveLength(2);
    expect(await gateway.metrics()).toMatch(
      /gateway_upstream_retries_total\{upstream="monolith",service="gateway"\} 1/,
    );

    breaks = 0;
    const post = await fetch(`${gateway.url}/api/orders/flaky`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(502);
    expect(
      monolith.received.filter((r) => r.url === '/api/orders/flaky' && r.method === 'POST'),
    ).toHaveLength(1);
  });

  it('never repeats an upload the upstream has already read part of', async () => {
    // A monolith that breaks the connection once a first piece of a body has arrived.
    let requests = 0;
    const breaking = createServer((request) => {
      requests += 1;
      request.once('data', () => request.socket.destroy());
    });
    breaking.listen(0, '127.0.0.1');
    await once(breaking, 'listening');
    cleanup.push(async () => {
      breaking.closeAllConnections();
      await new Promise((resolve) => breaking.close(resolve));
    });
    const monolithUrl = `http://127.0.0.1:${(breaking.address() as AddressInfo).port}`;
    const gateway = await startGateway(rules(monolithUrl, monolithUrl));
    cleanup.push(gateway.close);
    // An idempotent method, so only the body decides: part of it is gone, it cannot be sent again.
    const put = await fetch(`${gateway.url}/api/orders/upload`, {
      method: 'PUT',
      body: 'x'.repeat(300 * 1024),
    });
    expect(put.status).toBe(502);
    expect(requests).toBe(1);
    // The rest of the upload is never read: the connection ends instead of waiting for it.
    expect(put.headers.get('connection')).toBe('close');
  });

  it('never sends half an answer: a small answer cut off midway is a failure like any other', async () => {
    const { monolith, service, gateway } = await setUp();
    const cutOff: EchoBehaviour = (request, response) => {
      if (!request.url!.endsWith('/cut')) return false;
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      response.write('{"partial":');
      setTimeout(() => response.socket!.destroy(), 20);
      return true;
    };
    service!.behave(cutOff);
    // The service's GET goes to the monolith, whole.
    const get = await fetch(`${gateway.url}/api/inventory/cut`);
    expect([get.status, get.headers.get('x-served-by')]).toEqual([200, 'monolith']);
    expect(((await get.json()) as { url: string }).url).toBe('/api/inventory/cut');
    // A POST is not repeated elsewhere: a clean 502, not a truncated 200.
    const post = await fetch(`${gateway.url}/api/inventory/cut`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(502);
    expect(((await post.json()) as { error: { code: string } }).error.code).toBe('GW_ERR_BAD_GATEWAY');
    expect(monolith.received.filter((r) => r.method === 'POST')).toEqual([]);
  });

  it('passes 4xx and 5xx answers through; only 5xx count against the breaker', async () => {
    const { service, gateway } = await setUp();
    service!.behave((request, response) => {
      const status = request.url!.endsWith('/missing') ? 404 : 503;
      response
        .writeHead(status, { 'content-type': 'application/json' })
        .end('{"error":{"code":"X","message":"x"}}');
      return true;
    });
    for (let i = 0; i < 10; i++) {
      const response = await fetch(`${gateway.url}/api/inventory/missing`);
      expect(response.status).toBe(404);
      expect(response.headers.get('x-served-by')).toBe('inventory');
    }
    expect((await gateway.rules()).breakers.inventory).toBe('closed');
    // 10 answers fine so far; 5xx open the breaker once they pass 50% of the window.
    for (let i = 0; i < 11; i++) {
      const response = await fetch(`${gateway.url}/api/inventory/broken`);
      expect([response.status, response.headers.get('x-served-by')]).toEqual([503, 'inventory']);
    }
    expect((await gateway.rules()).breakers.inventory).toBe('open');
    const afterOpen = await fetch(`${gateway.url}/api/inventory/broken`);
    expect([afterOpen.status, afterOpen.headers.get('x-served-by')]).toEqual([200, 'monolith']);
  });
});
