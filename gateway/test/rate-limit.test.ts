import { createSigningKey, type SigningJwks, signToken, startSigningJwks } from '@fig/testing/jwks-server';
import { type RunningRedis, startRedisServer } from '@fig/testing/redis-server';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Authenticator } from '@fig/platform/auth/authenticator';
import { createKeyStore } from '@fig/platform/auth/key-store';
import { createFailFastRedis } from '../src/fail-fast-redis.ts';
import { edgeApp } from './gateway-harness.ts';

const rules = `
version: 1
upstreams: { monolith: { url: 'http://127.0.0.1:1' } }
defaults: { auth: optional, rateLimit: { max: 3, window: 1m } }
routes:
  - { name: login, path: /auth, auth: none, rateLimit: { max: 2, window: 1m, by: ip } }
  - { name: roomy, path: /roomy, rateLimit: { max: 50, window: 1m } }
`;

async function get(app: FastifyInstance, url: string, headers: Record<string, string> = {}) {
  return app.inject({ method: 'GET', url, headers });
}

async function statuses(
  app: FastifyInstance,
  url: string,
  count: number,
  headers: () => Record<string, string>,
) {
  const seen: number[] = [];
  for (let i = 0; i < count; i++) seen.push((await get(app, url, headers())).statusCode);
  return seen;
}

async function metric(app: FastifyInstance, name: string): Promise<string> {
  const text = await app.observability.registry.metrics();
  return text
    .split('\n')
    .filter((line) => line.startsWith(name))
    .join('\n');
}

// The edges a test builds close after it. Tests that verify tokens share one JWKS with one key.
const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});
const build = async (options: Parameters<typeof edgeApp>[1] = {}, rulesText = rules) => {
  const app = await edgeApp(rulesText, options);
  apps.push(app);
  return app;
};
let jwks: SigningJwks;
beforeAll(async () => {
  jwks = await startSigningJwks();
});
afterAll(async () => {
  await jwks?.close();
});

describe('in-memory rate limiting', () => {
  it('answers 429 with retry-after, ratelimit-* headers and a JSON body, counted by route', async () => {
    const app = await build();
    const allowed = await get(app, '/api/x');
    expect(allowed.statusCode).toBe(200);
    expect(allowed.headers).toMatchObject({ 'ratelimit-limit': '3', 'ratelimit-remaining': '2' });
    expect(await statuses(app, '/api/x', 3, () => ({}))).toEqual([200, 200, 429]);
    const refused = await get(app, '/api/other');
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.headers).toMatchObject({ 'ratelimit-limit': '3', 'ratelimit-remaining': '0' });
    expect(Number(refused.headers['ratelimit-reset'])).toBeGreaterThan(0);
    expect(refused.json().error).toMatchObject({
      code: 'GW_ERR_RATE_LIMITED',
      requestId: expect.any(String),
    });
    expect(await metric(app, 'gateway_rate_limited_total')).toMatch(/route="default"[^\n]* 2/);
  });

  it('keeps one budget per route', async () => {
    const app = await build();
    expect(await statuses(app, '/auth/login', 3, () => ({}))).toEqual([200, 200, 429]);
    expect(await statuses(app, '/roomy', 5, () => ({}))).toEqual([200, 200, 200, 200, 200]);
  });

  it('ignores X-Forwarded-For unless the proxy is trusted', async () => {
    const app = await build();
    let n = 0;
    const rotating = () => ({ 'x-forwarded-for': `203.0.113.${n++}` });
    expect(await statuses(app, '/api/x', 4, rotating)).toEqual([200, 200, 200, 429]);
    expect((await get(app, '/roomy', rotating())).json().clientIp).toBe('127.0.0.1');
  });

  it('with a trusted proxy, counts the address it saw, not what the client prepended', async () => {
    const app = await build({ trustProxy: '127.0.0.1' });
    let n = 0;
    const spoofing = () => ({ 'x-forwarded-for': `10.0.0.${n++}, 198.51.100.7` });
    expect(await statuses(app, '/api/x', 4, spoofing)).toEqual([200, 200, 200, 429]);
    expect((await get(app, '/roomy', spoofing())).json().clientIp).toBe('198.51.100.7');
    // Another real client behind the same proxy has its own budget.
    expect((await get(app, '/api/x', { 'x-forwarded-for': '198.51.100.8' })).statusCode).toBe(200);
  });

  it('groups IPv6 clients by /64', async () => {
    const app = await build({ trustProxy: '127.0.0.1' });
    let n = 1;
    const sameNetwork = () => ({ 'x-forwarded-for': `2001:db8:1:2::${(n++).toString(16)}` });
    expect(await statuses(app, '/api/x', 4, sameNetwork)).toEqual([200, 200, 200, 429]);
    expect((await get(app, '/api/x', { 'x-forwarded-for': '2001:db8:1:3::1' })).statusCode).toBe(200);
  });

  it('charges every valid token to its subject from its first request, never to the address', async () => {
    const app = await build({ authenticator: authenticatorFor(jwks.url) });
    const tokenFor = (sub: string) => jwks.token(sub);
    const alice = await tokenFor('alice');
    // Alice's first request (a token never seen) already counts as hers: 3 of 3, then 429.
    const asAlice = () => ({ authorization: `Bearer ${alice}` });
    expect(await statuses(app, '/api/x', 4, asAlice)).toEqual([200, 200, 200, 429]);
    // Five more users from the same address, first sight each: none is charged to the address.
    for (const sub of ['bob', 'carol', 'dave', 'erin', 'frank']) {
      const response = await get(app, '/api/x', { authorization: `Bearer ${await tokenFor(sub)}` });
      expect(response.statusCode, sub).toBe(200);
      expect(response.headers['ratelimit-remaining'], sub).toBe('2');
    }
    // The address's own (anonymous) budget is untouched by all of them.
    expect(await statuses(app, '/api/x', 4, () => ({}))).toEqual([200, 200, 200, 429]);
    // `by: ip` routes stay by address, tokens or not.
    const bob = await tokenFor('bob');
    expect(await statuses(app, '/auth/login', 3, () => ({ authorization: `Bearer ${bob}` }))).toEqual([
      200, 200, 429,
    ]);
  });
});

function authenticatorFor(url: string, keyOptions: { minRefetchMs?: number } = {}) {
  return new Authenticator({
    keys: createKeyStore({ url, ...keyOptions }),
    algorithms: ['RS256'],
    clockToleranceSec: 5,
    maxTokenAgeSec: 3600,
    maxTokenBytes: 4096,
  });
}

describe('the failed-authentication budget of an address', () => {
  it('answers 401 until the budget is spent, then 429 without verifying, sparing known users and anonymous requests', async () => {
    const stranger = await createSigningKey('stranger');
    // No cooldown: every verified token with an unknown kid makes the gateway fetch, so the
    // fetches count the verifications.
    const app = await build({
      authenticator: authenticatorFor(jwks.url, { minRefetchMs: 0 }),
      authFailures: { max: 3, windowMs: 60_000 },
    });
    const now = Math.floor(Date.now() / 1000);
    const known = await jwks.token('known');
    expect((await get(app, '/roomy', { authorization: `Bearer ${known}` })).statusCode).toBe(200);
    const fetchesAtStart = jwks.requests;
    const responses = [];
    for (let i = 0; i < 10; i++) {
      const token = await signToken(stranger, { sub: `s${i}`, iat: now, exp: now + 60 }, { kid: `kid-${i}` });
      responses.push(await get(app, '/roomy', { authorization: `Bearer ${token}` }));
    }
    expect(responses.map((response) => response.statusCode)).toEqual([
      401, 401, 401, 429, 429, 429, 429, 429, 429, 429,
    ]);
    // Three failures, and the fourth that went over: nothing verified after that.
    expect(jwks.requests - fetchesAtStart).toBe(4);
    const throttled = responses[9];
    expect(throttled.json().error).toMatchObject({
      code: 'GW_ERR_AUTH_THROTTLED',
      requestId: expect.any(String),
    });
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    // Malformed credentials of every kind are refused the same way, unverified.
    for (const authorization of ['Bearer a.b.c', 'Bearer garbage', 'Basic dXNlcjpwYXNz']) {
      expect((await get(app, '/roomy', { authorization })).statusCode, authorization).toBe(429);
    }
    // A user verified before keeps working from the same address, on its own budget.
    const asKnown = await get(app, '/roomy', { authorization: `Bearer ${known}` });
    expect(asKnown.statusCode).toBe(200);
    expect(asKnown.headers['ratelimit-remaining']).toBe('48');
    // Anonymous requests keep the address's own budget (optional auth here).
    const anonymous = await get(app, '/roomy');
    expect(anonymous.statusCode).toBe(200);
    expect(anonymous.headers['ratelimit-remaining']).toBe('49');
    // A new valid token from a throttled address waits like the others: it cannot be told apart unverified.
    const newcomer = await jwks.token('newcomer');
    expect((await get(app, '/roomy', { authorization: `Bearer ${newcomer}` })).statusCode).toBe(429);
    expect(await metric(app, 'gateway_auth_rejections_total')).toMatch(
      /status="429",reason="too many failed authentications"[^}]*\} 11/,
    );
  });

  it('charges nothing for valid tokens, however many first sights come from one address', async () => {
    const app = await build({
      authenticator: authenticatorFor(jwks.url),
      authFailures: { max: 1, windowMs: 60_000 },
    });
    for (let i = 0; i < 20; i++) {
      const token = await jwks.token(`user-${i}`);
      expect((await get(app, '/roomy', { authorization: `Bearer ${token}` })).statusCode).toBe(200);
    }
    // One failure is within the budget of one; the next goes over it.
    expect((await get(app, '/roomy', { authorization: 'Bearer a.b.c' })).statusCode).toBe(401);
    expect((await get(app, '/roomy', { authorization: 'Bearer a.b.c' })).statusCode).toBe(429);
  });

  it('never runs a later hook for a request auth has answered', async () => {
    const reached: string[] = [];
    const app = await build(
      {
        authenticator: authenticatorFor(jwks.url),
        authFailures: { max: 1, windowMs: 60_000 },
        extend: (app) => {
          // An answer that takes a turn to finish, as a compressing or tapping onSend hook does:
          // until it has, Fastify would still run the hooks of a request whose hook goes on.
          app.addHook('onSend', async (_request, _reply, payload) => {
            await sleep(5);
            return payload;
          });
          app.addHook('onRequest', async (request) => {
            reached.push(request.headers['x-case'] as string);
          });
        },
      },
      rules.replace('auth: optional', 'auth: required'),
    );
    const scopeless = await jwks.token('u');
    const cases: Array<[string, Record<string, string>, number]> = [
      ['valid', { authorization: `Bearer ${scopeless}` }, 200],
      ['no token', {}, 401],
      ['bad token', { authorization: 'Bearer a.b.c' }, 401],
      ['throttled', { authorization: 'Bearer a.b.c' }, 429],
      ['throttled, remembered', { authorization: 'Bearer x.y.z' }, 429],
      ['not a bearer', { authorization: 'Basic dXNlcjpwYXNz' }, 429],
    ];
    for (const [name, headers, status] of cases) {
      expect((await get(app, '/api/x', { ...headers, 'x-case': name })).statusCode, name).toBe(status);
    }
    expect(reached).toEqual(['valid']);
  });
});

describe('rate limiting through a real Redis', () => {
  let redis: RunningRedis;
  const clients: Redis[] = [];
  const apps: FastifyInstance[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    for (const client of clients.splice(0)) client.disconnect();
    // A fresh, empty Redis for the next test.
    await redis.restart();
  });
  afterAll(async () => {
    await redis.stop();
  });

  async function gateway(failClosed = false) {
    const client = createFailFastRedis(redis.url);
    clients.push(client);
    const app = await edgeApp(rules, { rateLimit: { redis: client, failClosed } });
    apps.push(app);
    await waitUntil(() => client.status === 'ready');
    return app;
  }

  it('shares one budget between gateway instances', async () => {
    const [a, b] = await Promise.all([gateway(), gateway()]);
    const seen = [];
    for (let i = 0; i < 8; i++) seen.push((await get(i % 2 ? a : b, '/roomy')).statusCode);
    expect(seen.filter((status) => status === 200)).toHaveLength(8);
    const both = [...(await statuses(a, '/api/x', 2, () => ({})))];
    both.push(...(await statuses(b, '/api/x', 2, () => ({}))));
    expect(both).toEqual([200, 200, 200, 429]);
  });

  it('fails open without stalling when Redis dies, counts it, and recovers', async () => {
    const app = await gateway();
    expect(await statuses(app, '/api/x', 4, () => ({}))).toEqual([200, 200, 200, 429]);
    await redis.kill();
    const during = await Promise.all(Array.from({ length: 20 }, () => get(app, '/api/x')));
    expect(during.map((response) => response.statusCode)).toEqual(Array(20).fill(200));
    expect(await metric(app, 'gateway_rate_limit_store_errors_total')).toMatch(/action="allowed"[^\n]* 20/);
    await redis.restart();
    // Redis came back empty: the budget starts again, and is enforced again.
    await waitUntil(async () => (await get(app, '/roomy')).headers['ratelimit-limit'] === '50');
    expect(await statuses(app, '/api/x', 4, () => ({}))).toEqual([200, 200, 200, 429]);
  });

  it('does not wait on a hung Redis, and enforces again once it answers', async () => {
    const app = await gateway();
    expect(await statuses(app, '/api/x', 4, () => ({}))).toEqual([200, 200, 200, 429]);
    redis.pause();
    try {
      // A deadline far above the command timeout: a request stuck behind Redis fails here.
      const during = await Promise.all(
        Array.from({ length: 10 }, () => withDeadline(get(app, '/roomy'), 3000)),
      );
      expect(during.map((response) => response.statusCode)).toEqual(Array(10).fill(200));
    } finally {
      redis.resume();
    }
    expect(await metric(app, 'gateway_rate_limit_store_errors_total')).toMatch(/action="allowed"[^\n]* 10/);
    await waitUntil(async () => (await get(app, '/api/x')).statusCode === 429);
  });

  it('fails closed when configured', async () => {
    const app = await gateway(true);
    expect((await get(app, '/api/x')).statusCode).toBe(200);
    await redis.kill();
    const refused = await get(app, '/api/x');
    expect(refused.statusCode).toBe(503);
    expect(refused.json().error.code).toBe('GW_ERR_RATE_LIMIT_UNAVAILABLE');
    expect(await metric(app, 'gateway_rate_limit_store_errors_total')).toMatch(/action="refused"[^\n]* 1/);
  });
});

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(25);
  }
}
