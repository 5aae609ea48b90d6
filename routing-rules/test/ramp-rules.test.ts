import { describe, expect, it } from 'vitest';
import { describeChanges, summarise } from '../src/describe.ts';
import { withShares } from '../src/effective-shares.ts';
import { parseRules } from '../src/parse.ts';
import { chooseBackend } from '../src/sticky.ts';

const upstreams = `version: 1
upstreams:
  monolith: { url: http://127.0.0.1:3000 }
  inventory: { url: http://127.0.0.1:5003 }
routes:
`;

function problems(route: string): string[] {
  const result = parseRules(`${upstreams}${route}`);
  return result.ok ? [] : result.problems.map((problem) => problem.message);
}

function rules(route: string) {
  const result = parseRules(`${upstreams}${route}`);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.rules;
}

const ramped = (ramp: string, extra = 'shadow: 10, ') =>
  `  - { name: inventory, path: /api/inventory, service: inventory, percent: 0, sticky: none, ${extra}ramp: ${ramp} }\n`;

describe('a ramp in routes.yaml', () => {
  it('compiles with the schema defaults and explains itself step by step', () => {
    const compiled = rules(
      ramped('{ steps: [0, 5, 100], gates: { mismatches: { max: 1% } }, approve: [100] }'),
    );
    const ramp = compiled.byName.get('inventory')!.ramp!;
    expect(ramp).toMatchObject({
      steps: [0, 5, 100],
      intervalMs: 30_000,
      minDurationMs: 300_000,
      minRequests: 200,
      approve: [100],
      gates: { mismatches: { max: 1 } },
    });
    const text = summarise(compiled).join('\n');
    expect(text).toContain('0% -> 5% -> 100%');
    expect(text).toContain('shadow only: no user is sent to the service');
    expect(text).toContain('waits for approval, then 100% of requests to inventory');
    expect(text).toContain('back to 0% at once');
  });

  it('says the critical ceiling keeps watching a ramp once it is done', () => {
    const text = summarise(rules(ramped('{ steps: [5, 100], gates: { errorRate: { max: 1% } } }'))).join(
      '\n',
    );
    expect(text).toContain(
      'a failed gate or service 5xx above 10% over an interval (watched even once done): back to 0% at once',
    );
  });

  it('refuses nonsense, saying why', () => {
    expect(problems(ramped('{ steps: [5, 5] }'))).toContain('steps must increase: 5 comes after 5');
    expect(problems(`  - { name: a, path: /a, ramp: { steps: [1] } }\n`)).toContain(
      'a ramp needs a "service" whose share it raises',
    );
    expect(problems(ramped('{ steps: [0, 5] }', ''))[0]).toMatch(/a 0% step sends no user/);
    expect(problems(ramped('{ steps: [5], gates: { mismatches: { max: 1% } } }', ''))[0]).toMatch(
      /mismatches gate reads shadow comparisons/,
    );
    expect(problems(ramped('{ steps: [5], gates: {} }'))[0]).toMatch(/promote on time alone/);
    expect(problems(ramped('{ steps: [50, 100], gates: { latency: { p99Increase: 20% } } }', ''))).toEqual([
      'no gate can judge the 100% step: at 100% the monolith gets no traffic to compare with (add errorRate.max or mismatches)',
    ]);
    expect(problems(ramped('{ steps: [5], approve: [50] }'))).toContain(
      'approve names 50, which is not one of the steps',
    );
    expect(problems(ramped('{ steps: [5], interval: 500ms }'))).toContain('interval must be 1s or more');
    expect(problems(ramped('{ steps: [5], gates: { errorRate: { max: 2 } } }'))[0]).toMatch(
      /must be a share in percent, like 1% or 0.5%/,
    );
    expect(
      problems(
        `  - { name: inventory, path: /api/inventory, service: inventory, percent: 10, ramp: { steps: [5, 20] } }\n`,
      ),
    ).toContain('step 5 is not above the floor (percent: 10); it would never change the share');
  });

  it('says that changing a ramp starts it again from its floor', () => {
    const before = rules(ramped('{ steps: [5, 50] }'));
    const after = rules(ramped('{ steps: [5, 25, 50] }'));
    expect(describeChanges(before, after)).toEqual([
      'inventory: ramp changed: it starts from its floor (0%)',
    ]);
  });
});

describe('withShares', () => {
  const compiled = rules(
    `  - { name: inventory, path: /api/inventory, service: inventory, percent: 10, sticky: ip, ramp: { steps: [25, 50] } }\n`,
  );
  const route = compiled.byName.get('inventory')!;
  const who = (i: number) => ({ ip: `10.0.${i >> 8}.${i & 255}`, headers: {} });

  it('serves max(percent, step) of the ramp the share belongs to, and only that ramp', () => {
    const shared = withShares(compiled, new Map([['inventory', { rampId: route.ramp!.id, percent: 25 }]]));
    const served = shared.match('GET', '/api/inventory/x');
    expect(served.threshold).toBe(2500);
    expect(served.percent).toBe(10);
    // A share left by another ramp (the file changed since) is not applied.
    expect(withShares(compiled, new Map([['inventory', { rampId: 'other', percent: 50 }]]))).toBe(compiled);
    // The floor wins over a lower step.
    expect(withShares(compiled, new Map([['inventory', { rampId: route.ramp!.id, percent: 5 }]]))).toBe(
      compiled,
    );
    // Raising the share only adds users: everyone served by the floor still is.
    for (let i = 0; i < 2000; i++) {
      if (chooseBackend(route, who(i)) === 'service') expect(chooseBackend(served, who(i))).toBe('service');
    }
    const share =
      [...Array(4000).keys()].filter((i) => chooseBackend(served, who(i)) === 'service').length / 4000;
    expect(share).toBeGreaterThan(0.2);
    expect(share).toBeLessThan(0.3);
  });
});
