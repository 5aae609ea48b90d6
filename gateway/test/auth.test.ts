import {
  createSigningKey,
  type JwksMode,
  type RunningJwksServer,
  type SigningKey,
  signToken,
  startJwksServer,
} from '@fig/testing/jwks-server';
import type { FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';
import { createPublicKey, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Authenticator } from '@fig/platform/auth/authenticator';
import { createKeyStore, type KeyStoreOptions } from '@fig/platform/auth/key-store';
import { edgeApp } from './gateway-harness.ts';

// These tests send many bad tokens from one address to see each refusal; the budget that
// throttles such an address is tested in rate-limit.test.ts.
const authFailures = { max: 100_000, windowMs: 60_000 };

const rules = `
version: 1
upstreams: { monolith: { url: 'http://127.0.0.1:1' } }
defaults: { auth: required, rateLimit: { max: 100000 } }
routes:
  - { name: open, path: /open, auth: none }
  - { name: maybe, path: /maybe, auth: optional }
  - { name: pay, path: /pay, scopes: [payments:write, checkout] }
`;
const issuer = 'https://id.fig.test';
const audience = 'fig';
const now = () => Math.floor(Date.now() / 1000);

function authenticatorFor(jwks: RunningJwksServer, keyOptions: Partial<KeyStoreOptions> = {}) {
  return new Authenticator({
    keys: createKeyStore({ url: jwks.url, timeoutMs: 300, minRefetchMs: 60_000, ...keyOptions }),
    issuer,
    audience,
    algorithms: ['RS256', 'ES256'],
    clockToleranceSec: 5,
    maxTokenAgeSec: 3600,
    maxTokenBytes: 4096,
  });
}

function claims(overrides: Record<string, unknown> = {}) {
  return {
    iss: issuer,
    aud: audience,
    sub: 'alice',
    iat: now(),
    exp: now() + 300,
    scope: 'orders:read',
    ...overrides,
  };
}

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

async function call(
  app: FastifyInstance,
  token: string | undefined,
  url = '/api/orders',
  authorization?: string,
) {
  const headers: Record<string, string> = {};
  if (authorization !== undefined) headers.authorization = authorization;
  else if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const response = await app.inject({ method: 'GET', url, headers });
  return { status: response.statusCode, headers: response.headers, body: response.json() };
}

function expectInvalidToken(result: Awaited<ReturnType<typeof call>>, description?: string) {
  expect(result.status).toBe(401);
  expect(result.headers['www-authenticate']).toMatch(/^Bearer realm="fig", error="invalid_(token|request)"/);
  expect(result.body.error.code).toBe('GW_ERR_UNAUTHENTICATED');
  if (description) expect(result.headers['www-authenticate']).toContain(`error_description="${description}"`);
}

describe('bearer authentication against a real JWKS', () => {
  let key: SigningKey;
  let other: SigningKey;
  let jwks: RunningJwksServer;
  let app: FastifyInstance;
  let authenticator: Authenticator;

  beforeAll(async () => {
    key = await createSigningKey('k1');
    other = await createSigningKey('k-unpublished');
    jwks = await startJwksServer([key]);
    authenticator = authenticatorFor(jwks);
    app = await edgeApp(rules, { authenticator, authFailures });
  });
  afterAll(async () => {
    await app.close();
    await jwks.close();
  });

  it('accepts a valid RS256 token and exposes subject and scopes', async () => {
    const result = await call(app, await signToken(key, claims()));
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ subject: 'alice', scopes: ['orders:read'] });
  });

  it('asks for credentials when none are sent on a required route', async () => {
    const result = await call(app, undefined);
    expect(result.status).toBe(401);
    expect(result.headers['www-authenticate']).toBe('Bearer realm="fig"');
    expect(result.body.error).toMatchObject({
      code: 'GW_ERR_UNAUTHENTICATED',
      requestId: expect.any(String),
    });
  });

  it('lets anonymous requests through optional routes but never a bad token', async () => {
    expect((await call(app, undefined, '/maybe')).body).toMatchObject({ subject: null });
    expectInvalidToken(await call(app, 'not.a.token', '/maybe'));
    expect((await call(app, await signToken(key, claims()), '/maybe')).body.subject).toBe('alice');
  });

  it('requires every scope a route lists, with 403 insufficient_scope', async () => {
    const partial = await call(app, await signToken(key, claims({ scope: 'checkout orders:read' })), '/pay');
    expect(partial.status).toBe(403);
    expect(partial.headers['www-authenticate']).toBe(
      'Bearer realm="fig", error="insufficient_scope", error_description="token lacks a required scope", scope="payments:write checkout"',
    );
    expect(partial.body.error.code).toBe('GW_ERR_INSUFFICIENT_SCOPE');
    const full = await call(app, await signToken(key, claims({ scope: 'checkout payments:write' })), '/pay');
    expect(full.status).toBe(200);
    expect(full.body.scopes).toEqual(['checkout', 'payments:write']);
    const asArray = await call(
      app,
      await signToken(key, claims({ scope: undefined, scp: ['payments:write', 'checkout'] })),
      '/pay',
    );
    expect(asArray.status).toBe(200);
  });

  it('ignores credentials on auth: none routes', async () => {
    expect((await call(app, 'garbage', '/open')).status).toBe(200);
  });

  it('refuses alg none', async () => {
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`;
    expectInvalidToken(await call(app, unsigned));
  });

  it('refuses an HMAC token signed with the public key as the secret', async () => {
    const pem = createPublicKey({ key: key.publicJwk as never, format: 'jwk' }).export({
      type: 'spki',
      format: 'pem',
    });
    for (const secret of [Buffer.from(pem), Buffer.from(JSON.stringify(key.publicJwk))]) {
      const forged = await new SignJWT(claims({ sub: 'admin' }))
        .setProtectedHeader({ alg: 'HS256', kid: key.kid })
        .sign(secret);
      expectInvalidToken(await call(app, forged), 'algorithm not allowed');
    }
  });

  it('refuses tokens signed by a key the JWKS does not publish, and garbage kids', async () => {
    expectInvalidToken(await call(app, await signToken(other, claims())), 'unknown signing key');
    for (const kid of ['', '../../etc/passwd', 'x'.repeat(2000), 42, { $ne: null }, ['k1'], null]) {
      const result = await call(app, await signToken(other, claims(), { kid }));
      expectInvalidToken(result);
    }
    // Well-formed header, right kid, wrong key: the signature check fails.
    expectInvalidToken(await call(app, await signToken(other, claims(), { kid: 'k1' })), 'signature invalid');
  });

  it.each([
    ['wrong issuer', { iss: 'https://evil.test' }, 'iss claim invalid'],
    ['no issuer', { iss: undefined }, 'iss claim invalid'],
    ['wrong audience', { aud: 'someone-else' }, 'aud claim invalid'],
    ['expired', { exp: now() - 60 }, 'token expired'],
    ['not yet valid', { nbf: now() + 600 }, 'nbf claim invalid'],
    ['no exp', { exp: undefined }, 'exp claim invalid'],
    ['future iat', { iat: now() + 600 }, 'iat claim invalid'],
    ['older than the maximum age', { iat: now() - 7200, exp: now() + 60 }, 'token expired'],
    ['no subject', { sub: undefined }, 'sub claim invalid'],
    ['a subject that is no header value', { sub: 'alice\r\nx-user-id: admin' }, 'sub claim invalid'],
    ['a numeric subject', { sub: 7 }, 'sub claim invalid'],
    ['a string exp', { exp: String(now() + 60) }, 'exp claim invalid'],
  ])('refuses a token with %s', async (_name, overrides, description) => {
    const token = await signToken(key, claims(overrides));
    expectInvalidToken(await call(app, token), description);
  });

  it('accepts a token within the clock tolerance', async () => {
    const result = await call(app, await signToken(key, claims({ exp: now() - 2 })));
    expect(result.status).toBe(200);
  });

  it('answers every malformed token with 401, never a 500', async () => {
    const valid = await signToken(key, claims());
    const [header, payload, signature] = valid.split('.');
    const tokens = [
      'abc',
      'a.b',
      'a.b.c.d',
      '..',
      '...',
      `${b64('not json')}.${payload}.${signature}`,
      `${b64([1, 2])}.${payload}.${signature}`,
      `${b64({ alg: 'RS256', kid: 'k1', crit: ['exp'] })}.${payload}.${signature}`,
      `${b64({ alg: 'RS256', kid: 'k1', b64: false, crit: ['b64'] })}.${payload}.${signature}`,
      `${header}.${b64('not json')}.${signature}`,
      `${header}.${b64('[]')}.${signature}`,
      `${header}.${payload}.${signature.slice(0, -4)}`,
      `${header}.${payload}.`,
      `${header}.${payload}.!!!!`,
      `${header}%2e${payload}`,
      `${valid}.${valid}`,
      `eyJ${'A'.repeat(5000)}.e.e`,
      `${b64({ alg: 'RS256', kid: 'k1', zip: 'DEF' })}.${payload}.${signature}`,
      `${b64({ alg: 'RSA-OAEP', enc: 'A256GCM' })}.a.b.c.d`,
    ];
    for (const token of tokens) expectInvalidToken(await call(app, token));
    for (const authorization of [
      'Basic YWxpY2U6cGFzc3dvcmQ=',
      'Bearer',
      'Bearer a b',
      `Token ${valid}`,
      'bearer\t',
    ]) {
      expectInvalidToken(await call(app, undefined, '/api/orders', authorization));
    }
  });

  it('counts rejections by reason', async () => {
    await call(app, await signToken(key, claims({ exp: now() - 600 })));
    const metrics = await app.observability.registry.metrics();
    expect(metrics).toMatch(/gateway_auth_rejections_total\{[^}]*reason="token expired"[^}]*\} [1-9]/);
  });

  it('answers 401 to every token in a sweep of header, claim and signature variations', async () => {
    const algs = ['RS256', 'ES256', 'none', 'HS256', 'RSA-OAEP', 'rs256', '', 7, null, ['RS256']];
    const kids = ['k1', 'k-unpublished', '', 0, null, { kid: 'k1' }];
    const payloads = [
      claims({ exp: now() - 3600 }),
      claims({ iss: 'x' }),
      [],
      'text',
      12,
      null,
      claims({ sub: '' }),
    ];
    const signatures = [
      '',
      'AAAA',
      randomBytes(256).toString('base64url'),
      randomBytes(64).toString('base64url'),
    ];
    let tried = 0;
    for (const alg of algs)
      for (const kid of kids)
        for (const payload of payloads)
          for (const signature of signatures) {
            const token = `${b64({ alg, kid, typ: 'JWT' })}.${b64(payload)}.${signature}`;
            const result = await call(app, token);
            expect(result.status, token).toBe(401);
            tried += 1;
          }
    expect(tried).toBe(algs.length * kids.length * payloads.length * signatures.length);
  });

  it('refuses an oversized token before parsing it', async () => {
    const big = await signToken(key, claims({ padding: 'x'.repeat(6000) }));
    expectInvalidToken(await call(app, big), 'token too large');
  });

  it('never lets an altered token hit the cache entry of the original', async () => {
    const token = await signToken(key, claims({ sub: 'bob' }));
    expect((await call(app, token)).body.subject).toBe('bob');
    expect(authenticator.knownSubject(token)).toBe('bob');
    const [header, payload, signature] = token.split('.');
    const flipped = signature[10] === 'A' ? 'B' : 'A';
    const tampered = [
      `${header}.${payload}.${signature.slice(0, 10)}${flipped}${signature.slice(11)}`,
      `${header}.${b64(claims({ sub: 'admin' }))}.${signature}`,
    ];
    for (const altered of tampered) {
      expectInvalidToken(await call(app, altered));
      expect(authenticator.knownSubject(altered)).toBeUndefined();
    }
  });
});

describe('JWKS fetching', () => {
  const opened: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((item) => item.close()));
  });

  async function setup(keys: SigningKey[], keyOptions: Partial<KeyStoreOptions> = {}, mode: JwksMode = 'ok') {
    const jwks = await startJwksServer(keys);
    // The mode the identity provider is in when the gateway starts (and warms up its keys).
    jwks.setMode(mode);
    const app = await edgeApp(rules, { authenticator: authenticatorFor(jwks, keyOptions), authFailures });
    opened.push(app, jwks);
    return { jwks, app };
  }

  it('fetches at most once per cooldown however many unknown kids arrive', async () => {
    const key = await createSigningKey('k1');
    const stranger = await createSigningKey('k-stranger');
    const { jwks, app } = await setup([key]);
    expect((await call(app, await signToken(key, claims()))).status).toBe(200);
    const before = jwks.requests;
    const results = await Promise.all(
      Array.from({ length: 40 }, async (_, i) =>
        call(app, await signToken(stranger, claims(), { kid: `kid-${i}` })),
      ),
    );
    for (const result of results) expectInvalidToken(result, 'unknown signing key');
    for (let i = 0; i < 20; i++) {
      expectInvalidToken(await call(app, await signToken(stranger, claims(), { kid: `later-${i}` })));
    }
    expect(jwks.requests - before).toBeLessThanOrEqual(1);
  });

  it('verifies against a local JWKS file without fetching anything', async () => {
    const key = await createSigningKey('file-key');
    const dir = mkdtempSync(join(tmpdir(), 'fig-jwks-'));
    const file = join(dir, 'jwks.json');
    writeFileSync(file, JSON.stringify({ keys: [key.publicJwk] }));
    try {
      const authenticator = new Authenticator({
        keys: createKeyStore({ file, url: 'http://127.0.0.1:9/never' }),
        algorithms: ['RS256'],
        clockToleranceSec: 5,
        maxTokenAgeSec: 3600,
        maxTokenBytes: 4096,
      });
      const app = await edgeApp(rules, { authenticator, authFailures });
      opened.push(app);
      expect((await call(app, await signToken(key, claims({ sub: 'filed' })))).body.subject).toBe('filed');
      expect(authenticator.keys.fetches()).toEqual({ ok: 0, failed: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fetches the keys at start, so the first token needs no fetch', async () => {
    const key = await createSigningKey('k1');
    const { jwks, app } = await setup([key]);
    expect(jwks.requests).toBe(1);
    expect((await call(app, await signToken(key, claims()))).status).toBe(200);
    expect(jwks.requests).toBe(1);
    const metrics = await app.observability.registry.metrics();
    expect(metrics).toMatch(/gateway_jwks_fetches_total\{[^}]*outcome="ok"[^}]*\} 1/);
  });

  it('picks up a rotated key with one refetch', async () => {
    const oldKey = await createSigningKey('2026-01');
    const newKey = await createSigningKey('2026-02', 'ES256');
    const { jwks, app } = await setup([oldKey], { minRefetchMs: 0 });
    expect((await call(app, await signToken(oldKey, claims()))).status).toBe(200);
    expectInvalidToken(await call(app, await signToken(newKey, claims())), 'unknown signing key');
    jwks.setKeys([oldKey, newKey]);
    const before = jwks.requests;
    expect((await call(app, await signToken(newKey, claims({ sub: 'carol' })))).body.subject).toBe('carol');
    expect(jwks.requests - before).toBe(1);
    // Retired keys stop verifying once the JWKS drops them and a refetch happens.
    jwks.setKeys([newKey]);
    expect((await call(app, await signToken(newKey, claims(), { kid: 'unknown' }))).status).toBe(401);
    expectInvalidToken(
      await call(app, await signToken(oldKey, claims({ sub: 'dave' }))),
      'unknown signing key',
    );
  });

  it.each(['error', 'hang', 'garbage', 'empty'] as const)(
    'keeps verifying with the last keys while the JWKS is down (%s)',
    async (mode) => {
      const key = await createSigningKey('k1');
      const { jwks, app } = await setup([key], { maxAgeMs: 0, minRefetchMs: 0 });
      expect((await call(app, await signToken(key, claims()))).status).toBe(200);
      jwks.setMode(mode);
      for (const sub of ['erin', 'frank', 'grace']) {
        expect((await call(app, await signToken(key, claims({ sub })))).body.subject).toBe(sub);
      }
      expect(jwks.requests).toBeGreaterThan(1);
    },
  );

  it.each(['error', 'hang', 'garbage', 'empty'] as const)(
    'answers 503 when no keys were ever fetched (%s), then recovers',
    async (mode) => {
      const key = await createSigningKey('k1');
      const { jwks, app } = await setup([key], { minRefetchMs: 0 }, mode);
      const result = await call(app, await signToken(key, claims()));
      expect(result.status).toBe(503);
      expect(result.headers['retry-after']).toBeDefined();
      expect(result.body.error.code).toBe('GW_ERR_AUTH_UNAVAILABLE');
      jwks.setMode('ok');
      expect((await call(app, await signToken(key, claims()))).status).toBe(200);
    },
  );

  it('does not hammer a down JWKS while it has no keys', async () => {
    const key = await createSigningKey('k1');
    const { jwks, app } = await setup([key], { minRefetchMs: 60_000, retryWithoutKeysMs: 60_000 }, 'error');
    for (let i = 0; i < 20; i++) expect((await call(app, await signToken(key, claims()))).status).toBe(503);
    expect(jwks.requests).toBe(1);
  });
});
