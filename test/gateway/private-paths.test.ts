import { type RunningEchoUpstream, startEchoUpstream } from '@fig/testing/echo-upstream';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawGet, rawRequest } from '../edge-security/raw-http.ts';
import { type RunningGateway, startGateway } from '../../gateway/test/gateway-harness.ts';

let monolith: RunningEchoUpstream;
let service: RunningEchoUpstream;
let bff: RunningEchoUpstream;
let gateway: RunningGateway;

const upstreams = () => [monolith, service, bff];
const seen = () => upstreams().reduce((sum, upstream) => sum + upstream.received.length, 0);

beforeAll(async () => {
  [monolith, service, bff] = await Promise.all([
    startEchoUpstream('monolith'),
    startEchoUpstream('service'),
    startEchoUpstream('bff-web'),
  ]);
  // Routes that would otherwise send the private surfaces to a service, to show no rule can open
  // them; everything else unmatched goes to the monolith (the strangler facade), which answers 200
  // to anything. The BFF's public GraphQL has a route of its own.
  gateway = await startGateway(`version: 1
upstreams:
  monolith: { url: ${monolith.url} }
  checkout: { url: ${service.url} }
  bff-web: { url: ${bff.url} }
defaults: { auth: none, rateLimit: { max: 1000000 } }
routes:
  - { name: internal, path: /internal, service: checkout, percent: 100 }
  - { name: graphql, path: /graphql, service: checkout, percent: 100 }
  - { name: web-graphql, path: /web/graphql, upstream: bff-web }
`);
});

afterAll(async () => {
  await gateway?.close();
  await Promise.all(upstreams().map((upstream) => upstream?.close()));
});

const surfaces = ['internal', 'graphql', 'metrics', 'health'];

/** Every spelling of `/<surface><rest>` the path normaliser accepts, and some it refuses. */
function spellings(surface: string, rest: string): string[] {
  const encodedFirst = `%${surface.charCodeAt(0).toString(16)}${surface.slice(1)}`;
  const encodedAll = [...surface].map((char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`).join('');
  return [
    `/${surface}${rest}`,
    `/${surface}/`,
    `/${surface}${rest}/`,
    `/${surface}${rest}?x=1`,
    `//${surface}${rest}`,
    `/${surface}//${rest.slice(1)}`,
    `///${surface}///`,
    `/${surface.toUpperCase()}${rest}`,
    `/${surface[0].toUpperCase()}${surface.slice(1)}${rest}`,
    `/${encodedFirst}${rest}`,
    `/${encodedAll}${rest}`,
    `/${encodedFirst.toUpperCase()}${rest}`,
    // Refused by the normaliser (400): no meaning of these may reach an upstream either.
    `/${surface}%2F${rest.slice(1)}`,
    `/${surface}%2f${rest.slice(1)}`,
    `/x/../${surface}${rest}`,
    `/./${surface}${rest}`,
    `/x/%2e%2e/${surface}${rest}`,
    `/${surface};v=1${rest}`,
    `/x;/../${surface}`,
    `/${surface}\\${rest.slice(1)}`,
  ];
}

describe("the backends' own surfaces", () => {
  const cases = surfaces.flatMap((surface) =>
    spellings(surface, surface === 'health' ? '/ready' : surface === 'internal' ? '/orders/o-1' : '/x').map(
      (spelling) => [surface, spelling] as const,
    ),
  );

  it.each(cases)('%s as %s: answered by the gateway, never forwarded', async (_surface, spelling) => {
    const before = seen();
    const response = await rawGet(gateway.url, spelling);
    expect([400, 404], response.body).toContain(response.status);
    expect(response.head).toMatch(/content-type: application\/json/i);
    const { error } = JSON.parse(response.body) as { error: { code: string } };
    expect(error.code).toBe(response.status === 404 ? 'GW_ERR_NOT_FOUND' : 'GW_ERR_BAD_PATH');
    expect(seen()).toBe(before);
  });

  it('refuses every spelling the normaliser accepts with 404', async () => {
    for (const surface of surfaces) {
      for (const spelling of spellings(surface, '/x').slice(0, 12)) {
        expect((await rawGet(gateway.url, spelling)).status, spelling).toBe(404);
      }
    }
  });

  it.each(['POST', 'PUT', 'DELETE', 'OPTIONS'])('refuses %s too', async (method) => {
    const before = seen();
    const response = await rawRequest(
      gateway.url,
      `${method} /graphql HTTP/1.1\r\nHost: gateway.test\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
    );
    expect(response.status).toBe(404);
    expect(seen()).toBe(before);
  });

  it('still forwards explicit routes and paths that only begin with the same letters', async () => {
    const cases: Array<[string, RunningEchoUpstream, string]> = [
      ['/web/graphql', bff, '/web/graphql'],
      ['/internals/x', monolith, '/internals/x'],
      ['/graphqlx', monolith, '/graphqlx'],
      ['/metrics-report', monolith, '/metrics-report'],
      ['/healthz', monolith, '/healthz'],
      ['/api/health', monolith, '/api/health'],
      ['/api/graphql', monolith, '/api/graphql'],
    ];
    for (const [path, upstream, forwarded] of cases) {
      const response = await request(`${gateway.url}${path}`);
      const echoed = (await response.body.json()) as { side: string; url: string };
      expect(response.statusCode, path).toBe(200);
      expect(echoed, path).toMatchObject({ side: upstream.name, url: forwarded });
    }
  });
});
