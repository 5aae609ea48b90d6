import { createServer } from '@fig/platform';
import { createBackendAuthenticator } from '@fig/platform/auth/backend-auth';
import { callerAuth } from '@fig/platform/auth/caller-auth';
import { callerOf, requireCaller, requireScope } from '@fig/domain/identity';
import { startTestIdentity, type TestIdentity } from '@fig/testing/test-identity';
import { createSigningKey, signToken } from '@fig/testing/jwks-server';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

function backend(identity: { jwksUrl: string; issuer: string; audience: string }) {
  const app = createServer({ service: 'test-backend', logLevel: 'silent', healthRoutes: false });
  app.register(callerAuth, {
    authenticator: createBackendAuthenticator(identity),
    publicPaths: /^\/auth\//,
  });
  app.get('/whoami', async (request) => ({
    caller: request.caller ?? null,
    user: callerOf(request) ?? null,
  }));
  app.get('/mine', async (request) => ({ user: requireCaller(request) }));
  app.post('/reserve', async (request) => {
    requireScope(request, 'inventory:reserve');
    return { reserved: true };
  });
  app.post('/auth/login', async () => ({ ok: true }));
  return app;
}

async function call(app: FastifyInstance, url: string, headers: Record<string, string> = {}, method = 'GET') {
  const response = await app.inject({ method: method as 'GET', url, headers });
  return { status: response.statusCode, headers: response.headers, body: response.json() };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('callerAuth: who a backend believes', () => {
  let identity: TestIdentity;
  let app: FastifyInstance;

  beforeAll(async () => {
    identity = await startTestIdentity();
    app = backend(identity);
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await identity.close();
  });

  it('treats a request without a token as anonymous, whatever x-user-id says', async () => {
    expect((await call(app, '/whoami')).body).toEqual({ caller: null, user: null });
    const forged = await call(app, '/whoami', { 'x-user-id': 'usr_bob' });
    expect(forged.body).toEqual({ caller: null, user: null });
    const mine = await call(app, '/mine', { 'x-user-id': 'usr_bob' });
    expect(mine.status).toBe(401);
    expect(mine.body.error.code).toBe('UNAUTHENTICATED');
  });

  it("takes a user's identity from the user's token and ignores the x-user-id beside it", async () => {
    const token = await identity.userToken('usr_alice');
    const result = await call(app, '/whoami', { ...bearer(token), 'x-user-id': 'usr_bob' });
    expect(result.body).toEqual({
      caller: {
        subject: 'usr_alice',
        scopes: expect.arrayContaining(['orders:read']),
        service: false,
        user: 'usr_alice',
      },
      user: 'usr_alice',
    });
  });

  it('lets a service token act for the user it names in x-user-id, and for nobody without it', async () => {
    const token = await identity.serviceToken('checkout');
    const acting = await call(app, '/whoami', { ...bearer(token), 'x-user-id': 'usr_bob' });
    expect(acting.body.caller).toMatchObject({ subject: 'svc:checkout', service: true, user: 'usr_bob' });
    expect(acting.body.caller.scopes).toContain('inventory:reserve');
    expect((await call(app, '/whoami', bearer(token))).body.user).toBeNull();
    const oddName = await call(app, '/whoami', { ...bearer(token), 'x-user-id': 'usr bob\t' });
    expect(oddName.body.user).toBeNull();
  });

  it.each([
    ['expired', { expiresIn: -120 }, 'token expired'],
    ['for another audience', { claims: { aud: 'someone-else' } }, 'aud claim invalid'],
    ['from another issuer', { claims: { iss: 'https://evil.test' } }, 'iss claim invalid'],
  ])('refuses a service token %s with 401 INVALID_TOKEN', async (_name, options, description) => {
    const token = await identity.serviceToken('checkout', options);
    const result = await call(app, '/whoami', { ...bearer(token), 'x-user-id': 'usr_bob' });
    expect(result.status).toBe(401);
    expect(result.body.error.code).toBe('INVALID_TOKEN');
    expect(result.headers['www-authenticate']).toContain('error="invalid_token"');
    expect(result.headers['www-authenticate']).toContain(`error_description="${description}"`);
  });

  it('refuses forged, unsigned and malformed credentials instead of treating them as anonymous', async () => {
    const stranger = await createSigningKey('test-key');
    const forged = await signToken(stranger, {
      iss: identity.issuer,
      aud: identity.audience,
      sub: 'svc:checkout',
      scope: 'inventory:reserve',
      iat: Math.floor(Date.now() / 1000),
      exp: Math.floor(Date.now() / 1000) + 60,
    });
    const [header, payload] = forged.split('.');
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`;
    for (const authorization of [
      `Bearer ${forged}`,
      `Bearer ${unsigned}`,
      `Bearer ${header}.${payload}`,
      'Basic dXNyX2JvYjo=',
      'Bearer',
    ]) {
      const result = await call(app, '/whoami', { authorization, 'x-user-id': 'usr_bob' });
      expect(result.status, authorization).toBe(401);
      expect(result.body.error.code).toBe('INVALID_TOKEN');
    }
  });

  it('does not look at the Authorization of a public path', async () => {
    const result = await call(app, '/auth/login', { authorization: 'Bearer stale.token.here' }, 'POST');
    expect(result.status).toBe(200);
  });

  it('grants an operation only to a token carrying its scope', async () => {
    expect((await call(app, '/reserve', {}, 'POST')).status).toBe(401);
    const user = await call(app, '/reserve', bearer(await identity.userToken('usr_alice')), 'POST');
    expect(user.status).toBe(403);
    expect(user.body.error.code).toBe('INSUFFICIENT_SCOPE');
    const narrow = await identity.serviceToken('checkout', { scopes: ['payments:charge'] });
    expect((await call(app, '/reserve', bearer(narrow), 'POST')).status).toBe(403);
    const service = await call(app, '/reserve', bearer(await identity.serviceToken('checkout')), 'POST');
    expect(service.status).toBe(200);
  });

  it('keeps verifying with the last keys while the JWKS is unreachable', async () => {
    const fresh = backend(identity);
    await fresh.ready();
    try {
      const token = await identity.userToken('usr_alice');
      expect((await call(fresh, '/whoami', bearer(token))).status).toBe(200);
      identity.jwks.setMode('error');
      const again = await identity.userToken('usr_bob');
      expect((await call(fresh, '/whoami', bearer(again))).body.user).toBe('usr_bob');
    } finally {
      identity.jwks.setMode('ok');
      await fresh.close();
    }
  });
});

describe('callerAuth without any signing keys', () => {
  it('answers 503 with retry-after, not 401, when the keys were never had', async () => {
    const identity = await startTestIdentity();
    identity.jwks.setMode('error');
    const app = backend(identity);
    try {
      const result = await call(app, '/whoami', bearer(await identity.userToken('usr_alice')));
      expect(result.status).toBe(503);
      expect(result.headers['retry-after']).toBeDefined();
      expect(result.body.error.code).toBe('AUTH_UNAVAILABLE');
      expect((await call(app, '/whoami')).status).toBe(200);
    } finally {
      await app.close();
      await identity.close();
    }
  });
});
