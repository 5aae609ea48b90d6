import { type RunningEchoUpstream, startEchoUpstream } from '@fig/common/testing/echo-upstream';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningGateway, startGateway } from './gateway-harness.ts';

let monolith: RunningEchoUpstream;
let service: RunningEchoUpstream;
let gateway: RunningGateway;

beforeAll(async () => {
  [monolith, service] = await Promise.all([startEchoUpstream('monolith'), startEchoUpstream('service')]);
  // A route that would otherwise send /internal to a service, to show no rule can open it.
  gateway = await startGateway(`version: 1
upstreams:
  monolith: { url: ${monolith.url} }
  checkout: { url: ${service.url} }
defaults: { auth: none, rateLimit: { max: 1000000 } }
routes:
  - { name: internal, path: /internal, service: checkout, percent: 100 }
`);
});

afterAll(async () => {
  await gateway?.close();
  await Promise.all([monolith?.close(), service?.close()]);
});

describe('the backends private surface', () => {
  it.each([
    ['GET', '/internal'],
    ['GET', '/internal/'],
    ['GET', '/internal/orders/o-1'],
    ['POST', '/internal/keys/rotate'],
    ['GET', '//internal//orders/o-1'],
    ['GET', '/%69nternal/orders/o-1'],
    ['GET', '/INTERNAL/orders/o-1?x=1'],
  ])('%s %s is answered 404 by the gateway and never forwarded', async (method, path) => {
    const before = monolith.received.length + service.received.length;
    const response = await request(`${gateway.url}${path}`, {
      method: method as 'GET',
      body: method === 'POST' ? '{}' : undefined,
      headers: method === 'POST' ? { 'content-type': 'application/json' } : {},
    });
    const body = (await response.body.json()) as { error: { code: string; message: string } };
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(body.error.code).toBe('GW_ERR_NOT_FOUND');
    expect(monolith.received.length + service.received.length).toBe(before);
  });

  it('still forwards paths that only begin with the same letters', async () => {
    const response = await request(`${gateway.url}/internals/x`);
    const echoed = (await response.body.json()) as { side: string; url: string };
    expect(response.statusCode).toBe(200);
    expect(echoed).toMatchObject({ side: 'monolith', url: '/internals/x' });
  });
});
