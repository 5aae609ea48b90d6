import { type RunningDeployable, spawnDeployable } from '@fig/testing/spawn-deployable';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningGateway, startGateway } from '../../gateway/test/gateway-harness.ts';

let monolith: RunningDeployable;
let gateway: RunningGateway;

beforeAll(async () => {
  monolith = await spawnDeployable('monolith-stub');
  gateway = await startGateway(
    `
version: 1
upstreams: { monolith: { url: '${monolith.url}' } }
defaults: { auth: required, rateLimit: { max: 1000 } }
routes:
  - { name: auth, path: /auth, auth: none, rateLimit: { max: 5, window: 1m, by: ip } }
  - { name: users, path: /api/users, scopes: [profile] }
  - { name: payments, path: /api/payments, scopes: [payments:write] }
`,
    {
      AUTH_JWKS_URL: `${monolith.url}/.well-known/jwks.json`,
      AUTH_ISSUER: 'http://127.0.0.1:3000',
      AUTH_AUDIENCE: 'fig',
    },
  );
});
afterAll(async () => {
  await gateway?.close();
  await monolith?.stop();
});

async function login(username: string, password: string, scope?: string) {
  return fetch(`${gateway.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(scope ? { username, password, scope } : { username, password }),
  });
}

describe('the monolith as identity provider, through the edge', () => {
  it('logs in through the gateway and uses the token on protected routes', async () => {
    const response = await login('alice', 'password');
    expect(response.status).toBe(200);
    const { access_token: token } = (await response.json()) as { access_token: string };
    const me = await fetch(`${gateway.url}/api/users/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { username: string }).username).toBe('alice');
    const anonymous = await fetch(`${gateway.url}/api/users/me`);
    expect(anonymous.status).toBe(401);
  });

  it('enforces route scopes on what the token was granted', async () => {
    const response = await login('bob', 'password', 'profile');
    const { access_token: token } = (await response.json()) as { access_token: string };
    const headers = { authorization: `Bearer ${token}` };
    expect((await fetch(`${gateway.url}/api/users/me`, { headers })).status).toBe(200);
    const payment = await fetch(`${gateway.url}/api/payments/p-1`, { headers });
    expect(payment.status).toBe(403);
    expect(payment.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
  });

  it('limits login attempts by address', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 8; i++) codes.push((await login('alice', 'wrong')).status);
    expect(codes.filter((code) => code === 429).length).toBeGreaterThan(0);
    expect(codes.filter((code) => code !== 429).length).toBeLessThanOrEqual(5);
  });
});
