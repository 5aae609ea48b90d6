import { describe, expect, it } from 'vitest';
import { verdict } from '../../src/shadow/comparison/verdict.ts';

const evidence = {
  hasService: true,
  percent: 25,
  shadow: 10,
  compared: 12_400,
  matchRate: 0.998,
  p99: { monolith: 180, service: 41 },
  errorRate: { monolith: 0.001, service: 0.001 },
};

describe('verdict', () => {
  it('recommends the next step with the evidence for it', () => {
    expect(verdict(evidence)).toEqual({
      state: 'ready',
      text: 'ready for 50%: 99.8% match over 12,400 comparisons, p99 41 ms vs monolith 180 ms',
    });
    expect(verdict({ ...evidence, percent: 100 }).state).toBe('done');
  });

  it('holds on the most frequent real difference, naming the field as people say it', () => {
    expect(verdict({ ...evidence, worstField: { field: 'body.amount_cents', rate: 0.031 } }).text).toBe(
      'hold: amount_cents differs in 3.1%',
    );
    expect(verdict({ ...evidence, worstField: { field: 'status', rate: 0.5 } }).text).toBe(
      'hold: HTTP status differs in 50.0%',
    );
  });

  it('holds on more service errors or a clearly slower service', () => {
    expect(verdict({ ...evidence, errorRate: { monolith: 0.001, service: 0.02 } }).text).toBe(
      'hold: service errors 2.0% vs monolith 0.1%',
    );
    expect(verdict({ ...evidence, p99: { monolith: 180, service: 410 } }).text).toBe(
      'hold: service slower, p99 410 ms vs monolith 180 ms',
    );
    // Slower, but within tolerance: still ready.
    expect(verdict({ ...evidence, p99: { monolith: 10, service: 20 } }).state).toBe('ready');
  });

  it('waits for enough evidence, and says when there can be none', () => {
    expect(verdict({ ...evidence, compared: 37 }).text).toBe('collecting: 37 of 100 comparisons');
    expect(verdict({ ...evidence, compared: 0, shadow: 0 }).text).toMatch(/^no evidence: shadowing is off/);
    expect(verdict({ ...evidence, hasService: false }).state).toBe('monolith-only');
  });
});
