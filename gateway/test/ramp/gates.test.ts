import { describe, expect, it } from 'vitest';
import { judgeGates } from '../../src/ramp/gates.ts';
import type { StepEvidence } from '../../src/ramp/step-evidence.ts';
import { latencyBucket } from '../../src/shadow/comparison/latency-histogram.ts';
import { inventoryRoute } from './inventory-route.ts';

const ramp = inventoryRoute(`
    ramp: { steps: [50], gates: { latency: { p99Increase: 20% } } }
`).ramp!;

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

  it("counts the monolith's p99 as a sample's: a thin sample with a slow tail fails nobody it may contain", () => {
    /** 3000 service answers at 200 ms; the monolith's at 100 ms but for `tail` at 300 ms. */
    const tailed = (monolith: number, tail: number): StepEvidence => ({
      ...evidence(3000, 100, 200),
      requests: { monolith, service: 3000 },
      latency: {
        monolith: new Map([
          [latencyBucket(100), monolith - tail],
          [latencyBucket(300), tail],
        ]),
        service: new Map([[latencyBucket(200), 3000]]),
      },
    });
    // 1 of 150 answers at 300 ms: its p99 reads about 100 ms, but may well be 300 ms.
    const [thin] = judgeGates(ramp, 50, tailed(150, 1));
    expect(thin).toMatchObject({ gate: 'latency.p99Increase', outcome: 'wait' });
    // 10 of 5000 (0.2%): the p99 is surely about 100 ms, and 200 ms is surely beyond it raised by 20%.
    const [thick] = judgeGates(ramp, 50, tailed(5000, 10));
    expect(thick).toMatchObject({ outcome: 'fail' });
  });

  it('says nothing before the monolith has 100 answers on the step, and nothing at 100%', () => {
    const [early] = judgeGates(ramp, 50, evidence(50, 100, 100));
    expect(early!.text).toBe("p99: the monolith's needs 100 answers on this step (50 so far)");
    expect(judgeGates(ramp, 100, evidence(2000, 100, 200))).toEqual([]);
  });
});
