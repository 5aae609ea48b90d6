import { overrideLabelOn, parseRules, stickyBucket } from '@fig/routing-rules';
import { describe, expect, it } from 'vitest';

const parsed = parseRules(`version: 1
upstreams:
  monolith: { url: http://127.0.0.1:1 }
  inventory: { url: http://127.0.0.1:2 }
routes:
  - { name: inventory, path: /api/inventory, service: inventory, percent: 30 }
  - { name: by-ip, path: /api/other, service: inventory, percent: 50, sticky: ip }
  - { name: products, path: /api/products }
`);
if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
const rules = parsed.rules;
const users = Array.from({ length: 200 }, (_, i) => ({
  subject: `usr_${i}`,
  ip: `10.0.0.${i % 250}`,
  headers: {},
}));

describe('override labels', () => {
  it('follow a route exactly as the gateway splits it', () => {
    for (const who of users) {
      expect(overrideLabelOn(rules, 'inventory', who)).toBe(stickyBucket('inventory', who.subject) < 3000);
      expect(overrideLabelOn(rules, 'by-ip', who)).toBe(stickyBucket('by-ip', who.ip) < 5000);
    }
  });

  it('keep fields on the original owner for routes without a service and unknown labels', () => {
    expect(users.some((who) => overrideLabelOn(rules, 'products', who))).toBe(false);
    expect(users.some((who) => overrideLabelOn(rules, 'no-such-route', who))).toBe(false);
  });

  it('take percent(N) labels by the same sticky bucket, all or nothing at the ends', () => {
    const share = users.filter((who) => overrideLabelOn(rules, 'percent(40)', who));
    expect(share.map((who) => who.subject)).toEqual(
      users.filter((who) => stickyBucket('percent(40)', who.subject) < 4000).map((who) => who.subject),
    );
    expect(share.length).toBeGreaterThan(0);
    expect(users.every((who) => overrideLabelOn(rules, 'percent(100)', who))).toBe(true);
    expect(users.some((who) => overrideLabelOn(rules, 'percent(0)', who))).toBe(false);
  });
});
