import { startEchoUpstream, type RunningEchoUpstream } from '@fig/testing/echo-upstream';
import { type CompiledRules, parseRules } from '@fig/routing-rules';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AnswerReader } from '../../src/proxy/answer-reader.ts';
import type { UpstreamAnswer } from '../../src/proxy/taps.ts';
import { UpstreamPools } from '../../src/upstreams/pools.ts';

let first: RunningEchoUpstream;
let second: RunningEchoUpstream;

beforeAll(async () => {
  [first, second] = await Promise.all([startEchoUpstream('first'), startEchoUpstream('second')]);
});
afterAll(async () => {
  await Promise.all([first?.close(), second?.close()]);
});

const open: UpstreamPools[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((pools) => pools.close()));
});

/** Pools for these rules, closed after the test. */
function poolsFor(snapshot: CompiledRules): UpstreamPools {
  const pools = new UpstreamPools(snapshot);
  open.push(pools);
  return pools;
}

/** Rules with the monolith on `first` and the inventory service at `inventory`; `bounds` for both. */
function rules(inventory: string, bounds = ''): CompiledRules {
  const parsed = parseRules(`version: 1
upstreams:
  monolith: { url: ${first.url}${bounds} }
  inventory: { url: ${inventory}${bounds} }
routes:
  - { name: inventory, path: /api/inventory, service: inventory }
`);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.rules;
}

async function text(body: UpstreamAnswer['body']): Promise<string> {
  if (Buffer.isBuffer(body)) return body.toString();
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

/** One GET through the pools to the named upstream of `snapshot`; the side that answered. */
function ask(pools: UpstreamPools, snapshot: CompiledRules, upstream: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new AnswerReader('GET', undefined, (error, answer?: UpstreamAnswer) => {
      if (error) return reject(error);
      text(answer!.body).then((body) => resolve((JSON.parse(body) as { side: string }).side), reject);
    });
    pools.dispatch(
      snapshot.upstreams.get(upstream)!,
      { method: 'GET', path: '/api/inventory/sku-1', headers: {}, headersTimeout: 1000, bodyTimeout: 1000 },
      reader,
    );
  });
}

describe('upstream pools', () => {
  it('lets a request that started on older rules reach the address those rules named', async () => {
    const before = rules(second.url);
    const pools = poolsFor(before);
    const after = rules(first.url);
    pools.reconcile(after);
    // `before` no longer names a current origin: its retiring pool still answers.
    expect(await ask(pools, before, 'inventory')).toBe('second');
    expect(await ask(pools, after, 'inventory')).toBe('first');
  });

  it('shares one pool between two names for one server, and replaces it when its bounds change', async () => {
    const pools = poolsFor(rules(first.url));
    expect(Object.keys(pools.stats())).toEqual([first.url]);
    expect(await ask(pools, rules(first.url), 'inventory')).toBe('first');
    expect(pools.stats()[first.url]!.connected).toBe(1);
    const reshaped = rules(first.url, ', connections: 3');
    pools.reconcile(reshaped);
    // A fresh pool under the same origin: the old one and its connection are retiring.
    expect(Object.keys(pools.stats())).toEqual([first.url]);
    expect(pools.stats()[first.url]!.connected).toBe(0);
    expect(await ask(pools, reshaped, 'monolith')).toBe('first');
  });

  it('fails a request for an address it never had as a connection failure', async () => {
    const pools = poolsFor(rules(first.url));
    const stranger = rules('http://127.0.0.1:9');
    await expect(ask(pools, stranger, 'inventory')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });
});
