import { type RunningEchoUpstream, startEchoUpstream } from '@fig/testing/echo-upstream';
import { once } from 'node:events';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningGateway, startGateway } from '../../gateway/test/gateway-harness.ts';

let monolith: RunningEchoUpstream;
let service: RunningEchoUpstream;
let gateway: RunningGateway;

// Larger than the gateway buffers, so the body streams to the service as it arrives.
const bodyBytes = 200_000;
const head = (port: number) =>
  `POST /api/inventory/upload HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${bodyBytes}\r\n\r\n`;

/** Sends the head and half the body, then either stops sending (too slow) or hangs up. */
async function abandon(how: 'stall' | 'hang-up'): Promise<string> {
  const port = Number(new URL(gateway.url).port);
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let answer = '';
  socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  socket.write(head(port));
  socket.write(Buffer.alloc(bodyBytes / 2, 'a'));
  const closed = once(socket, 'close');
  // Well inside REQUEST_TIMEOUT_MS, long enough for the gateway to start forwarding.
  if (how === 'hang-up') setTimeout(() => socket.destroy(), 100);
  await closed;
  return answer;
}

beforeAll(async () => {
  [monolith, service] = await Promise.all([startEchoUpstream('monolith'), startEchoUpstream('inventory')]);
  gateway = await startGateway(
    `version: 1
upstreams:
  monolith: { url: ${monolith.url} }
  inventory:
    url: ${service.url}
    breaker: { volumeThreshold: 2, errorThresholdPercentage: 1 }
defaults: { auth: none, rateLimit: { max: 1000000 } }
routes:
  - { name: inventory, path: /api/inventory, service: inventory, percent: 100 }
`,
    { REQUEST_TIMEOUT_MS: '400', HEADERS_TIMEOUT_MS: '400' },
  );
});

afterAll(async () => {
  await gateway?.close();
  await Promise.all([monolith?.close(), service?.close()]);
});

async function expectUpstreamUnharmed() {
  const metrics = await gateway.metrics();
  expect(metrics).not.toMatch(/gateway_upstream_errors_total\{upstream="inventory"/);
  expect((await gateway.rules()).breakers.inventory).toBe('closed');
  const response = await request(`${gateway.url}/api/inventory/sku-1`);
  expect(response.statusCode).toBe(200);
  expect(response.headers['x-served-by']).toBe('inventory');
  await response.body.dump();
}

// Each case alone would open the breaker (two failures at 1%) if it counted against the upstream.
describe('clients that abandon a streamed request', () => {
  it('by sending the body too slowly get a 408, and the upstream is not blamed', async () => {
    const answers = await Promise.all([abandon('stall'), abandon('stall')]);
    for (const answer of answers) expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    await sleep(100);
    await expectUpstreamUnharmed();
  });

  it('by hanging up midway do not count against the upstream', async () => {
    const answers = await Promise.all([abandon('hang-up'), abandon('hang-up'), abandon('hang-up')]);
    expect(answers).toEqual(['', '', '']);
    await sleep(100);
    await expectUpstreamUnharmed();
  });
});
