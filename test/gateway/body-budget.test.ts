import { closedPort } from '@fig/testing/closed-port';
import { type RunningEchoUpstream, startEchoUpstream } from '@fig/testing/echo-upstream';
import type { ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningGateway, startGateway } from '../../gateway/test/gateway-harness.ts';

let monolith: RunningEchoUpstream;
let gateway: RunningGateway;
const sockets: Socket[] = [];

// Room for one 8 KB body at a time; the server gives a request 1.5 s to arrive whole.
const budget = 10_000;
const upload = 8_000;

beforeAll(async () => {
  monolith = await startEchoUpstream('monolith');
  const dead = `http://127.0.0.1:${await closedPort()}`;
  gateway = await startGateway(
    `version: 1
upstreams:
  monolith: { url: ${monolith.url}, timeout: 5s }
  dead: { url: ${dead}, retries: 0 }
defaults:
  auth: none
  rateLimit: { max: 1000000 }
routes:
  - { name: dead, path: /dead, upstream: dead }
`,
    { REQUEST_BODY_BUFFER_BYTES: String(budget), REQUEST_TIMEOUT_MS: '1500' },
  );
});

afterEach(() => {
  monolith.behave(undefined);
  for (const socket of sockets.splice(0)) socket.destroy();
});

afterAll(async () => {
  await gateway?.close();
  await monolith?.close();
});

const metric = async (name: string, labels = '') => {
  const line = new RegExp(`^${name}\\{${labels}[^}]*\\} (\\d+)$`, 'm');
  return Number(line.exec(await gateway.metrics())?.[1] ?? Number.NaN);
};
const held = () => metric('gateway_request_body_buffered_bytes');
const hits = (action: string) =>
  metric('gateway_bound_hits_total', `bound="request_body_budget",action="${action}"`).then((n) =>
    Number.isNaN(n) ? 0 : n,
  );

/** A raw connection to the gateway, for requests that stop partway. */
async function rawConnection(): Promise<{ socket: Socket; received: () => string }> {
  const { port } = new URL(gateway.url);
  const socket = connect(Number(port), '127.0.0.1');
  sockets.push(socket);
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += String(chunk)));
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('connect', resolve));
  return { socket, received: () => text };
}

const startUpload = (socket: Socket, path: string, declared: number, sent: string) =>
  socket.write(
    `POST ${path} HTTP/1.1\r\nHost: g\r\nContent-Type: text/plain\r\nContent-Length: ${declared}\r\n\r\n${sent}`,
  );

describe('the request-body budget', () => {
  it('streams uploads the budget has no room for, and they arrive whole', async () => {
    // The upstream answers nobody until all four uploads are in: the first one's body is
    // still held while the others arrive.
    const waiting: Array<() => void> = [];
    monolith.behave((_request, response: ServerResponse, body) => {
      waiting.push(() => response.end(JSON.stringify({ body })));
      if (waiting.length === 4) for (const answer of waiting) answer();
      return true;
    });
    const bodies = ['a', 'b', 'c', 'd'].map((letter) => letter.repeat(upload));
    const answers = await Promise.all(
      bodies.map(async (body) => {
        const response = await fetch(`${gateway.url}/upload`, { method: 'POST', body });
        return (await response.json()) as { body: string };
      }),
    );
    expect(answers.map((answer) => answer.body)).toEqual(bodies);
    expect(await hits('streamed')).toBe(3);
    await expect.poll(held).toBe(0);
  });

  it('gives back what aborted uploads held', async () => {
    const uploads = await Promise.all([rawConnection(), rawConnection()]);
    for (const { socket } of uploads) startUpload(socket, '/upload', 4_000, 'x'.repeat(100));
    await expect.poll(held).toBe(8_000);
    for (const { socket } of uploads) socket.destroy();
    await expect.poll(held).toBe(0);
  });

  it('holds a trickling upload only until the request timeout, which answers it 408', async () => {
    const { socket, received } = await rawConnection();
    startUpload(socket, '/upload', 5_000, 'x');
    await expect.poll(held).toBe(5_000);
    const trickle = setInterval(() => socket.writable && socket.write('x'), 200);
    try {
      await expect.poll(received, { timeout: 5_000 }).toMatch(/^HTTP\/1.1 408/);
    } finally {
      clearInterval(trickle);
    }
    await expect.poll(held).toBe(0);
  });

  it('gives back what a failed request held', async () => {
    const response = await fetch(`${gateway.url}/dead`, { method: 'POST', body: 'y'.repeat(upload) });
    expect(response.status).toBe(503);
    await response.arrayBuffer();
    await expect.poll(held).toBe(0);
  });

  it('refuses a chunked body it has no room to read, 503 with retry-after, forwarding nothing', async () => {
    const before = monolith.received.length;
    const { socket: holder } = await rawConnection();
    startUpload(holder, '/upload', upload, 'x');
    await expect.poll(held).toBe(upload);

    const { socket, received } = await rawConnection();
    const chunk = 'z'.repeat(4_000);
    socket.write(
      `POST /upload HTTP/1.1\r\nHost: g\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n`,
    );
    await expect.poll(received).toMatch(/\r\n\r\n\{.*\}$/s);
    expect(received()).toMatch(/^HTTP\/1.1 503/);
    expect(received()).toMatch(/\r\nretry-after: 5\r\n/i);
    expect(received()).toContain('"GW_ERR_BODY_BUFFERS_FULL"');
    expect(await hits('refused')).toBe(1);
    expect(monolith.received.length).toBe(before);

    holder.destroy();
    await expect.poll(held).toBe(0);
    // With room again, a chunked body is read and forwarded whole.
    const fits = await fetch(`${gateway.url}/upload`, {
      method: 'POST',
      body: new Blob(['w'.repeat(4_000)]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(((await fits.json()) as { body: string }).body).toBe('w'.repeat(4_000));
    await expect.poll(held).toBe(0);
  });
});
