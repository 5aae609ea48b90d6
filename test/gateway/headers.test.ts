import {
  createSigningKey,
  type RunningJwksServer,
  signToken,
  type SigningKey,
  startJwksServer,
} from '@fig/testing/jwks-server';
import { startEchoUpstream, type EchoedRequest, type RunningEchoUpstream } from '@fig/testing/echo-upstream';
import { get, type IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningGateway, startGateway } from './gateway-harness.ts';

let monolith: RunningEchoUpstream;
let service: RunningEchoUpstream;
let jwks: RunningJwksServer;
let key: SigningKey;
let gateway: RunningGateway;
let trusting: RunningGateway;

const rules = () => `version: 1
upstreams:
  monolith: { url: ${monolith.url} }
  inventory: { url: ${service.url} }
defaults:
  auth: optional
  rateLimit: { max: 1000000 }
routes:
  - { name: inventory, path: /api/inventory, service: inventory, percent: 0 }
`;

const token = (claims: Record<string, unknown>) =>
  signToken(key, {
    sub: 'alice',
    iat: Math.floor(Date.now() / 1000),
    exp: Math.floor(Date.now() / 1000) + 600,
    ...claims,
  });

async function send(base: string, path: string, headers: Record<string, string> = {}) {
  const response = await request(`${base}${path}`, { headers });
  const text = await response.body.text();
  const echoed = response.statusCode === 200 ? (JSON.parse(text) as EchoedRequest) : undefined;
  return { status: response.statusCode, headers: response.headers, echoed, text };
}

function rawGet(url: string, headers: Record<string, string>): Promise<{ headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    get(url, { headers, agent: false }, (response) => {
      response.resume();
      response.on('end', () => resolve({ headers: response.headers }));
    }).on('error', reject);
  });
}

beforeAll(async () => {
  monolith = await startEchoUpstream('monolith');
  service = await startEchoUpstream('inventory');
  key = await createSigningKey('k1');
  jwks = await startJwksServer([key]);
  gateway = await startGateway(rules(), { AUTH_JWKS_URL: jwks.url });
  trusting = await startGateway(rules(), { AUTH_JWKS_URL: jwks.url, TRUST_PROXY: '127.0.0.1' });
});

afterAll(async () => {
  await gateway?.close();
  await trusting?.close();
  await Promise.all([monolith?.close(), service?.close(), jwks?.close()]);
});

describe('header hygiene', () => {
  it('strips hop-by-hop headers both ways, including those named in Connection', async () => {
    monolith.behave((_request, response) => {
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
    // node:http sends a Connection header as given (undici would not let a caller set it).
    const response = await rawGet(`${gateway.url}/api/inventory/a`, {
      connection: 'keep-alive, x-client-private, x-forwarded-for, x-request-id',
      'x-client-private': 'secret',
      'proxy-authorization': 'Basic abc',
      te: 'trailers',
      'x-kept': 'yes',
    });
    monolith.behave(undefined);
    const forwarded = monolith.received.at(-1)!.headers;
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
    const anonymous = await send(gateway.url, '/api/inventory/a', { 'x-user-id': 'mallory' });
    expect(anonymous.echoed?.headers['x-user-id']).toBeUndefined();
    const authorization = `Bearer ${await token({})}`;
    const signedIn = await send(gateway.url, '/api/inventory/a', { 'x-user-id': 'mallory', authorization });
    expect(signedIn.echoed?.headers['x-user-id']).toBe('alice');
    expect(signedIn.echoed?.headers.authorization).toBe(authorization);
  });

  it('keeps a well-formed x-request-id and traceparent, and returns the id', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const kept = await send(gateway.url, '/api/inventory/a', { 'x-request-id': 'abc-123', traceparent });
    expect(kept.echoed?.headers['x-request-id']).toBe('abc-123');
    expect(kept.echoed?.headers.traceparent).toBe(traceparent);
    expect(kept.headers['x-request-id']).toBe('abc-123');
    const minted = await send(gateway.url, '/api/inventory/a', { 'x-request-id': 'bad id with spaces' });
    expect(minted.echoed?.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(minted.headers['x-request-id']).toBe(minted.echoed?.headers['x-request-id']);
  });

  it('sets X-Forwarded-* itself, trusting client values only per TRUST_PROXY', async () => {
    const spoofed = {
      'x-forwarded-for': '203.0.113.9',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'evil.example',
    };
    const untrusted = await send(gateway.url, '/api/inventory/a', spoofed);
    expect(untrusted.echoed?.headers).toMatchObject({
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': new URL(gateway.url).host,
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
    const authorization = `Bearer ${await token({ scope: 'read fig:route-override' })}`;
    const forced = await send(gateway.url, '/api/inventory/a', {
      'x-fig-backend': 'inventory',
      authorization,
    });
    expect(forced.headers['x-served-by']).toBe('inventory');
    expect(forced.echoed?.headers['x-fig-backend']).toBeUndefined();
    const back = await send(gateway.url, '/api/inventory/a', { 'x-fig-backend': 'monolith', authorization });
    expect(back.headers['x-served-by']).toBe('monolith');
    const wrong = await send(gateway.url, '/api/inventory/a', { 'x-fig-backend': 'payments', authorization });
    expect(wrong.status).toBe(400);
    expect(JSON.parse(wrong.text).error.code).toBe('GW_ERR_FORCED_BACKEND_INVALID');
  });

  it('ignores and strips it otherwise', async () => {
    const plain = `Bearer ${await token({ scope: 'read' })}`;
    const attempts: Record<string, string>[] = [
      { 'x-fig-backend': 'inventory' },
      { 'x-fig-backend': 'inventory', authorization: plain },
    ];
    for (const headers of attempts) {
      const response = await send(gateway.url, '/api/inventory/a', headers);
      expect(response.headers['x-served-by']).toBe('monolith');
      expect(response.echoed?.headers['x-fig-backend']).toBeUndefined();
    }
  });
});

describe('streaming', () => {
  it('streams a large request body to the upstream', async () => {
    const body = 'x'.repeat(300_000);
    const response = await request(`${gateway.url}/api/inventory/upload`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body,
    });
    const echoed = (await response.body.json()) as EchoedRequest;
    expect(response.statusCode).toBe(200);
    expect(echoed.body.length).toBe(body.length);
    expect(echoed.headers['content-length']).toBe(String(body.length));
  });

  it('answers Expect: 100-continue itself and forwards the body without the expectation', async () => {
    const body = 'y'.repeat(200_000);
    const answer = await new Promise<{ status: number; text: string; continued: boolean }>(
      (resolve, reject) => {
        let continued = false;
        const outgoing = httpRequest(`${gateway.url}/api/inventory/upload`, {
          method: 'POST',
          headers: {
            expect: '100-continue',
            'content-type': 'application/octet-stream',
            'content-length': body.length,
          },
        });
        outgoing.on('continue', () => {
          continued = true;
          outgoing.end(body);
        });
        outgoing.on('response', (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk));
          response.on('end', () => resolve({ status: response.statusCode!, text, continued }));
        });
        outgoing.on('error', reject);
      },
    );
    expect([answer.status, answer.continued]).toEqual([200, true]);
    const echoed = JSON.parse(answer.text) as EchoedRequest;
    expect(echoed.body.length).toBe(body.length);
    expect(echoed.headers.expect).toBeUndefined();
  });

  it('passes bodiless answers on as they are: HEAD keeps its length, 204 and 304 stay empty', async () => {
    monolith.behave((request, response) => {
      const status = request.url!.endsWith('/none') ? 204 : request.url!.endsWith('/same') ? 304 : 200;
      // Only HEAD declares the length of the body it leaves out (RFC 9110 §8.6).
      const length: Record<string, string> = status === 200 ? { 'content-length': '2' } : {};
      response.writeHead(status, { etag: '"v1"', 'content-type': 'application/json', ...length });
      response.end(status === 200 ? '{}' : undefined);
      return true;
    });
    const head = await request(`${gateway.url}/api/inventory/sku-1`, { method: 'HEAD' });
    const noContent = await request(`${gateway.url}/api/inventory/none`);
    const notModified = await request(`${gateway.url}/api/inventory/same`);
    const bodies = await Promise.all([head, noContent, notModified].map((r) => r.body.text()));
    monolith.behave(undefined);
    expect([head.statusCode, head.headers['content-length'], head.headers.etag]).toEqual([200, '2', '"v1"']);
    expect([noContent.statusCode, notModified.statusCode]).toEqual([204, 304]);
    expect(notModified.headers.etag).toBe('"v1"');
    expect(bodies).toEqual(['', '', '']);
    // The connection is still good for the next request.
    expect((await send(gateway.url, '/api/inventory/sku-1')).status).toBe(200);
  });

  it('passes the answer on as it arrives, before the upstream has finished', async () => {
    let finish: (() => void) | undefined;
    monolith.behave((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.write('first part;');
      finish = () => response.end('second part');
      return true;
    });
    const response = await request(`${gateway.url}/api/inventory/stream`);
    const chunks: string[] = [];
    for await (const chunk of response.body) {
      chunks.push(String(chunk));
      // Only once the first part got through does the upstream send the rest.
      if (chunks.length === 1) finish!();
    }
    monolith.behave(undefined);
    expect(chunks[0]).toBe('first part;');
    expect(chunks.join('')).toBe('first part;second part');
  });
});
