import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { expectInternalSurfacesAbsent } from '@fig/testing/internal-surfaces';
import { jsonRequest } from '@fig/testing/json-request';
import { type RunningDeployable, spawnDeployable } from '@fig/testing/spawn-deployable';
import { fetchServiceToken } from '@fig/testing/test-identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordedOrder } from './support/start-monolith.ts';

const recorded = recordedOrder(1, 'pay_listener');

describe('the monolith process: a public and an internal listener', () => {
  let monolith: RunningDeployable;
  let token: string;

  beforeAll(async () => {
    monolith = await spawnDeployable('monolith-stub', {
      env: { LEGACY_LATENCY_MS: '0', LEGACY_CHECKOUT_LATENCY_MS: '0' },
    });
    // The checkout service's token: it holds orders:record, so only a missing route can refuse it.
    token = await fetchServiceToken(monolith.url, 'checkout');
  });
  afterAll(() => monolith?.stop());

  it('announces two addresses, the internal one on loopback by default', () => {
    expect(monolith.internalUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(monolith.internalUrl).not.toBe(monolith.url);
  });

  it('answers the subgraph, metrics, health and /internal on the public port with a JSON 404', async () => {
    await expectInternalSurfacesAbsent(monolith.url, token);
  });

  it('keeps the public API, login and JWKS on the public port', async () => {
    expect((await jsonRequest(`${monolith.url}/api/products?limit=1`)).status).toBe(200);
    expect((await jsonRequest(`${monolith.url}/.well-known/jwks.json`)).body.keys.length).toBeGreaterThan(0);
    const login = await jsonRequest(`${monolith.url}/auth/login`, {
      body: { username: 'bob', password: 'password' },
    });
    expect(login.status).toBe(200);
  });

  it('serves them on the internal port, with the caller verified there too', async () => {
    const internal = monolith.internalUrl!;
    expect((await jsonRequest(`${internal}/health/ready`)).body.status).toBe('ready');
    expect((await jsonRequest(`${internal}/health/live`)).status).toBe(200);
    const graphql = await jsonRequest(`${internal}/graphql`, { body: { query: '{ __typename }' } });
    expect(graphql.body).toEqual({ data: { __typename: 'Query' } });
    const put = await jsonRequest(`${internal}/internal/orders/ord_listener`, {
      method: 'PUT',
      body: recorded,
      token,
    });
    expect(put.status).toBe(201);
    // Without the token the same request is a stranger's: the identity plugin runs here as well.
    const anonymous = await jsonRequest(`${internal}/internal/orders/ord_listener_2`, {
      method: 'PUT',
      body: recorded,
    });
    expect(anonymous.status).toBe(401);
    const forged = await jsonRequest(`${internal}/graphql`, {
      body: { query: '{ __typename }' },
      token: 'not.a.token',
    });
    expect(forged.status).toBe(401);
  });

  it('counts both listeners in one /metrics', async () => {
    await jsonRequest(`${monolith.url}/api/products?limit=1`);
    const metrics = await fetch(`${monolith.internalUrl}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/http_server_request_duration_seconds_count\{[^}]*route="\/api\/products"/);
    expect(metrics).toMatch(/http_server_request_duration_seconds_count\{[^}]*route="\/graphql"/);
  });
});

describe('the monolith refuses listeners it cannot open', () => {
  const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
  const run = async (env: Record<string, string>) => {
    const child = spawn(process.execPath, [main], {
      env: { PATH: process.env.PATH, LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const [code] = await once(child, 'exit');
    return { code, stderr };
  };

  it('exits 78 naming INTERNAL_PORT when it is not a port, or is PORT too', async () => {
    const bad = await run({ PORT: '0', INTERNAL_PORT: 'internal' });
    expect(bad.code).toBe(78);
    expect(bad.stderr).toContain('INTERNAL_PORT');
    const same = await run({ PORT: '47123', INTERNAL_PORT: '47123' });
    expect(same.code).toBe(78);
    expect(same.stderr).toContain('INTERNAL_PORT 47123 is PORT too');
  });
});
