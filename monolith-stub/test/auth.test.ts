import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Monolith, startMonolith } from './support/start-monolith.ts';

const issuer = 'http://127.0.0.1:3000';

async function verify(monolith: Monolith, token: string) {
  const jwks = await monolith.call('/.well-known/jwks.json');
  return jwtVerify(token, createLocalJWKSet(jwks.body), { issuer, audience: 'fig', algorithms: ['RS256'] });
}

describe('dev identity provider', () => {
  let monolith: Monolith;
  let now = Date.now();
  beforeAll(async () => {
    monolith = await startMonolith({ tokenTtlSeconds: 600, clock: () => now });
  });
  afterAll(() => monolith.close());

  it('issues an RS256 token with iss, aud, sub, exp, iat, kid and scope that the JWKS verifies', async () => {
    const response = await monolith.call('/auth/login', {
      body: { username: 'alice', password: 'password' },
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ token_type: 'Bearer', expires_in: 600 });
    expect(response.headers.get('cache-control')).toBe('no-store');
    const { payload, protectedHeader } = await verify(monolith, response.body.access_token);
    expect(protectedHeader).toMatchObject({ alg: 'RS256', kid: expect.any(String) });
    expect(payload).toMatchObject({ iss: issuer, aud: 'fig', sub: 'usr_alice' });
    expect(payload.exp! - payload.iat!).toBe(600);
    expect(String(payload.scope).split(' ')).toContain('checkout');
  });

  it('narrows the scopes to those requested and the user may have', async () => {
    const response = await monolith.call('/auth/login', {
      body: { username: 'bob', password: 'password', scope: 'orders:read admin' },
    });
    expect(response.body.scope).toBe('orders:read');
    expect((await verify(monolith, response.body.access_token)).payload.scope).toBe('orders:read');
  });

  it.each([
    ['a wrong password', { username: 'alice', password: 'nope' }],
    ['an unknown user', { username: 'mallory', password: 'password' }],
  ])('answers %s with 401 INVALID_CREDENTIALS', async (_name, body) => {
    const response = await monolith.call('/auth/login', { body });
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('INVALID_CREDENTIALS');
  });

  it('refuses malformed logins with 400', async () => {
    expect((await monolith.call('/auth/login', { body: { username: 'alice' } })).status).toBe(400);
    expect((await monolith.call('/auth/login', { body: { username: 'alice', password: 1 } })).status).toBe(
      400,
    );
    expect((await monolith.call('/auth/login', { body: '{"username":' })).status).toBe(400);
  });

  it('accepts its own bearer tokens and rejects forged ones with WWW-Authenticate', async () => {
    const token = await monolith.login('bob');
    expect((await monolith.call('/api/users/me', { token })).body).toEqual({
      id: 'usr_bob',
      username: 'bob',
      name: 'Bob Builder',
    });
    const [header, payload] = token.split('.');
    const forged = `${header}.${payload}.${Buffer.from('not the signature').toString('base64url')}`;
    const rejected = await monolith.call('/api/users/me', { token: forged });
    expect(rejected.status).toBe(401);
    expect(rejected.body.error.code).toBe('INVALID_TOKEN');
    expect(rejected.headers.get('www-authenticate')).toMatch(/^Bearer realm="fig", error="invalid_token"/);
  });

  it('rotates keys: new tokens use the new key, old tokens verify until they expire, then the old key goes', async () => {
    const before = await monolith.login();
    const oldKid = decodeProtectedHeader(before).kid;
    const rotated = await monolith.callInternal('/internal/keys/rotate', { method: 'POST' });
    expect(rotated.status).toBe(200);
    expect(rotated.body.retired).toEqual([oldKid]);
    const after = await monolith.login();
    expect(decodeProtectedHeader(after).kid).toBe(rotated.body.kid);
    const kids = (await monolith.call('/.well-known/jwks.json')).body.keys.map((k: { kid: string }) => k.kid);
    expect(kids).toEqual(expect.arrayContaining([oldKid, rotated.body.kid]));
    expect((await monolith.call('/api/users/me', { token: before })).status).toBe(200);

    now += 601_000; // past the lifetime of any token the old key signed
    const remaining = (await monolith.call('/.well-known/jwks.json')).body.keys.map(
      (k: { kid: string }) => k.kid,
    );
    expect(remaining).toEqual([rotated.body.kid]);
    expect((await monolith.call('/api/users/me', { token: before })).status).toBe(401);
  });
});

describe('signing keys on disk', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'fig-monolith-keys-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('are generated on first start, kept private, and reused after a restart', async () => {
    const first = await startMonolith({ dataDir });
    const token = await first.login();
    const kids = (await first.call('/.well-known/jwks.json')).body.keys;
    await first.close();
    expect(statSync(join(dataDir, 'jwt-keys.json')).mode & 0o777).toBe(0o600);

    const second = await startMonolith({ dataDir });
    try {
      expect((await second.call('/.well-known/jwks.json')).body.keys).toEqual(kids);
      expect((await second.call('/api/users/me', { token })).body.username).toBe('alice');
    } finally {
      await second.close();
    }
  });
});
