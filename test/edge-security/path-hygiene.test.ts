import { type RunningEchoUpstream } from '@fig/testing/echo-upstream';
import { beforeEach, describe, expect, it } from 'vitest';
import { echoGatewayPerSuite } from '../../gateway/test/gateway-harness.ts';
import { rawGet } from './raw-http.ts';

const edge = echoGatewayPerSuite(
  (upstreams) => `
version: 1
upstreams:
  monolith: { url: '${upstreams.monolith}' }
  inventory: { url: '${upstreams.service}' }
defaults: { auth: none, rateLimit: { max: 100000 } }
routes:
  - { name: admin, path: /admin, auth: required }
  - { name: inventory, path: /api/inventory, service: inventory, percent: 100 }
`,
);
beforeEach(() => {
  edge.monolith.received.length = 0;
  edge.service.received.length = 0;
});

/**
 * What a lenient upstream could make of a path: decode (twice, as some do), turn backslashes
 * into slashes, drop matrix parameters, collapse slashes, resolve dot segments. Case stays:
 * routes match case-sensitively, as the upstreams (Fastify) route.
 */
function lenientMeaning(path: string): string {
  let decoded = path;
  for (let i = 0; i < 2; i++) {
    try {
      decoded = decodeURIComponent(decoded);
    } catch {
      break;
    }
  }
  const segments: string[] = [];
  for (const segment of decoded
    .replace(/\\/g, '/')
    .replace(/;[^/]*/g, '')
    .split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return `/${segments.join('/')}`;
}

// Spellings of /admin/users and /api/inventory/sku-1 that gateways have been fooled by.
const adminSpellings = [
  '/admin/users',
  '//admin/users',
  '/%61dmin/users',
  '/%2561dmin/users',
  '/ADMIN/users',
  '/public/../admin/users',
  '/public/%2e%2e/admin/users',
  '/public/%2E%2E%2Fadmin/users',
  '/public/..%2fadmin/users',
  '/public/..%5cadmin/users',
  '/public\\..\\admin/users',
  '/./admin/users',
  '/%2e/admin/users',
  '/public;/../admin/users',
  '/admin;x=1/users',
  '/public/%c0%ae%c0%ae/admin/users',
  '/public/%c0%af../admin/users',
  '/public/.%00./admin/users',
  '/admin%00/users',
  '/admin%20/users',
  '/admin%09/users',
  '/public/%252e%252e/admin/users',
  '/public/%%32%65%%32%65/admin/users',
  '/admin/./users',
  '/public/.../admin',
  'http://gateway.test/admin/users',
  '*',
];

describe('no spelling reaches a route it should not', () => {
  it.each(adminSpellings)('%s: refused, challenged or kept away from /admin', async (spelling) => {
    const response = await rawGet(edge.gateway.url, spelling);
    expect(response.status, response.body).not.toBe(500);
    expect([200, 400, 401, 404]).toContain(response.status);
    for (const seen of edge.monolith.received) {
      expect(lenientMeaning(seen.url.split('?')[0])).not.toMatch(/^\/admin(\/|$)/);
    }
    if (response.status === 400) expect(JSON.parse(response.body).error.code).toBe('GW_ERR_BAD_PATH');
  });

  it('forwards exactly the normalised path of what it accepts', async () => {
    const cases: Array<[string, string, RunningEchoUpstream]> = [
      ['//api//inventory///sku-1', '/api/inventory/sku-1', edge.service],
      ['/api/%69nventory/sku-1?x=%2f', '/api/inventory/sku-1?x=%2f', edge.service],
      ['/api/inventory/sku%2D1', '/api/inventory/sku-1', edge.service],
      ['/api/inventory/a%3ab', '/api/inventory/a%3Ab', edge.service],
      ['/API/inventory/sku-1', '/API/inventory/sku-1', edge.monolith],
    ];
    for (const [sent, forwarded, upstream] of cases) {
      const response = await rawGet(edge.gateway.url, sent);
      expect(response.status, sent).toBe(200);
      expect(upstream.received.at(-1)?.url, sent).toBe(forwarded);
    }
    expect(edge.monolith.received.map((seen) => lenientMeaning(seen.url))).not.toContain(
      '/api/inventory/sku-1',
    );
  });

  it('sweeps every byte, raw and percent-encoded: refused, or forwarded without a control byte', async () => {
    for (let byte = 0; byte < 256; byte++) {
      const hex = byte.toString(16).padStart(2, '0').toUpperCase();
      for (const spelling of [Buffer.from([byte]), Buffer.from(`%${hex}`)]) {
        // A raw `?` starts the query, which is not part of the path.
        if (spelling.length === 1 && byte === 0x3f) continue;
        edge.monolith.received.length = 0;
        const target = Buffer.concat([Buffer.from('/public/a'), spelling, Buffer.from('b/../admin')]);
        const response = await rawGet(edge.gateway.url, target);
        const label = `byte 0x${hex} as ${spelling.length === 1 ? 'raw' : 'encoded'}`;
        expect(response.status, label).not.toBe(500);
        for (const seen of edge.monolith.received) {
          // `..` was in every spelling: whatever got through was refused or is not /admin.
          expect(lenientMeaning(seen.url), label).not.toMatch(/^\/admin/);
          expect(seen.url, label).not.toMatch(/[\x00-\x20\x7f-\xff\\]/);
        }
        expect(response.status, label).toBe(400);
      }
    }
  });

  it('sweeps single bytes in a harmless path: what passes is forwarded as the gateway understood it', async () => {
    let accepted = 0;
    for (let byte = 0; byte < 256; byte++) {
      const hex = byte.toString(16).padStart(2, '0').toUpperCase();
      for (const spelling of [Buffer.from([byte]), Buffer.from(`%${hex}`)]) {
        // A raw `?` starts the query, which is not part of the path.
        if (spelling.length === 1 && byte === 0x3f) continue;
        edge.monolith.received.length = 0;
        const response = await rawGet(
          edge.gateway.url,
          Buffer.concat([Buffer.from('/public/a'), spelling, Buffer.from('b')]),
        );
        const label = `byte 0x${hex}`;
        expect([200, 400], label).toContain(response.status);
        if (response.status !== 200) continue;
        accepted += 1;
        const [seen] = edge.monolith.received;
        expect(seen.url, label).toMatch(/^\/public\/a[A-Za-z0-9\-._~!$&'()*+,=:@%/]*b$/);
        expect(seen.url, label).not.toMatch(/%(2E|2F|5C|00|0[1-9A-F]|1[0-9A-F]|7F)/i);
      }
    }
    expect(accepted).toBeGreaterThan(100);
  });
});
