import { closedPort } from '@fig/testing/closed-port';
import { type EchoedRequest } from '@fig/testing/echo-upstream';
import { type SigningJwks, startSigningJwks } from '@fig/testing/jwks-server';
import { get, type IncomingHttpHeaders } from 'node:http';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  echoGatewayPerSuite,
  type RunningGateway,
  startGateway,
} from '../../gateway/test/gateway-harness.ts';
import { rawRequest } from './raw-http.ts';

let jwks: SigningJwks;
let downPort: number;
beforeAll(async () => {
  jwks = await startSigningJwks();
  downPort = await closedPort();
});
afterAll(() => jwks?.close());

const rules = (upstreams: { monolith: string; service: string }) => `
version: 1
upstreams:
  monolith: { url: '${upstreams.monolith}' }
  inventory: { url: '${upstreams.service}' }
  gone: { url: 'http://127.0.0.1:${downPort}', retries: 0 }
defaults: { auth: optional, rateLimit: { max: 100000 } }
routes:
  - { name: private, path: /private, auth: required }
  - { name: gone, path: /gone, upstream: gone, auth: none }
  - { name: small, path: /small, auth: none, bodyLimit: 10 }
  - { name: inventory, path: /api/inventory, service: inventory, percent: 0 }
`;
const edge = echoGatewayPerSuite(rules, () => ({ AUTH_JWKS_URL: jwks.url }));
/** The same rules, trusting forwarded headers from 127.0.0.1 (TRUST_PROXY). */
let trusting: RunningGateway;
beforeAll(async () => {
  const upstreams = { monolith: edge.monolith.url, service: edge.service.url };
  trusting = await startGateway(rules(upstreams), { AUTH_JWKS_URL: jwks.url, TRUST_PROXY: '127.0.0.1' });
});
afterAll(() => trusting?.close());
beforeEach(() => {
  edge.monolith.received.length = 0;
});

const token = (sub: string, claims: Record<string, unknown> = {}) => jwks.token(sub, claims);

async function send(base: string, path: string, headers: Record<string, string> = {}) {
  const response = await request(`${base}${path}`, { headers });
  const text = await response.body.text();
  const echoed = response.statusCode === 200 ? (JSON.parse(text) as EchoedRequest) : undefined;
  return { status: response.statusCode, headers: response.headers, echoed, text };
}

/** node:http sends a Connection header as given (undici would not let a caller set it). */
function nodeGet(url: string, headers: Record<string, string>): Promise<{ headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    get(url, { headers, agent: false }, (response) => {
      response.resume();
      response.on('end', () => resolve({ headers: response.headers }));
    }).on('error', reject);
  });
}

function rawGet(target: string, headerLines: string[]) {
  return rawRequest(
    edge.gateway.url,
    `GET ${target} HTTP/1.1\r\nHost: gateway.test\r\n${[...headerLines, 'Connection: close'].join('\r\n')}\r\n\r\n`,
  );
}

const securityHeaderLines = [
  /x-content-type-options: nosniff/i,
  /cache-control: no-store/i,
  /x-frame-options: deny/i,
];

describe('headers at the edge', () => {
  it('never forwards identity, proxy or hop-by-hop headers a client sent', async () => {
    const response = await rawGet('/public', [
      'X-User-Id: admin',
      'X_User_Id: admin',
      'x-user_id: admin',
      'X-Forwarded-For: 10.0.0.1',
      'X-Forwarded-Host: internal.example',
      'X-Forwarded-Proto: https',
      'Forwarded: for=10.0.0.1;host=internal.example',
      'X-Real-IP: 10.0.0.1',
      'Keep-Alive: timeout=5',
      'TE: trailers',
      'Trailer: x-checksum',
      'Proxy-Authorization: Basic YWRtaW46YWRtaW4=',
      'Proxy-Connection: keep-alive',
      'X-Kept: yes',
    ]);
    expect(response.status).toBe(200);
    const [seen] = edge.monolith.received;
    expect(seen.headers['x-kept']).toBe('yes');
    for (const name of [
      'x-user-id',
      'forwarded',
      'x-real-ip',
      'keep-alive',
      'te',
      'trailer',
      'proxy-authorization',
      'proxy-connection',
    ]) {
      expect(seen.headers[name], name).toBeUndefined();
    }
    expect(Object.keys(seen.headers).filter((name) => name.includes('_'))).toEqual([]);
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen.headers['x-forwarded-host']).toBe('gateway.test');
    expect(seen.headers['x-forwarded-proto']).toBe('http');
  });

  it("never forwards a client's x-fig-* headers, whatever their case, to any upstream", async () => {
    // `x-fig-shadow` would make a backend treat a real request as a shadow (and skip its side
    // effects); no name under the prefix is the client's to send.
    const response = await rawGet('/public', [
      'x-fig-shadow: 1',
      'X-Fig-Shadow: 1',
      'X-Fig-Anything: yes',
      'X-FIG-BACKEND: monolith',
      'x-fig-: empty-suffix',
      `Authorization: Bearer ${await token('carol')}`,
      'X-Figure: kept',
    ]);
    expect(response.status).toBe(200);
    const [seen] = edge.monolith.received;
    expect(Object.keys(seen.headers).filter((name) => name.startsWith('x-fig-'))).toEqual([]);
    expect(seen.headers['x-figure']).toBe('kept');
    expect(seen.headers['x-user-id']).toBe('carol');
  });

  it('cannot be told by Connection to strip the headers the gateway adds', async () => {
    const response = await rawGet('/public', [
      `Authorization: Bearer ${await token('alice')}`,
      'Connection: x-user-id, x-forwarded-for, x-request-id, authorization',
    ]);
    expect(response.status).toBe(200);
    const [seen] = edge.monolith.received;
    expect(seen.headers['x-user-id']).toBe('alice');
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen.headers['x-request-id']).toBeDefined();
  });

  it('forwards x-user-id only from a verified token, with the original Authorization', async () => {
    const bearer = `Bearer ${await token('bob')}`;
    const response = await rawGet('/private/x', [`Authorization: ${bearer}`, 'X-User-Id: admin']);
    expect(response.status).toBe(200);
    expect(edge.monolith.received[0].headers['x-user-id']).toBe('bob');
    expect(edge.monolith.received[0].headers.authorization).toBe(bearer);
    const anonymous = await rawGet('/public', ['X-User-Id: admin']);
    expect(anonymous.status).toBe(200);
    expect(edge.monolith.received[1].headers['x-user-id']).toBeUndefined();
  });

  it('refuses a forged token on a private route and never reaches the upstream', async () => {
    const forged = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"admin"}').toString('base64url')}.`;
    const response = await rawGet('/private/x', [`Authorization: Bearer ${forged}`]);
    expect(response.status).toBe(401);
    expect(response.head).toMatch(/www-authenticate: Bearer realm="fig", error="invalid_token"/i);
    expect(edge.monolith.received).toHaveLength(0);
  });

  it('refuses a duplicate Host before routing', async () => {
    const response = await rawRequest(
      edge.gateway.url,
      'GET /public HTTP/1.1\r\nHost: gateway.test\r\nHost: monolith.internal\r\nConnection: close\r\n\r\n',
    );
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body).error.code).toBe('GW_ERR_BAD_HOST');
    expect(edge.monolith.received).toHaveLength(0);
  });

  it('refuses an oversized body on a small route without forwarding it, declared or chunked', async () => {
    const response = await fetch(`${edge.gateway.url}/small`, { method: 'POST', body: 'x'.repeat(11) });
    expect(response.status).toBe(413);
    const chunked = (size: number) =>
      rawRequest(
        edge.gateway.url,
        `POST /small HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${size.toString(16)}\r\n${'y'.repeat(size)}\r\n0\r\n\r\n`,
      );
    const tooBig = await chunked(11);
    expect(tooBig.status).toBe(413);
    expect(JSON.parse(tooBig.body).error.code).toBe('GW_ERR_BODY_TOO_LARGE');
    expect(edge.monolith.received).toHaveLength(0);
    // Within the limit, a chunked body arrives whole, with its length declared.
    const fits = await chunked(10);
    expect(fits.status).toBe(200);
    expect(edge.monolith.received[0].body).toBe('y'.repeat(10));
    expect(edge.monolith.received[0].headers['content-length']).toBe('10');
    expect(edge.monolith.received[0].headers['transfer-encoding']).toBeUndefined();
  });
});

describe('headers both ways', () => {
  it('strips hop-by-hop headers both ways, including those named in Connection', async () => {
    edge.monolith.behave((_request, response) => {
      response.writeHead(200, {
        'content-type': 'application/json',
        // Naming the gateway's own header must not strip it.
        connection: 'keep-alive, x-upstream-private, x-served-by',
        'x-upstream-private': 'secret',
        'keep-alive': 'timeout=5',
        'proxy-authenticate': 'Basic',
        'x-kept': 'yes',
      });
      response.end('{}');
      return true;
    });
    const response = await nodeGet(`${edge.gateway.url}/api/inventory/a`, {
      connection: 'keep-alive, x-client-private, x-forwarded-for, x-request-id',
      'x-client-private': 'secret',
      'proxy-authorization': 'Basic abc',
      te: 'trailers',
      'x-kept': 'yes',
    });
    edge.monolith.behave(undefined);
    const forwarded = edge.monolith.received.at(-1)!.headers;
    expect(forwarded['x-client-private']).toBeUndefined();
    expect(forwarded['proxy-authorization']).toBeUndefined();
    expect(forwarded.te).toBeUndefined();
    expect(forwarded['x-kept']).toBe('yes');
    expect(forwarded['x-forwarded-for']).toBe('127.0.0.1');
    expect(forwarded['x-request-id']).toBe(response.headers['x-request-id']);
    expect(response.headers['x-upstream-private']).toBeUndefined();
    expect(response.headers['proxy-authenticate']).toBeUndefined();
    expect(response.headers['x-kept']).toBe('yes');
    expect(response.headers['x-served-by']).toBe('monolith');
  });

  it('never forwards a client x-user-id; sets it from the verified token', async () => {
    const anonymous = await send(edge.gateway.url, '/api/inventory/a', { 'x-user-id': 'mallory' });
    expect(anonymous.echoed?.headers['x-user-id']).toBeUndefined();
    const authorization = `Bearer ${await token('alice')}`;
    const signedIn = await send(edge.gateway.url, '/api/inventory/a', {
      'x-user-id': 'mallory',
      authorization,
    });
    expect(signedIn.echoed?.headers['x-user-id']).toBe('alice');
    expect(signedIn.echoed?.headers.authorization).toBe(authorization);
  });

  it('keeps a well-formed x-request-id and traceparent, and returns the id', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const kept = await send(edge.gateway.url, '/api/inventory/a', { 'x-request-id': 'abc-123', traceparent });
    expect(kept.echoed?.headers['x-request-id']).toBe('abc-123');
    expect(kept.echoed?.headers.traceparent).toBe(traceparent);
    expect(kept.headers['x-request-id']).toBe('abc-123');
    const minted = await send(edge.gateway.url, '/api/inventory/a', { 'x-request-id': 'bad id with spaces' });
    expect(minted.echoed?.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(minted.headers['x-request-id']).toBe(minted.echoed?.headers['x-request-id']);
  });

  it('sets X-Forwarded-* itself, trusting client values only per TRUST_PROXY', async () => {
    const spoofed = {
      'x-forwarded-for': '203.0.113.9',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'evil.example',
    };
    const untrusted = await send(edge.gateway.url, '/api/inventory/a', spoofed);
    expect(untrusted.echoed?.headers).toMatchObject({
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': new URL(edge.gateway.url).host,
    });
    const trusted = await send(trusting.url, '/api/inventory/a', spoofed);
    expect(trusted.echoed?.headers).toMatchObject({
      'x-forwarded-for': '203.0.113.9, 127.0.0.1',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'evil.example',
    });
  });
});

describe('forced backend', () => {
  it('honours x-fig-backend for a token with the override scope', async () => {
    const authorization = `Bearer ${await token('alice', { scope: 'read fig:route-override' })}`;
    const forced = await send(edge.gateway.url, '/api/inventory/a', {
      'x-fig-backend': 'inventory',
      authorization,
    });
    expect(forced.headers['x-served-by']).toBe('inventory');
    expect(forced.echoed?.headers['x-fig-backend']).toBeUndefined();
    const back = await send(edge.gateway.url, '/api/inventory/a', {
      'x-fig-backend': 'monolith',
      authorization,
    });
    expect(back.headers['x-served-by']).toBe('monolith');
    const wrong = await send(edge.gateway.url, '/api/inventory/a', {
      'x-fig-backend': 'payments',
      authorization,
    });
    expect(wrong.status).toBe(400);
    expect(JSON.parse(wrong.text).error.code).toBe('GW_ERR_FORCED_BACKEND_INVALID');
  });

  it('ignores and strips it otherwise', async () => {
    const plain = `Bearer ${await token('alice', { scope: 'read' })}`;
    const attempts: Record<string, string>[] = [
      { 'x-fig-backend': 'inventory' },
      { 'x-fig-backend': 'inventory', authorization: plain },
    ];
    for (const headers of attempts) {
      const response = await send(edge.gateway.url, '/api/inventory/a', headers);
      expect(response.headers['x-served-by']).toBe('monolith');
      expect(response.echoed?.headers['x-fig-backend']).toBeUndefined();
    }
  });
});

describe('errors the gateway makes', () => {
  it('carry the JSON shape, a request id and security headers, and nothing internal', async () => {
    const cases = [
      await rawGet('/gone/x', []),
      await rawGet('/private/x', []),
      await rawGet('/private/x', ['Authorization: Bearer a.b.c']),
      await rawGet('/a/%2e%2e/b', []),
      await rawGet('/a/%c0%ae', []),
      await rawRequest(
        edge.gateway.url,
        `POST /small HTTP/1.1\r\nHost: g\r\nContent-Length: 99\r\nConnection: close\r\n\r\n`,
      ),
    ];
    expect(cases.map((response) => response.status)).toEqual([503, 401, 401, 400, 400, 413]);
    for (const response of cases) {
      const body = JSON.parse(response.body) as {
        error: { code: string; message: string; requestId: string };
      };
      expect(body.error.code).toMatch(/^GW_ERR_/);
      expect(body.error.requestId).toEqual(expect.any(String));
      for (const line of securityHeaderLines) expect(response.head).toMatch(line);
      expect(response.body).not.toMatch(/127\.0\.0\.1|localhost|ECONN|\bat \S+:\d+|\.ts\b|node:/);
      expect(response.body).not.toContain(String(downPort));
    }
  });
});
