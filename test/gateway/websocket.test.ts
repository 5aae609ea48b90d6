import { closedPort } from '@fig/testing/closed-port';
import { startEchoUpstream } from '@fig/testing/echo-upstream';
import { once } from 'node:events';
import { type IncomingMessage, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningGateway, splitRules, startGateway } from '../../gateway/test/gateway-harness.ts';
import {
  connect,
  nextMessage,
  refusal,
  startWebSocketUpstream,
  type WebSocketUpstream,
  wsUrl,
} from './websocket-harness.ts';

let monolith: WebSocketUpstream;
let service: WebSocketUpstream;
let gateway: RunningGateway;
const protectedRoute = `  - { name: live, path: /live, auth: required }
`;

beforeAll(async () => {
  monolith = await startWebSocketUpstream('monolith');
  service = await startWebSocketUpstream('inventory');
  gateway = await startGateway(
    splitRules({ monolith: monolith.url, service: service.url }, 50, protectedRoute),
  );
});

afterAll(async () => {
  await gateway?.close();
  await Promise.all([monolith?.close(), service?.close()]);
});

describe('WebSocket through the edge', () => {
  it('tunnels each user to its sticky backend, the same one its HTTP requests get, both ways', async () => {
    const served: Record<string, number> = { monolith: 0, inventory: 0 };
    for (let user = 0; user < 16; user++) {
      const clientId = `ws-user-${user}`;
      const http = await fetch(`${gateway.url}/api/inventory/stock`, {
        headers: { 'x-client-id': clientId },
      });
      const httpBackend = http.headers.get('x-served-by')!;
      await http.arrayBuffer();
      const { ws, headers, greeting } = await connect(wsUrl(gateway, '/api/inventory/live'), {
        'x-client-id': clientId,
      });
      expect(headers['x-served-by']).toBe(httpBackend);
      expect(greeting).toBe(`hello from ${httpBackend}`);
      ws.send(`ping ${user}`);
      expect(await nextMessage(ws)).toBe(`${httpBackend}:ping ${user}`);
      served[httpBackend]! += 1;
      ws.close();
      await once(ws, 'close');
    }
    expect(served.monolith).toBeGreaterThan(0);
    expect(served.inventory).toBeGreaterThan(0);
  });

  it('gives the upstream the edge identity headers and none of the client forged ones', async () => {
    const { ws } = await connect(wsUrl(gateway, '/elsewhere'), {
      'x-client-id': 'headers-user',
      'x-user-id': 'forged',
      'x-request-id': 'ws-request-1',
      'x-fig-shadow': '1',
      'X-Fig-Anything': 'forged',
    });
    const seen = monolith.handshakes.at(-1)!;
    expect(seen['x-user-id']).toBeUndefined();
    expect(Object.keys(seen).filter((name) => name.startsWith('x-fig-'))).toEqual([]);
    expect(seen['x-request-id']).toBe('ws-request-1');
    expect(seen['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen.upgrade).toBe('websocket');
    expect(seen['sec-websocket-key']).toBeDefined();
    ws.close();
    await once(ws, 'close');
  });

  it('passes on an upstream refusing the handshake, and refuses itself what auth refuses', async () => {
    const refused = await refusal(wsUrl(gateway, '/api/inventory/refused'), {
      'x-client-id': 'refused-user',
    });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ refusedBy: refused.headers['x-served-by'] });

    const handshakesBefore = monolith.handshakes.length;
    const unauthenticated = await refusal(wsUrl(gateway, '/live/feed'));
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(unauthenticated.body).toMatchObject({ error: { code: 'GW_ERR_UNAUTHENTICATED' } });
    expect(monolith.handshakes.length).toBe(handshakesBefore);
  });

  it('carries closes both ways and counts open tunnels', async () => {
    const fromUpstream = await connect(wsUrl(gateway, '/elsewhere'), { 'x-client-id': 'closing-1' });
    const fromClient = await connect(wsUrl(gateway, '/elsewhere'), { 'x-client-id': 'closing-2' });
    expect(await gateway.metrics()).toMatch(/gateway_websocket_tunnels\{upstream="monolith"[^}]*\} 2/);

    const clientSaw = once(fromUpstream.ws, 'close');
    monolith.closeFor('closing-1', 4000, 'bye');
    const [code, reason] = (await clientSaw) as [number, Buffer];
    expect(code).toBe(4000);
    expect(String(reason)).toBe('bye');

    const upstreamSaw = monolith.closedFor('closing-2');
    fromClient.ws.close(4001);
    expect(await upstreamSaw).toBe(4001);

    await expect
      .poll(() => gateway.metrics())
      .toMatch(/gateway_websocket_tunnels\{upstream="monolith"[^}]*\} 0/);
    expect(await gateway.metrics()).toMatch(
      /gateway_requests_total\{route="default",backend="monolith",status="101"[^}]*\} [1-9]/,
    );
  });

  it('answers other upgrades (h2c) as ordinary requests', async () => {
    const echo = await startEchoUpstream('monolith');
    const plain = await startGateway(splitRules({ monolith: echo.url, service: echo.url }, 0));
    try {
      const address = new URL(plain.url);
      const answer = request({
        host: address.hostname,
        port: address.port,
        path: '/legacy/page',
        headers: {
          connection: 'Upgrade, HTTP2-Settings',
          upgrade: 'h2c',
          'http2-settings': 'AAMAAABkAAQAoAAAAAIAAAAA',
        },
      }).end();
      const [response] = (await once(answer, 'response')) as [IncomingMessage];
      let text = '';
      for await (const chunk of response) text += String(chunk);
      expect(response.statusCode).toBe(200);
      const seen = JSON.parse(text) as { url: string; headers: Record<string, string> };
      expect(seen.url).toBe('/legacy/page');
      expect(seen.headers.upgrade).toBeUndefined();
    } finally {
      await plain.close();
      await echo.close();
    }
  });
});

describe('WebSocket failures', () => {
  let echoMonolith: WebSocketUpstream;
  let edge: RunningGateway;

  beforeAll(async () => {
    echoMonolith = await startWebSocketUpstream('monolith');
    // The service is down: nothing listens on its port.
    const down = `http://127.0.0.1:${await closedPort()}`;
    edge = await startGateway(splitRules({ monolith: echoMonolith.url, service: down }, 100));
  });

  afterAll(async () => {
    await edge?.close();
    await echoMonolith?.close();
  });

  it('falls back to the monolith when the service cannot be reached', async () => {
    const { ws, headers, greeting } = await connect(wsUrl(edge, '/api/inventory/live'), {
      'x-client-id': 'fallback-user',
    });
    expect(headers['x-served-by']).toBe('monolith');
    expect(greeting).toBe('hello from monolith');
    expect(await edge.metrics()).toMatch(
      /gateway_fallbacks_total\{route="inventory",service="inventory",reason="connect"[^}]*\} 1/,
    );
    ws.close();
    await once(ws, 'close');
  });

  it("keeps a tunnel open past the server's request and header timeouts", async () => {
    const strict = await startGateway(
      splitRules({ monolith: echoMonolith.url, service: echoMonolith.url }, 0),
      {
        REQUEST_TIMEOUT_MS: '200',
        HEADERS_TIMEOUT_MS: '100',
      },
    );
    try {
      const { ws } = await connect(wsUrl(strict, '/elsewhere'), { 'x-client-id': 'patient-user' });
      // Several times the timeouts, and of Node's checks of them (every 100 ms here).
      await sleep(800);
      ws.send('still there?');
      expect(await nextMessage(ws)).toBe('monolith:still there?');
      ws.close();
      await once(ws, 'close');
    } finally {
      await strict.close();
    }
  });

  it('closes open tunnels when the gateway shuts down, without waiting for them', async () => {
    const { ws } = await connect(wsUrl(edge, '/elsewhere'), { 'x-client-id': 'shutdown-user' });
    const closed = once(ws, 'close');
    const upstreamClosed = echoMonolith.closedFor('shutdown-user');
    await edge.close();
    edge = undefined as never;
    // Ended without a close frame: both ends see an abnormal closure, and can reconnect.
    expect(((await closed) as [number])[0]).toBe(1006);
    expect(await upstreamClosed).toBe(1006);
  });
});
