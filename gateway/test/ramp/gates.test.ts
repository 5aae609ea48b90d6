import { parseRules } from '@fig/routing-rules';
import { describe, expect, it } from 'vitest';
import { judgeGates } from '../../src/ramp/gates.ts';
import type { StepEvidence } from '../../src/ramp/step-evidence.ts';
import { latencyBucket } from '../../src/shadow/comparison/latency-histogram.ts';

const compiled = parseRules(`version: 1
upstreams:
  monolith: { url: http://127.0.0.1:3000 }
  inventory: { url: http://127.0.0.1:5003 }
routes:
  - name: inventory
    path: /api/inventory
    service: inventory
    ramp: { steps: [50], gates: { latency: { p99Increase: 20% } } }
`);
if (!compiled.ok) throw new Error(JSON.stringify(compiled.problems));
const ramp = compiled.rules.byName.get('inventory')!.ramp!;

/** `n` answers per side, every one taking the given milliseconds. */
function evidence(n: number, monolithMs: number, serviceMs: number): StepEvidence {
  return {
    requests: { monolith: n, service: n },
    errors: { monolith: 0, service: 0 },
    latency: {
      monolith: new Map([[latencyBucket(monolithMs), n]]),
      service: new Map([[latencyBucket(serviceMs), n]]),
    },
    compared: 0,
    mismatched: 0,
    fields: [],
  };
}

describe('the latency gate', () => {
  it('passes a service as fast as the monolith once enough answers say so, and fails one twice as slow', () => {
    const [few] = judgeGates(ramp, 50, evidence(150, 100, 100));
    expect(few).toMatchObject({ gate: 'latency.p99Increase', outcome: 'wait' });
    const [many] = judgeGates(ramp, 50, evidence(2000, 100, 100));
    expect(many).toMatchObject({ outcome: 'pass' });
    const [slow] = judgeGates(ramp, 50, evidence(2000, 100, 200));
    expect(slow).toMatchObject({ outcome: 'fail' });
    expect(slow!.text).toMatch(/^p99 \d+ ms vs monolith \d+ ms \(limit \d+ ms\): surely slower/);
  });

  it('says nothing before the monolith has 100 answers on the step, and nothing at 100%', () => {
    const [early] = judgeGates(ramp, 50, evidence(50, 100, 100));
    expect(early!.text).toBe("p99: the monolith's needs 100 answers on this step (50 so far)");
    expect(judgeGates(ramp, 100, evidence(2000, 100, 200))).toEqual([]);
  });
});
