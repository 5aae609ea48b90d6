import { describe, expect, it } from 'vitest';
import { type FailedAttempt, failureError, nextStep } from '../../src/proxy/failure-policy.ts';

const attempt = (overrides: Partial<FailedAttempt>): FailedAttempt => ({
  kind: 'connect',
  method: 'GET',
  stage: 'service',
  replayable: true,
  retriesLeft: 1,
  answered: false,
  ...overrides,
});
const step = (kind: FailedAttempt['kind'], method: string, stage: FailedAttempt['stage']) =>
  nextStep(attempt({ kind, method, stage }));

describe('the failure policy (README, "Failures, retries, fallback")', () => {
  it('lets the monolith serve any method when nothing reached the service', () => {
    for (const method of ['GET', 'POST', 'PATCH', 'DELETE']) {
      expect(step('breaker_open', method, 'service')).toBe('fall_back');
      expect(step('connect', method, 'service')).toBe('fall_back');
    }
  });

  it('lets the monolith serve only safe methods once the service may have acted', () => {
    for (const kind of ['reset', 'timeout'] as const) {
      for (const method of ['GET', 'HEAD', 'OPTIONS', 'TRACE'])
        expect(step(kind, method, 'service')).toBe('fall_back');
      for (const method of ['PUT', 'DELETE', 'POST', 'PATCH'])
        expect(step(kind, method, 'service')).toBe('fail');
    }
    expect(step('other', 'GET', 'service')).toBe('fail');
  });

  it('retries the last stop when nothing was sent, or after a reset for idempotent methods', () => {
    expect(step('connect', 'POST', 'final')).toBe('retry');
    for (const method of ['GET', 'PUT', 'DELETE']) expect(step('reset', method, 'final')).toBe('retry');
    expect(step('reset', 'POST', 'final')).toBe('fail');
    expect(step('reset', 'PATCH', 'final')).toBe('fail');
  });

  it('fails at once on the last stop for an open breaker, a timeout or anything else', () => {
    for (const kind of ['breaker_open', 'timeout', 'other'] as const)
      expect(step(kind, 'GET', 'final')).toBe('fail');
  });

  it('fails once the retries are spent, the body cannot be sent again, or the client has an answer', () => {
    expect(nextStep(attempt({ stage: 'final', retriesLeft: 0 }))).toBe('fail');
    expect(nextStep(attempt({ stage: 'final', replayable: false }))).toBe('fail');
    expect(nextStep(attempt({ stage: 'service', replayable: false }))).toBe('fail');
    expect(nextStep(attempt({ stage: 'service', answered: true }))).toBe('fail');
    expect(nextStep(attempt({ stage: 'final', answered: true }))).toBe('fail');
    // Falling back is not a retry: it needs none left.
    expect(nextStep(attempt({ stage: 'service', retriesLeft: 0 }))).toBe('fall_back');
  });
});

describe('the answer when an attempt fails', () => {
  it('is 504 for a timeout, 502 once the upstream may have acted, 503 when nothing reached it', () => {
    expect(failureError('timeout', 'inventory')).toMatchObject({
      statusCode: 504,
      code: 'GW_ERR_UPSTREAM_TIMEOUT',
    });
    expect(failureError('reset', 'inventory')).toMatchObject({ statusCode: 502, code: 'GW_ERR_BAD_GATEWAY' });
    expect(failureError('other', 'inventory')).toMatchObject({ statusCode: 502, code: 'GW_ERR_BAD_GATEWAY' });
    for (const kind of ['connect', 'breaker_open'] as const)
      expect(failureError(kind, 'inventory')).toMatchObject({
        statusCode: 503,
        code: 'GW_ERR_UPSTREAM_UNAVAILABLE',
        message: 'upstream inventory is unavailable, retry later',
      });
  });
});
