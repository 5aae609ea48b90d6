import { type EchoedRequest } from '@fig/testing/echo-upstream';
import { request as httpRequest } from 'node:http';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { echoGatewayPerSuite } from '../../gateway/test/gateway-harness.ts';

const edge = echoGatewayPerSuite(
  (upstreams) => `version: 1
upstreams:
  monolith: { url: ${upstreams.monolith} }
  inventory: { url: ${upstreams.service} }
defaults:
  auth: optional
  rateLimit: { max: 1000000 }
routes:
  - { name: inventory, path: /api/inventory, service: inventory, percent: 0 }
`,
);

async function send(base: string, path: string, headers: Record<string, string> = {}) {
  const response = await request(`${base}${path}`, { headers });
  const text = await response.body.text();
  const echoed = response.statusCode === 200 ? (JSON.parse(text) as EchoedRequest) : undefined;
  return { status: response.statusCode, headers: response.headers, echoed, text };
}

describe('streaming', () => {
  it('streams a large request body to the upstream', async () => {
    const body = 'x'.repeat(300_000);
    const response = await request(`${edge.gateway.url}/api/inventory/upload`, {
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
        const outgoing = httpRequest(`${edge.gateway.url}/api/inventory/upload`, {
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
    edge.monolith.behave((request, response) => {
      const status = request.url!.endsWith('/none') ? 204 : request.url!.endsWith('/same') ? 304 : 200;
      // Only HEAD declares the length of the body it leaves out (RFC 9110 §8.6).
      const length: Record<string, string> = status === 200 ? { 'content-length': '2' } : {};
      response.writeHead(status, { etag: '"v1"', 'content-type': 'application/json', ...length });
      response.end(status === 200 ? '{}' : undefined);
      return true;
    });
    const head = await request(`${edge.gateway.url}/api/inventory/sku-1`, { method: 'HEAD' });
    const noContent = await request(`${edge.gateway.url}/api/inventory/none`);
    const notModified = await request(`${edge.gateway.url}/api/inventory/same`);
    const bodies = await Promise.all([head, noContent, notModified].map((r) => r.body.text()));
    edge.monolith.behave(undefined);
    expect([head.statusCode, head.headers['content-length'], head.headers.etag]).toEqual([200, '2', '"v1"']);
    expect([noContent.statusCode, notModified.statusCode]).toEqual([204, 304]);
    expect(notModified.headers.etag).toBe('"v1"');
    expect(bodies).toEqual(['', '', '']);
    // The connection is still good for the next request.
    expect((await send(edge.gateway.url, '/api/inventory/sku-1')).status).toBe(200);
  });

  it('passes the answer on as it arrives, before the upstream has finished', async () => {
    let finish: (() => void) | undefined;
    edge.monolith.behave((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.write('first part;');
      finish = () => response.end('second part');
      return true;
    });
    const response = await request(`${edge.gateway.url}/api/inventory/stream`);
    const chunks: string[] = [];
    for await (const chunk of response.body) {
      chunks.push(String(chunk));
      // Only once the first part got through does the upstream send the rest.
      if (chunks.length === 1) finish!();
    }
    edge.monolith.behave(undefined);
    expect(chunks[0]).toBe('first part;');
    expect(chunks.join('')).toBe('first part;second part');
  });
});
