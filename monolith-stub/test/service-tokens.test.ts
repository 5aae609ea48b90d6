import { createServiceTokens, ServiceTokenError } from '@fig/platform/auth/service-tokens';
import { closedPort } from '@fig/testing/closed-port';
import { startHoldingProxy } from '@fig/testing/holding-proxy';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { monolithPerSuite } from './support/start-monolith.ts';

const form = (fields: Record<string, string>) => ({
  body: new URLSearchParams(fields).toString(),
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
});
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe('POST /auth/token (client credentials)', () => {
  const clients = [
    { id: 'checkout', secret: 'a-checkout-secret-1', scopes: ['inventory:reserve', 'payments:charge'] },
    { id: 'reporting', secret: 'a-reporting-secret', scopes: [] },
  ];
  const monolith = monolithPerSuite({ serviceClients: clients });

  it('issues a service token, form-encoded, JSON or with HTTP Basic', async () => {
    const answers = [
      await monolith.call(
        '/auth/token',
        form({
          grant_type: 'client_credentials',
          client_id: 'checkout',
          client_secret: 'a-checkout-secret-1',
        }),
      ),
      await monolith.call('/auth/token', {
        body: {
          grant_type: 'client_credentials',
          client_id: 'checkout',
          client_secret: 'a-checkout-secret-1',
        },
      }),
      await monolith.call('/auth/token', {
        ...form({ grant_type: 'client_credentials' }),
        headers: { ...form({}).headers, authorization: basic('checkout', 'a-checkout-secret-1') },
      }),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expect(answer.body).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 3600,
        scope: 'inventory:reserve payments:charge',
      });
      expect(decodeJwt(answer.body.access_token)).toMatchObject({
        sub: 'svc:checkout',
        aud: 'fig',
        scope: 'inventory:reserve payments:charge',
      });
    }
  });

  it('narrows to a requested scope and refuses a scope the client does not have', async () => {
    const credentials = {
      grant_type: 'client_credentials',
      client_id: 'checkout',
      client_secret: 'a-checkout-secret-1',
    };
    const narrowed = await monolith.call('/auth/token', {
      body: { ...credentials, scope: 'payments:charge' },
    });
    expect(narrowed.body.scope).toBe('payments:charge');
    const wider = await monolith.call('/auth/token', {
      body: { ...credentials, scope: 'payments:charge orders:record' },
    });
    expect([wider.status, wider.body.error]).toEqual([400, 'invalid_scope']);
  });

  it.each([
    [
      'a wrong secret',
      { grant_type: 'client_credentials', client_id: 'checkout', client_secret: 'a-checkout-secret-2' },
      401,
      'invalid_client',
    ],
    [
      'a secret of another client',
      { grant_type: 'client_credentials', client_id: 'checkout', client_secret: 'a-reporting-secret' },
      401,
      'invalid_client',
    ],
    [
      'an unknown client',
      { grant_type: 'client_credentials', client_id: 'mallory', client_secret: 'a-checkout-secret-1' },
      401,
      'invalid_client',
    ],
    ['no secret', { grant_type: 'client_credentials', client_id: 'checkout' }, 401, 'invalid_client'],
    [
      'no grant_type',
      { client_id: 'checkout', client_secret: 'a-checkout-secret-1' },
      400,
      'invalid_request',
    ],
    [
      'the password grant',
      { grant_type: 'password', client_id: 'checkout', client_secret: 'a-checkout-secret-1' },
      400,
      'unsupported_grant_type',
    ],
  ])('refuses %s with a JSON %i', async (_name, fields, status, error) => {
    for (const init of [form(fields as Record<string, string>), { body: fields }]) {
      const answer = await monolith.call('/auth/token', init);
      expect(answer.status).toBe(status);
      expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
      expect(answer.body).toEqual({ error, error_description: expect.any(String) });
    }
  });

  it('refuses malformed Basic credentials, two methods at once, and bodies that are not JSON', async () => {
    const garbage = await monolith.call('/auth/token', {
      body: { grant_type: 'client_credentials' },
      headers: { authorization: 'Basic !!!' },
    });
    expect([garbage.status, garbage.body.error]).toEqual([401, 'invalid_client']);
    const both = await monolith.call('/auth/token', {
      body: { grant_type: 'client_credentials', client_secret: 'a-checkout-secret-1' },
      headers: { authorization: basic('checkout', 'a-checkout-secret-1') },
    });
    expect([both.status, both.body.error]).toEqual([400, 'invalid_request']);
    const broken = await monolith.call('/auth/token', { body: '{"grant_type":' });
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe('INVALID_JSON');
  });
});

describe('the service-token client against the real identity provider', () => {
  const monolith = monolithPerSuite();

  it('fetches once for many callers, reuses the token, and its token is accepted', async () => {
    const proxy = await startHoldingProxy(monolith.url);
    try {
      const tokens = createServiceTokens({
        tokenUrl: `${proxy.url}/auth/token`,
        clientId: 'checkout',
        clientSecret: 'checkout-dev-secret',
      });
      const burst = await Promise.all(Array.from({ length: 10 }, () => tokens.token()));
      expect(new Set(burst).size).toBe(1);
      expect(await tokens.token()).toBe(burst[0]);
      expect(proxy.seen.filter((r) => r.url === '/auth/token')).toHaveLength(1);
      const reserved = await monolith.call('/api/inventory/reservations', {
        headers: { authorization: await tokens.authorization() },
        body: { items: [{ sku: 'SKU-0001', quantity: 1 }], ttl_seconds: 60 },
      });
      expect(reserved.status).toBe(201);
      tokens.invalidate();
      await tokens.token();
      expect(proxy.seen.filter((r) => r.url === '/auth/token')).toHaveLength(2);
    } finally {
      await proxy.close();
    }
  });

  it('fetches a new token shortly before the old one expires', async () => {
    let now = Date.now();
    const tokens = createServiceTokens({
      tokenUrl: `${monolith.url}/auth/token`,
      clientId: 'checkout',
      clientSecret: 'checkout-dev-secret',
      scope: 'inventory:reserve',
      now: () => now,
    });
    const first = await tokens.token();
    now += 3600_000 - 31_000;
    expect(await tokens.token()).toBe(first);
    now += 2000;
    await new Promise((resolve) => setTimeout(resolve, 1100)); // a new iat, so a different token
    expect(await tokens.token()).not.toBe(first);
  });

  it('says clearly when the identity provider is down or refuses the client', async () => {
    const down = createServiceTokens({
      tokenUrl: `http://127.0.0.1:${await closedPort()}/auth/token`,
      clientId: 'checkout',
      clientSecret: 'checkout-dev-secret',
    });
    await expect(down.token()).rejects.toThrow(ServiceTokenError);
    await expect(down.token()).rejects.toThrow(/unreachable/);
    const refused = createServiceTokens({
      tokenUrl: `${monolith.url}/auth/token`,
      clientId: 'checkout',
      clientSecret: 'not-the-secret',
    });
    await expect(refused.token()).rejects.toThrow(/refused client checkout a token \(invalid_client\)/);
  });
});
