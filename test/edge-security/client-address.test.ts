import { type RunningEchoUpstream, startEchoUpstream } from '@fig/testing/echo-upstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningGateway, startGateway } from '../../gateway/test/gateway-harness.ts';

let monolith: RunningEchoUpstream;
let direct: RunningGateway;
let behindProxy: RunningGateway;

const rules = (url: string) => `
version: 1
upstreams: { monolith: { url: '${url}' } }
defaults: { auth: none, rateLimit: { max: 3, window: 1m, by: ip } }
routes: []
`;

beforeAll(async () => {
  monolith = await startEchoUpstream('monolith');
  direct = await startGateway(rules(monolith.url));
  behindProxy = await startGateway(rules(monolith.url), { TRUST_PROXY: '127.0.0.1' });
});
afterAll(async () => {
  await Promise.all([direct?.close(), behindProxy?.close()]);
  await monolith?.close();
});

async function statuses(gateway: RunningGateway, forwardedFor: (i: number) => string, count: number) {
  const codes: number[] = [];
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${gateway.url}/x`, { headers: { 'x-forwarded-for': forwardedFor(i) } });
    await response.arrayBuffer();
    codes.push(response.status);
  }
  return codes;
}

describe('the client address per TRUST_PROXY', () => {
  it('ignores X-Forwarded-For from clients by default: rotating it escapes nothing', async () => {
    expect(await statuses(direct, (i) => `203.0.113.${i}`, 5)).toEqual([200, 200, 200, 429, 429]);
    expect(monolith.received.at(-1)?.headers['x-forwarded-for']).toBe('127.0.0.1');
  });

  it('behind a trusted proxy, counts the address the proxy saw, whatever the client prepended', async () => {
    expect(await statuses(behindProxy, (i) => `10.9.9.${i}, 198.51.100.1`, 5)).toEqual([
      200, 200, 200, 429, 429,
    ]);
    expect(await statuses(behindProxy, () => '198.51.100.2', 1)).toEqual([200]);
    // Upstreams see the trusted part of the chain only, ending with the proxy itself.
    expect(monolith.received.at(-1)?.headers['x-forwarded-for']).toBe('198.51.100.2, 127.0.0.1');
  });
});
