import { type SigningJwks, startSigningJwks } from '@fig/testing/jwks-server';
import { closedPort } from '@fig/testing/closed-port';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
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
let jwks: SigningJwks;
let gateway: RunningGateway | undefined;
const open: WebSocket[] = [];

// Every handshake goes to the monolith; `/live` needs a token, the rest takes anyone.
const rules = () =>
  splitRules(
    { monolith: monolith.url, service: monolith.url },
    0,
    `  - { name: live, path: /live, auth: required }
`,
  );

const bearer = async (sub: string) => `Bearer ${await jwks.token(sub, {}, 600)}`;

/** A client at `address` (TRUST_PROXY lets the test say which), kept open until the test ends. */
async function openFrom(address: string, path = '/chat', headers: Record<string, string> = {}) {
  const socket = await connect(wsUrl(gateway!, path), {
    'x-forwarded-for': address,
    'x-client-id': `${address}-${open.length}`,
    ...headers,
  });
  open.push(socket.ws);
  return socket;
}

async function closeSocket(ws: WebSocket) {
  if (ws.readyState === ws.CLOSED) return;
  const closed = once(ws, 'close');
  ws.close();
  await closed;
}

const hits = async (bound: string, action: string) => {
  const line = new RegExp(`gateway_bound_hits_total\\{bound="${bound}",action="${action}"[^}]*\\} (\\d+)`);
  return Number(line.exec(await gateway!.metrics())?.[1] ?? 0);
};

/** Whether a client at `address` can open a tunnel now. */
async function opens(address: string) {
  try {
    await openFrom(address);
    return true;
  } catch {
    return false;
  }
}

/** A handshake from `address` over a cap: refused at the edge with `status`, the monolith never asked. */
async function expectRefusedAtTheEdge(address: string, status: number, code: string, bound: string) {
  const handshakes = monolith.handshakes.length;
  const over = await refusal(wsUrl(gateway!, '/chat'), { 'x-forwarded-for': address });
  expect(over.status).toBe(status);
  expect(over.headers['retry-after']).toBe('5');
  expect(over.body).toMatchObject({ error: { code } });
  expect(monolith.handshakes.length).toBe(handshakes);
  expect(await hits(bound, 'refused')).toBe(1);
}

beforeAll(async () => {
  monolith = await startWebSocketUpstream('monolith');
  jwks = await startSigningJwks('ws-k1');
});

afterEach(async () => {
  await Promise.all(open.splice(0).map(closeSocket));
  await gateway?.close();
  gateway = undefined;
});

afterAll(async () => {
  await monolith?.close();
  await jwks?.close();
});

describe('WebSocket tunnels per client', () => {
  it('refuses a client over its cap with a JSON 429 that reaches no upstream; others are unaffected', async () => {
    gateway = await startGateway(rules(), { WEBSOCKET_MAX_PER_CLIENT: '2', TRUST_PROXY: 'true' });
    await openFrom('203.0.113.1');
    const second = await openFrom('203.0.113.1');
    await expectRefusedAtTheEdge('203.0.113.1', 429, 'GW_ERR_TOO_MANY_TUNNELS', 'websocket_per_client');

    // Another address has a cap of its own.
    const other = await openFrom('203.0.113.2');
    expect(other.greeting).toBe('hello from monolith');

    // A closed tunnel gives its place back.
    await closeSocket(second.ws);
    await expect.poll(() => opens('203.0.113.1')).toBe(true);
  });

  it('charges a verified subject whatever address it comes from, and its address stays free', async () => {
    gateway = await startGateway(rules(), {
      WEBSOCKET_MAX_PER_CLIENT: '2',
      TRUST_PROXY: 'true',
      AUTH_JWKS_URL: jwks.url,
    });
    const alice = { authorization: await bearer('alice') };
    await openFrom('198.51.100.1', '/live/feed', alice);
    await openFrom('198.51.100.2', '/live/feed', alice);

    const over = await refusal(wsUrl(gateway, '/live/feed'), {
      'x-forwarded-for': '198.51.100.3',
      ...alice,
    });
    expect(over.status).toBe(429);
    expect(over.body).toMatchObject({ error: { code: 'GW_ERR_TOO_MANY_TUNNELS' } });

    // The addresses alice used are not charged for her tunnels, nor is another user.
    await openFrom('198.51.100.1');
    await openFrom('198.51.100.3', '/live/feed', { authorization: await bearer('bob') });
    expect(await hits('websocket_per_client', 'refused')).toBe(1);
  });
});

describe('WebSocket tunnels per upstream', () => {
  it('answers 503 with retry-after once an upstream has its cap, without contacting it', async () => {
    gateway = await startGateway(rules(), { WEBSOCKET_MAX_PER_UPSTREAM: '2', TRUST_PROXY: 'true' });
    const first = await openFrom('192.0.2.1');
    await openFrom('192.0.2.2');
    await expectRefusedAtTheEdge('192.0.2.3', 503, 'GW_ERR_UPSTREAM_UNAVAILABLE', 'websocket_per_upstream');

    // Ordinary requests to the same upstream are not tunnels and pass.
    const plain = await fetch(`${gateway.url}/page`, { headers: { 'x-forwarded-for': '192.0.2.3' } });
    expect(plain.status).toBe(200);
    await plain.arrayBuffer();

    await closeSocket(first.ws);
    await expect.poll(() => opens('192.0.2.3')).toBe(true);
  });

  it('gives an upstream its place back when the handshake was refused by the upstream', async () => {
    gateway = await startGateway(splitRules({ monolith: monolith.url, service: monolith.url }, 0), {
      WEBSOCKET_MAX_PER_UPSTREAM: '1',
      TRUST_PROXY: 'true',
    });
    for (let i = 0; i < 3; i++) {
      const refused = await refusal(wsUrl(gateway, '/api/inventory/refused'), {
        'x-forwarded-for': '192.0.2.9',
        'x-client-id': `refused-${i}`,
      });
      expect(refused.status).toBe(403);
    }
    const { greeting } = await openFrom('192.0.2.9');
    expect(greeting).toBe('hello from monolith');
  });
});

describe('WebSocket tunnels to a service that is down', () => {
  it('gives the service its place back when a handshake to it fails and falls back', async () => {
    const down = `http://127.0.0.1:${await closedPort()}`;
    gateway = await startGateway(splitRules({ monolith: monolith.url, service: down }, 100), {
      WEBSOCKET_MAX_PER_UPSTREAM: '1',
      TRUST_PROXY: 'true',
    });
    for (let i = 0; i < 3; i++) {
      const { ws, headers } = await openFrom(`192.0.2.${20 + i}`, '/api/inventory/live');
      expect(headers['x-served-by']).toBe('monolith');
      await closeSocket(ws);
    }
    expect(await hits('websocket_per_upstream', 'refused')).toBe(0);
  });
});

describe('idle WebSocket tunnels', () => {
  it('closes a tunnel with no bytes either way for the idle timeout, and keeps a chatty one open', async () => {
    gateway = await startGateway(rules(), { WEBSOCKET_IDLE_TIMEOUT_MS: '1000', TRUST_PROXY: 'true' });
    const quiet = await openFrom('203.0.113.7', '/chat', { 'x-client-id': 'quiet' });
    const chatty = await openFrom('203.0.113.8', '/chat', { 'x-client-id': 'chatty' });
    const quietClosed = once(quiet.ws, 'close') as Promise<[number]>;
    const upstreamSaw = monolith.closedFor('quiet');

    let stop = false;
    const talking = (async () => {
      let n = 0;
      while (!stop) {
        chatty.ws.send(`ping ${n}`);
        expect(await nextMessage(chatty.ws)).toBe(`monolith:ping ${n}`);
        n += 1;
        await sleep(100);
      }
    })();

    // Closed without a close frame (the edge parses none): both ends see an abnormal closure.
    expect((await quietClosed)[0]).toBe(1006);
    expect(await upstreamSaw).toBe(1006);
    expect(await hits('websocket_idle', 'closed')).toBe(1);

    // The chatty one outlives the quiet one by more than the timeout.
    await sleep(1500);
    stop = true;
    await talking;
    expect(chatty.ws.readyState).toBe(chatty.ws.OPEN);
    await expect
      .poll(() => gateway!.metrics())
      .toMatch(/gateway_websocket_tunnels\{upstream="monolith"[^}]*\} 1/);
  });
});
