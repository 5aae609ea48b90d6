import { describe, expect, it } from 'vitest';
import { parseRules } from '../src/parse.ts';
import { chooseBackend, stickyBucket, stickyKey, upstreamFor } from '../src/sticky.ts';
import type { CompiledRoute } from '../src/types.ts';

function route(percent: number, sticky = 'subject'): CompiledRoute {
  const result = parseRules(`version: 1
upstreams: { monolith: { url: http://a }, svc: { url: http://b } }
routes: [{ name: split, path: /s, service: svc, percent: ${percent}, sticky: "${sticky}" }]
`);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.rules.byName.get('split')!;
}

const users = Array.from({ length: 5000 }, (_, i) => `user-${i}`);

describe('stickyBucket', () => {
  it('is stable and in range', () => {
    // Pinned values: the BFFs and older gateways must compute the same buckets.
    expect(stickyBucket('inventory', 'alice')).toBe(stickyBucket('inventory', 'alice'));
    expect([stickyBucket('inventory', 'alice'), stickyBucket('carts', 'alice')]).toMatchInlineSnapshot(`
      [
        9502,
        5320,
      ]
    `);
    for (const user of users) {
      const bucket = stickyBucket('inventory', user);
      expect(bucket).toBeGreaterThanOrEqual(0);
      expect(bucket).toBeLessThan(10000);
    }
  });

  it('spreads sequential keys evenly across ten deciles', () => {
    const deciles = new Array(10).fill(0);
    for (const user of users) deciles[Math.floor(stickyBucket('inventory', user) / 1000)]++;
    for (const count of deciles) expect(Math.abs(count - 500)).toBeLessThan(75);
  });

  it('assigns independently per route', () => {
    const same = users.filter((u) => stickyBucket('a', u) < 5000 === stickyBucket('b', u) < 5000).length;
    expect(Math.abs(same / users.length - 0.5)).toBeLessThan(0.05);
  });
});

describe('stickyKey', () => {
  const who = { subject: 'alice', ip: '10.0.0.1', headers: { 'x-device': 'd-1' } };
  it('follows the route mode', () => {
    expect(stickyKey({ sticky: 'subject' }, who)).toBe('alice');
    expect(stickyKey({ sticky: 'subject' }, { ...who, subject: undefined })).toBe('10.0.0.1');
    expect(stickyKey({ sticky: 'ip' }, who)).toBe('10.0.0.1');
    expect(stickyKey({ sticky: 'header:X-Device' }, who)).toBe('d-1');
    expect(stickyKey({ sticky: 'header:x-other' }, who)).toBe('10.0.0.1');
    expect(stickyKey({ sticky: 'none' }, who)).toBeUndefined();
  });
});

describe('chooseBackend', () => {
  const share = (r: CompiledRoute) =>
    users.filter((u) => chooseBackend(r, { subject: u, ip: '1.1.1.1', headers: {} }) === 'service').length /
    users.length;

  it('sends about percent of users to the service', () => {
    expect(share(route(0))).toBe(0);
    expect(share(route(100))).toBe(1);
    expect(Math.abs(share(route(25)) - 0.25)).toBeLessThan(0.02);
    expect(Math.abs(share(route(0.5)) - 0.005)).toBeLessThan(0.005);
  });

  it('only adds users when the percentage rises', () => {
    const steps = [1, 5, 10, 25, 50, 75, 99.99];
    for (let i = 1; i < steps.length; i++) {
      const before = route(steps[i - 1]);
      const after = route(steps[i]);
      for (const user of users) {
        const who = { subject: user, ip: '1.1.1.1', headers: {} };
        if (chooseBackend(before, who) === 'service') expect(chooseBackend(after, who)).toBe('service');
      }
    }
  });

  it('picks per request without a sticky key', () => {
    const r = route(50, 'none');
    const picks = new Set(
      Array.from({ length: 200 }, () => chooseBackend(r, { subject: 'alice', ip: 'x', headers: {} })),
    );
    expect(picks).toEqual(new Set(['service', 'monolith']));
  });

  it('names the upstream behind each side', () => {
    const r = route(50);
    expect(upstreamFor(r, 'service')).toBe('svc');
    expect(upstreamFor(r, 'monolith')).toBe('monolith');
  });
});
