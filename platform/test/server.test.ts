import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer } from '../src/server.ts';

describe('createServer', () => {
  const app = createServer({ service: 'probe', logLevel: 'silent' });
  let ready = true;
  app.observability.readiness.set('store', () => ready);
  app.post(
    '/echo',
    {
      schema: {
        body: { type: 'object', properties: { n: { type: 'integer' } }, additionalProperties: false },
      },
    },
    async (request) => request.body,
  );
  app.get('/boom', async () => {
    throw new Error('database password is hunter2');
  });
  app.get('/id', async (request) => ({ id: request.id }));
  afterEach(() => {
    ready = true;
  });

  it('serves liveness, readiness and metrics', async () => {
    expect((await app.inject('/health/live')).json()).toEqual({ status: 'ok', service: 'probe' });
    expect((await app.inject('/health/ready')).statusCode).toBe(200);
    ready = false;
    const notReady = await app.inject('/health/ready');
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toEqual({ status: 'not_ready', checks: { store: false } });
    await app.inject('/echo'); // 404s are recorded too
    const metrics = (await app.inject('/metrics')).body;
    expect(metrics).toMatch(/http_server_request_duration_seconds_count\{[^}]*status_code="200"/);
    expect(metrics).toMatch(/process_cpu_user_seconds_total/);
  });

  it('answers bad input with a JSON 4xx and hides internals on a 500', async () => {
    const badJson = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"n":',
    });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json().error.code).toBe('INVALID_JSON');
    const unknownField = await app.inject({ method: 'POST', url: '/echo', payload: { n: 1, extra: true } });
    expect(unknownField.statusCode).toBe(400);
    expect(unknownField.json().error.code).toBe('VALIDATION_FAILED');
    const boom = await app.inject('/boom');
    expect(boom.statusCode).toBe(500);
    expect(boom.body).not.toMatch(/hunter2/);
    expect((await app.inject('/nope')).json().error.code).toBe('NOT_FOUND');
  });

  it('keeps a well-formed x-request-id and replaces a malformed one', async () => {
    expect((await app.inject({ url: '/id', headers: { 'x-request-id': 'abc-123' } })).json().id).toBe(
      'abc-123',
    );
    const replaced = (await app.inject({ url: '/id', headers: { 'x-request-id': 'a b\u0001' } })).json().id;
    expect(replaced).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('serve', () => {
  it('drains an in-flight request on SIGTERM, then exits 0', async () => {
    const script = `
      import { createServer, serve } from './platform/src/index.ts';
      const app = createServer({ service: 'drain', logLevel: 'silent' });
      app.get('/slow', async () => { await new Promise((r) => setTimeout(r, 400)); return { done: true }; });
      const address = await serve(app, { port: 0, host: '127.0.0.1' });
      process.stdout.write(address + '\\n');
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: new URL('../..', import.meta.url),
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const [chunk] = await once(child.stdout, 'data');
    const address = String(chunk).trim();
    expect(address, stderr).toMatch(/^http:/);
    const pending = fetch(`${address}/slow`).then((r) => r.json());
    await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGTERM');
    expect(await pending).toEqual({ done: true });
    const [code] = await once(child, 'exit');
    expect(code, stderr).toBe(0);
  });
});
