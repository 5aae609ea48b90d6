import { describe, expect, it } from 'vitest';
import { TokenCache } from '../../src/auth/token-cache.ts';

const verified = (subject: string, validUntil: number) => ({ subject, scopes: [], validUntil });

describe('TokenCache', () => {
  it('finds only the exact token, until it expires', () => {
    const cache = new TokenCache();
    cache.set('a.b.c', verified('alice', 2000));
    expect(cache.get('a.b.c', 1000)?.subject).toBe('alice');
    expect(cache.get('a.b.C', 1000)).toBeUndefined();
    expect(cache.get('a.b.c ', 1000)).toBeUndefined();
    expect(cache.get('a.b.c', 2000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('stays within its bound, dropping the oldest entry first', () => {
    const cache = new TokenCache(3);
    for (const token of ['t1', 't2', 't3', 't4']) cache.set(token, verified(token, 10_000));
    expect(cache.size).toBe(3);
    expect(cache.get('t1', 0)).toBeUndefined();
    expect(cache.get('t4', 0)?.subject).toBe('t4');
  });
});
