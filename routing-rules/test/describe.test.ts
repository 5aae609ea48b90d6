import { describe, expect, it } from 'vitest';
import { describeChanges, summarise } from '../src/describe.ts';
import { parseRules } from '../src/parse.ts';

function rules(routes: string, extraUpstreams = '') {
  const result = parseRules(`version: 1
upstreams:
  monolith: { url: http://127.0.0.1:3000 }
  inventory: { url: http://127.0.0.1:5003 }
${extraUpstreams}routes:
${routes}`);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.rules;
}

const at = (percent: number, sticky = 'subject') =>
  `  - { name: inventory, path: /api/inventory, service: inventory, percent: ${percent}, sticky: ${sticky} }\n`;

describe('summarise', () => {
  it('lists each route with its backends and shares, then the default', () => {
    const lines = summarise(rules(`${at(25)}  - { name: products, path: /api/products, auth: none }\n`));
    expect(lines[1]).toMatch(
      /^inventory\s+\/api\/inventory\s+any\s+inventory 25% \/ monolith 75% \(sticky by subject\)/,
    );
    expect(lines[2]).toMatch(/^products\s+\/api\/products\s+any\s+monolith 100%\s+auth none/);
    expect(lines[3]).toMatch(/^\(other\)\s+\*\s+any\s+monolith 100%\s+auth required/);
  });
});

describe('describeChanges', () => {
  it('says who moves when a percentage changes', () => {
    expect(describeChanges(rules(at(25)), rules(at(50)))).toEqual([
      'inventory: 25% -> 50%: about a quarter of users move to the service, none move back',
    ]);
    expect(describeChanges(rules(at(50)), rules(at(43)))).toEqual([
      'inventory: 50% -> 43%: about 7% of users move back to the monolith, none move to the service',
    ]);
    expect(describeChanges(rules(at(0, 'none')), rules(at(100, 'none')))).toEqual([
      'inventory: 0% -> 100%: all requests move to the service, none move back',
    ]);
    expect(describeChanges(rules(at(100)), rules(at(0)))).toEqual([
      'inventory: 100% -> 0%: all users move back to the monolith, none move to the service',
    ]);
    expect(describeChanges(rules(at(0)), rules(at(50)))).toEqual([
      'inventory: 0% -> 50%: about half of users move to the service, none move back',
    ]);
  });

  it('reports added and removed routes and upstreams, and sticky reshuffles', () => {
    const before = rules(at(25));
    const after = rules(
      `${at(25, 'ip')}  - { name: web, path: /web, upstream: web }\n`,
      '  web: { url: http://127.0.0.1:4001 }\n',
    );
    expect(describeChanges(before, after)).toEqual([
      'inventory: sticky subject -> ip: assignments reshuffle, users may switch sides',
      'web: new route /web -> web 100%',
      'upstream web: added (http://127.0.0.1:4001)',
    ]);
    expect(describeChanges(after, before)).toContain('web: removed; /web falls back to the monolith');
  });

  it('is empty when nothing changes', () => {
    expect(describeChanges(rules(at(25)), rules(at(25)))).toEqual([]);
  });
});
