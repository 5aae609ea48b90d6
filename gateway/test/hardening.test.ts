import type { FastifyInstance } from 'fastify';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hardenedServerOptions } from '../src/hardening/server-options.ts';
import { edgeApp } from './gateway-harness.ts';

const rules = `
version: 1
upstreams: { monolith: { url: 'http://127.0.0.1:1' } }
defaults: { auth: none, bodyLimit: 64 }
routes:
  - { name: uploads, path: /uploads, bodyLimit: 1000 }
`;

/** Writes raw bytes (optionally in timed pieces) and returns everything the server sent back. */
function rawExchange(port: number, pieces: Array<string | number>): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('error', (error: NodeJS.ErrnoException) =>
      error.code === 'ECONNRESET' || error.code === 'EPIPE' ? resolve(received) : reject(error),
    );
    socket.on('close', () => resolve(received));
    socket.on('connect', async () => {
      for (const piece of pieces) {
        if (typeof piece === 'number') await new Promise((done) => setTimeout(done, piece));
        else if (!socket.destroyed) socket.write(piece);
      }
    });
  });
}

function statusOf(response: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1]);
}

function jsonOf(response: string) {
  return JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4));
}

describe('a hardened listener', () => {
  let app: FastifyInstance;
  let port: number;

  beforeAll(async () => {
    app = await edgeApp(rules, {
      server: hardenedServerOptions({ maxHeaderBytes: 4096, headersTimeoutMs: 300, requestTimeoutMs: 600 }),
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers oversized headers with 431 in the JSON shape', async () => {
    const response = await rawExchange(port, [
      `GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${'x'.repeat(5000)}\r\n\r\n`,
    ]);
    expect(statusOf(response)).toBe(431);
    expect(jsonOf(response).error.code).toBe('GW_ERR_HEADERS_TOO_LARGE');
    expect(response.toLowerCase()).toContain('x-content-type-options: nosniff');
  });

  it('answers a client that sends its headers too slowly with 408', async () => {
    const response = await rawExchange(port, [
      'GET / HTTP/1.1\r\nHost: a\r\n',
      200,
      'X-A: 1\r\n',
      200,
      'X-B: 2\r\n',
      800,
    ]);
    expect(statusOf(response)).toBe(408);
    expect(jsonOf(response).error.code).toBe('GW_ERR_REQUEST_TIMEOUT');
  });

  it('answers a client that sends its body too slowly with 408', async () => {
    const head =
      'POST /uploads HTTP/1.1\r\nHost: a\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\n';
    const response = await rawExchange(port, [head, 'ab', 300, 'cd', 300, 'ef', 600]);
    expect(statusOf(response)).toBe(408);
  });

  it('rejects a missing or duplicate Host header', async () => {
    const missing = await rawExchange(port, ['GET / HTTP/1.1\r\nConnection: close\r\n\r\n']);
    expect(statusOf(missing)).toBe(400);
    expect(jsonOf(missing).error.code).toBe('GW_ERR_BAD_HOST');
    const response = await rawExchange(port, [
      'GET / HTTP/1.1\r\nHost: a\r\nHost: internal\r\nConnection: close\r\n\r\n',
    ]);
    expect(statusOf(response)).toBe(400);
    expect(jsonOf(response).error.code).toBe('GW_ERR_BAD_HOST');
  });

  it('answers malformed requests with a JSON 400', async () => {
    for (const request of [
      'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n',
      'GET /\x00 HTTP/1.1\r\nHost: a\r\n\r\n',
    ]) {
      const response = await rawExchange(port, [request]);
      expect(statusOf(response), JSON.stringify(request)).toBe(400);
      expect(jsonOf(response).error.code).toMatch(/^GW_ERR_/);
    }
  });

  it('applies the route body limit by Content-Length and while counting a chunked body', async () => {
    const small = await fetch(`http://127.0.0.1:${port}/uploads`, { method: 'POST', body: 'x'.repeat(900) });
    expect(((await small.json()) as { bodyBytes: number }).bodyBytes).toBe(900);
    const declared = await fetch(`http://127.0.0.1:${port}/other`, { method: 'POST', body: 'x'.repeat(65) });
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as { error: { code: string } }).error.code).toBe('GW_ERR_BODY_TOO_LARGE');
    const chunked = await rawExchange(port, [
      'POST /other HTTP/1.1\r\nHost: a\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n',
      `28\r\n${'y'.repeat(40)}\r\n`,
      `28\r\n${'y'.repeat(40)}\r\n0\r\n\r\n`,
    ]);
    expect(statusOf(chunked)).toBe(413);
    expect(jsonOf(chunked).error.code).toBe('GW_ERR_BODY_TOO_LARGE');
  });

  it('drops header names with underscores', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/anything`, {
      headers: { x_user_id: 'admin', 'x-user_id': 'admin', 'x-kept': '1' },
    });
    const { headers } = (await response.json()) as { headers: string[] };
    expect(headers).toContain('x-kept');
    expect(headers.filter((name) => name.includes('_'))).toEqual([]);
  });

  it('puts security headers on responses it makes itself', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/anything`);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('cache-control')).toBe('no-store');
  });
});
