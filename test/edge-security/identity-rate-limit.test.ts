import { type RunningEchoUpstream, startEchoUpstream } from '@fig/testing/echo-upstream';
import { createSigningKey, type SigningJwks, signToken, startSigningJwks } from '@fig/testing/jwks-server';
import { type RunningRedis, startRedisServer } from '@fig/testing/redis-server';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningGateway, startGateway } from '../../gateway/test/gateway-harness.ts';

// Whole gateways (fresh for each test) against a real JWKS, a real echo upstream and a real
// redis-server: the rate-limit key is the verified subject, decided after auth, so users
// behind one address never share a budget and a user's budget is one budget everywhere.

let jwks: SigningJwks;
let monolith: RunningEchoUpstream;
let redis: RunningRedis;
const gateways: RunningGateway[] = [];

beforeAll(async () => {
  [jwks, monolith, redis] = await Promise.all([
    startSigningJwks(),
    startEchoUpstream('monolith'),
    startRedisServer(),
  ]);
});
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((gateway) => gateway.close()));
  // Every test starts from an empty shared store.
  await redis.restart();
});
afterAll(async () => {
  await Promise.all([jwks?.close(), monolith?.close(), redis?.stop()]);
});

const rules = (extra = '') => `version: 1
upstreams: { monolith: { url: '${monolith.url}' } }
defaults: { auth: required, rateLimit: { max: 1000, window: 1m } }
routes:
  - { name: products, path: /api/products, auth: optional }
  - { name: burst, path: /api/burst, rateLimit: { max: 20, window: 1m } }
${extra}`;

async function gateway(env: Record<string, string> = {}): Promise<RunningGateway> {
  const started = await startGateway(rules(), { AUTH_JWKS_URL: jwks.url, ...env });
  gateways.push(started);
  return started;
}

const now = () => Math.floor(Date.now() / 1000);
const tokenFor = (sub: string, claims: Record<string, unknown> = {}) => jwks.token(sub, claims, 600);

interface Answer {
  status: number;
  code?: string;
  remaining?: string;
}

async function call(url: string, token?: string): Promise<Answer> {
  const response = await request(url, {
    headers: token === undefined ? {} : { authorization: token.includes(' ') ? token : `Bearer ${token}` },
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await response.body.json()) as { error?: { code: string } };
  return {
    status: response.statusCode,
    code: body.error?.code,
    remaining: response.headers['ratelimit-remaining'] as string | undefined,
  };
}

/** Runs `tasks` with at most `width` in flight, in order of start. */
async function inParallel<T>(tasks: Array<() => Promise<T>>, width: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const at = next++;
      results[at] = await tasks[at]();
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return results;
}

const count = (answers: Answer[], status: number) =>
  answers.filter((answer) => answer.status === status).length;

describe('many users behind one address', () => {
  it('lets 2,100 distinct users through a freshly started gateway with default limits, twice each', async () => {
    const tokens = await Promise.all(Array.from({ length: 2100 }, (_, i) => tokenFor(`office-${i}`)));
    const edge = await gateway();
    // Every token is new to this gateway: each one's first request is verified, then counted
    // as that user's; the address they share is charged nothing.
    const first = await inParallel(
      tokens.map((token) => () => call(`${edge.url}/api/orders`, token)),
      32,
    );
    expect(count(first, 200)).toBe(2100);
    const second = await inParallel(
      tokens.map((token) => () => call(`${edge.url}/api/orders`, token)),
      32,
    );
    expect(count(second, 200)).toBe(2100);
    expect(new Set(second.map((answer) => answer.remaining))).toEqual(new Set(['998']));
  });
});

describe("one user's burst", () => {
  it('gets exactly its limit on a fresh gateway, then 429, and its neighbour is untouched', async () => {
    const edge = await gateway();
    const [burster, neighbour] = await Promise.all([tokenFor('burster'), tokenFor('neighbour')]);
    // All at once with a token the gateway has never seen: none is charged elsewhere.
    const answers = await Promise.all(
      Array.from({ length: 30 }, () => call(`${edge.url}/api/burst`, burster)),
    );
    expect(count(answers, 200)).toBe(20);
    expect(count(answers, 429)).toBe(10);
    expect(new Set(answers.filter((answer) => answer.status === 429).map((answer) => answer.code))).toEqual(
      new Set(['GW_ERR_RATE_LIMITED']),
    );
    const next = await call(`${edge.url}/api/burst`, neighbour);
    expect(next).toMatchObject({ status: 200, remaining: '19' });
  });

  it('is one budget across two fresh gateways sharing Redis, from the first request', async () => {
    const [a, b] = await Promise.all([gateway(shared()), gateway(shared())]);
    await Promise.all([waitForRedis(a), waitForRedis(b)]);
    const token = await tokenFor('roaming');
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => call(`${(i % 2 ? a : b).url}/api/burst`, token)),
    );
    expect(count(answers, 200)).toBe(20);
    expect(count(answers, 429)).toBe(20);
    await expectNoStoreErrors(a, b);
    const neighbour = await tokenFor('neighbour');
    expect((await call(`${a.url}/api/burst`, neighbour)).status).toBe(200);
  });
});

describe('a flood of bad tokens from one address', () => {
  it('gets 401s, then 429s once the failed-authentication budget is spent, sparing the others', async () => {
    const edge = await gateway({ RATE_LIMIT_AUTH_FAILURES: '12', AUTH_AUDIENCE: 'fig' });
    const known = await tokenFor('known', { aud: 'fig' });
    expect((await call(`${edge.url}/api/orders`, known)).status).toBe(200);
    const stranger = await createSigningKey('k1');
    const flood = [
      'garbage',
      'a.b.c',
      'Basic dXNlcjpwYXNz',
      await tokenFor('expired', { aud: 'fig', iat: now() - 700, exp: now() - 100 }),
      await tokenFor('elsewhere', { aud: 'other' }),
      await signToken(stranger, { sub: 'forged', aud: 'fig', iat: now(), exp: now() + 600 }),
    ];
    const answers: Answer[] = [];
    for (let round = 0; round < 5; round++) {
      for (const token of flood) answers.push(await call(`${edge.url}/api/orders`, token));
    }
    expect(answers.slice(0, 12).map((answer) => answer.status)).toEqual(Array(12).fill(401));
    expect(answers.slice(12).map((answer) => answer.code)).toEqual(Array(18).fill('GW_ERR_AUTH_THROTTLED'));
    expect(answers.slice(12).map((answer) => answer.status)).toEqual(Array(18).fill(429));
    // The user verified before keeps its budget (one request spent), anonymous requests theirs.
    expect(await call(`${edge.url}/api/orders`, known)).toMatchObject({ status: 200, remaining: '998' });
    expect(await call(`${edge.url}/api/products`)).toMatchObject({ status: 200, remaining: '999' });
  });

  it('is one failure budget across gateways sharing Redis', async () => {
    const env = { ...shared(), RATE_LIMIT_AUTH_FAILURES: '7' };
    const [a, b] = await Promise.all([gateway(env), gateway(env)]);
    await Promise.all([waitForRedis(a), waitForRedis(b)]);
    const answers = await inParallel(
      Array.from({ length: 20 }, (_, i) => () => call(`${(i % 2 ? a : b).url}/api/orders`, `bad.token.${i}`)),
      4,
    );
    expect(count(answers, 401)).toBe(7);
    expect(count(answers, 429)).toBe(13);
    await expectNoStoreErrors(a, b);
  });
});

// Redis given all the time it needs: a command timing out fails open (a request let through
// uncounted, by design), which on a loaded machine would make "exactly the budget" a matter of luck.
const shared = () => ({ REDIS_URL: redis.url, RATE_LIMIT_REDIS_TIMEOUT_MS: '5000' });

/** Exactness holds while the store answers: it did, for every decision. */
async function expectNoStoreErrors(...edges: RunningGateway[]) {
  for (const edge of edges) {
    expect(await edge.metrics()).not.toMatch(/gateway_rate_limit_store_errors_total\{[^}]*\} [1-9]/);
  }
}

/** A gateway counts in Redis once its client is connected (until then it fails open). */
async function waitForRedis(edge: RunningGateway) {
  const deadline = Date.now() + 10_000;
  while (!(await probe(edge))) {
    if (Date.now() > deadline) throw new Error('the gateway did not reach Redis');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

// A request on a route of its own: a counted one carries ratelimit-* headers.
async function probe(edge: RunningGateway): Promise<boolean> {
  const response = await request(`${edge.url}/api/products/probe`);
  await response.body.dump();
  return response.headers['ratelimit-limit'] !== undefined;
}
