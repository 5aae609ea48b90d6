import { parseRules } from '@fig/routing-rules';
import { describe, expect, it } from 'vitest';
import { ForcedBackendInvalid } from '../../src/errors.ts';
import { decide } from '../../src/proxy/decide.ts';

const parsed = parseRules(`version: 1
upstreams:
  monolith: { url: 'http://127.0.0.1:1' }
  inventory: { url: 'http://127.0.0.1:2' }
  legacy: { url: 'http://127.0.0.1:3' }
routes:
  - { name: all-in, path: /in, service: inventory, percent: 100 }
  - { name: none-in, path: /out, service: inventory, percent: 0 }
  - { name: half, path: /half, service: inventory, percent: 50, sticky: header:x-client-id }
  - { name: legacy, path: /legacy, upstream: legacy }
`);
if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
const rules = parsed.rules;
const scope = 'fig:route-override';

function request(path: string, headers: Record<string, string> = {}, scopes: string[] = []) {
  return { fig: { route: rules.match('GET', path), rules, scopes, clientIp: '192.0.2.1' }, headers };
}

describe('decide', () => {
  it('sends the split service side to the service, with the monolith to fall back on', () => {
    const decision = decide(request('/in'), scope);
    expect(decision).toMatchObject({ side: 'service', forced: false });
    expect(decision.upstream.name).toBe('inventory');
    expect(decision.fallback?.name).toBe('monolith');
  });

  it('makes the monolith side the last stop', () => {
    const decision = decide(request('/out'), scope);
    expect(decision).toMatchObject({ side: 'monolith', forced: false, fallback: undefined });
    expect(decision.upstream.name).toBe('monolith');
  });

  it('sends a single-upstream route to its own upstream, the last stop', () => {
    const decision = decide(request('/legacy'), scope);
    expect(decision).toMatchObject({ side: 'monolith', fallback: undefined });
    expect(decision.upstream.name).toBe('legacy');
  });

  it('keeps a client on one side across requests (sticky by header)', () => {
    const sides = new Set(
      Array.from({ length: 20 }, () => decide(request('/half', { 'x-client-id': 'c-42' }), scope).side),
    );
    expect(sides.size).toBe(1);
  });

  it('honours x-fig-backend only with the scope, and a forced side never falls back', () => {
    const forced = decide(request('/out', { 'x-fig-backend': 'inventory' }, [scope]), scope);
    expect(forced).toMatchObject({ side: 'service', forced: true, fallback: undefined });
    expect(forced.upstream.name).toBe('inventory');
    const toMonolith = decide(request('/in', { 'x-fig-backend': 'monolith' }, [scope]), scope);
    expect(toMonolith).toMatchObject({ side: 'monolith', forced: true, fallback: undefined });
    const unauthorised = decide(request('/out', { 'x-fig-backend': 'inventory' }, ['other']), scope);
    expect(unauthorised).toMatchObject({ side: 'monolith', forced: false });
  });

  it("refuses a forced backend that is not one of the route's", () => {
    expect(() => decide(request('/in', { 'x-fig-backend': 'legacy' }, [scope]), scope)).toThrow(
      ForcedBackendInvalid,
    );
    expect(() => decide(request('/legacy', { 'x-fig-backend': 'monolith' }, [scope]), scope)).toThrow(
      /one of this route's backends: legacy$/,
    );
  });
});
