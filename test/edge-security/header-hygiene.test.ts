import { closedPort } from '@fig/testing/closed-port';
import { type RunningEchoUpstream, startEchoUpstream } from '@fig/testing/echo-upstream';
import {
  createSigningKey,
  type RunningJwksServer,
  type SigningKey,
  signToken,
  startJwksServer,
} from '@fig/testing/jwks-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningGateway, startGateway } from '../gateway/gateway-harness.ts';
import { rawRequest } from './raw-http.ts';

let monolith: RunningEchoUpstream;
let jwks: RunningJwksServer;
let key: SigningKey;
let gateway: RunningGateway;
let downPort: number;

beforeAll(async () => {
  monolith = await startEchoUpstream('monolith');
  key = await createSigningKey('k1');
  jwks = await startJwksServer([key]);
  downPort = await closedPort();
  gateway = await startGateway(
    `
version: 1
upstreams:
  monolith: { url: '${monolith.url}' }
  gone: { url: 'http://127.0.0.1:${downPort}', retries: 0 }
defaults: { auth: optional, rateLimit: { max: 100000 } }
routes:
  - { name: private, path: /private, auth: required }
  - { name: gone, path: /gone, upstream: gone, auth: none }
  - { name: small, path: /small, auth: none, bodyLimit: 10 }
`,
    { AUTH_JWKS_URL: jwks.url },
  );
});
afterAll(async () => {
  await gateway?.close();
  await Promise.all([monolith?.close(), jwks?.close()]);
});
beforeEach(() => {
  monolith.received.length = 0;
});

const token = (sub: string) => {
  const now = Math.floor(Date.now() / 1000);
  return signToken(key, { sub, iat: now, exp: now + 300 });
};

function rawGet(target: string, headerLines: string[]) {
  return rawRequest(
    gateway.url,
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
    const [seen] = monolith.received;
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
    const [seen] = monolith.received;
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
    const [seen] = monolith.received;
    expect(seen.headers['x-user-id']).toBe('alice');
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen.headers['x-request-id']).toBeDefined();
  });

  it('forwards x-user-id only from a verified token, with the original Authorization', async () => {
    const bearer = `Bearer ${await token('bob')}`;
    const response = await rawGet('/private/x', [`Authorization: ${bearer}`, 'X-User-Id: admin']);
    expect(response.status).toBe(200);
    expect(monolith.received[0].headers['x-user-id']).toBe('bob');
    expect(monolith.received[0].headers.authorization).toBe(bearer);
    const anonymous = await rawGet('/public', ['X-User-Id: admin']);
    expect(anonymous.status).toBe(200);
    expect(monolith.received[1].headers['x-user-id']).toBeUndefined();
  });

  it('refuses a forged token on a private route and never reaches the upstream', async () => {
    const forged = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"admin"}').toString('base64url')}.`;
    const response = await rawGet('/private/x', [`Authorization: Bearer ${forged}`]);
    expect(response.status).toBe(401);
    expect(response.head).toMatch(/www-authenticate: Bearer realm="fig", error="invalid_token"/i);
    expect(monolith.received).toHaveLength(0);
  });

  it('refuses a duplicate Host before routing', async () => {
    const response = await rawRequest(
      gateway.url,
      'GET /public HTTP/1.1\r\nHost: gateway.test\r\nHost: monolith.internal\r\nConnection: close\r\n\r\n',
    );
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body).error.code).toBe('GW_ERR_BAD_HOST');
    expect(monolith.received).toHaveLength(0);
  });

  it('refuses an oversized body on a small route without forwarding it, declared or chunked', async () => {
    const response = await fetch(`${gateway.url}/small`, { method: 'POST', body: 'x'.repeat(11) });
    expect(response.status).toBe(413);
    const chunked = (size: number) =>
      rawRequest(
        gateway.url,
        `POST /small HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${size.toString(16)}\r\n${'y'.repeat(size)}\r\n0\r\n\r\n`,
      );
    const tooBig = await chunked(11);
    expect(tooBig.status).toBe(413);
    expect(JSON.parse(tooBig.body).error.code).toBe('GW_ERR_BODY_TOO_LARGE');
    expect(monolith.received).toHaveLength(0);
    // Within the limit, a chunked body arrives whole, with its length declared.
    const fits = await chunked(10);
    expect(fits.status).toBe(200);
    expect(monolith.received[0].body).toBe('y'.repeat(10));
    expect(monolith.received[0].headers['content-length']).toBe('10');
    expect(monolith.received[0].headers['transfer-encoding']).toBeUndefined();
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
        gateway.url,
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
