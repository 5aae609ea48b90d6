import { describe, expect, it } from 'vitest';
import { judgeRamp, operate, RampActionRefused, startRamp } from '../../src/ramp/ramp-machine.ts';
import type { RampState } from '../../src/ramp/ramp-state.ts';
import { inventoryRoute } from './inventory-route.ts';

const route = inventoryRoute(`
    percent: 0
    sticky: none
    ramp:
      steps: [20, 100]
      interval: 10s
      minDuration: 1m
      maxDuration: 5m
      minRequests: 50
      gates: { errorRate: { max: 5% } }
`);
const thresholds = { relativeThreshold: 20, absoluteThreshold: 0.03 };

/** Counters after some traffic: requests and 5xx per side. */
const counters = (service: number, serviceErrors: number, monolith: number) =>
  new Map([
    ['requests|service', service],
    ['errors|service', serviceErrors],
    ['requests|monolith', monolith],
  ]);

const started = (): RampState => startRamp(route, counters(0, 0, 0), 0).state;

describe('judging a ramp', () => {
  it('rolls back on a critical breach at once, without waiting for the step', () => {
    // Ten seconds in, far from minDuration: half the interval's answers are 5xx.
    const step = judgeRamp(route, started(), counters(100, 50, 400), thresholds, 10_000);
    expect(step.state).toMatchObject({ status: 'failed', share: 0 });
    expect(step.transition).toMatchObject({ reason: 'critical', from: 20, to: 0 });
    expect(step.transition!.text).toBe(
      'rolled back to 0%: service 5xx 50 of 100 in the last interval, above the 10% ceiling',
    );
  });

  it('holds while the split does not serve the share it should', () => {
    // At 20% the service gets 300 of 600 requests: something other than the split routes them.
    const step = judgeRamp(route, started(), counters(300, 0, 300), thresholds, 120_000);
    expect(step.state.status).toBe('ramping');
    expect(step.transition).toBeUndefined();
    expect(step.state.evaluation!.text).toBe(
      'holding at 20%: the split looks wrong, 300 of 600 requests on the service side (50%, expected 20%)',
    );
    // The same evidence with a sound split passes.
    expect(judgeRamp(route, started(), counters(300, 0, 1200), thresholds, 120_000).transition?.reason).toBe(
      'advance',
    );
  });

  it('judges the split on distinct users when they are counted: heavy users do not hold a sound split', () => {
    // 300 of 600 requests on the service at 20%: a few heavy users, but 40 of 200 users.
    const heavy = judgeRamp(route, started(), counters(300, 0, 300), thresholds, 120_000, {
      service: 40,
      monolith: 160,
      approximate: true,
    });
    expect(heavy.transition?.reason).toBe('advance');
    expect(heavy.state.evaluation!.split).toBe(
      'about 40 of 200 users on the service side (20%, expected 20%)',
    );
    // Users split wrong: held, whatever the requests say.
    const wrong = judgeRamp(route, started(), counters(300, 0, 1200), thresholds, 120_000, {
      service: 100,
      monolith: 100,
      approximate: false,
    });
    expect(wrong.state.evaluation!.text).toBe(
      'holding at 20%: the split looks wrong, 100 of 200 users on the service side (50%, expected 20%)',
    );
  });

  it('keeps watching a done ramp: a critical breach after 100% rolls it back to the floor, and it stays back', () => {
    let state = started();
    state = judgeRamp(route, state, counters(300, 0, 1200), thresholds, 120_000).state;
    expect(state).toMatchObject({ step: 1, share: 100 });
    state = judgeRamp(route, state, counters(1300, 0, 1200), thresholds, 240_000).state;
    expect(state.status).toBe('done');
    const quiet = judgeRamp(route, state, counters(1400, 1, 1200), thresholds, 250_000);
    expect(quiet.transition).toBeUndefined();
    expect(quiet.state.evaluation!.text).toBe('done at 100%: watched for service 5xx above the 10% ceiling');
    const failing = judgeRamp(route, quiet.state, counters(1500, 61, 1200), thresholds, 260_000);
    expect(failing.state).toMatchObject({ status: 'failed', share: 0 });
    expect(failing.transition).toMatchObject({ reason: 'critical', from: 100, to: 0, state: 'failed' });
  });

  it('says once that a step has waited past maxDuration, and keeps holding', () => {
    const first = judgeRamp(route, started(), counters(10, 0, 40), thresholds, 301_000);
    expect(first.transition).toMatchObject({ reason: 'stalled', from: 20, to: 20, state: 'ramping' });
    const again = judgeRamp(route, first.state, counters(12, 0, 48), thresholds, 311_000);
    expect(again.transition).toBeUndefined();
    expect(again.state.evaluation!.text).toBe('holding at 20%: 12 of 50 requests on the service side');
  });

  it('refuses an action that does not apply, saying why', () => {
    expect(() => operate(route, started(), 'approve', counters(0, 0, 0), 1)).toThrow(RampActionRefused);
    const aborted = operate(route, started(), 'abort', counters(0, 0, 0), 1).state;
    expect(() => operate(route, aborted, 'pause', counters(0, 0, 0), 2)).toThrow(
      'inventory: cannot pause: the ramp is aborted',
    );
  });
});
