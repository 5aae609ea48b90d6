import { safeMethods } from '@fig/routing-rules';
import { BadGateway, UpstreamTimeout, UpstreamUnavailable } from '../errors.ts';
import type { FailureKind } from './failure.ts';

/** What the proxy does after an attempt failed. */
export type FailureAction = 'retry' | 'fall_back' | 'fail';

/**
 * Where the failed attempt went: a service the split chose, with the monolith behind it, or
 * the last stop (the monolith, a single-upstream route, a forced backend).
 */
export type Stage = 'service' | 'final';

/** The failures the policy decides on: a 5xx answer and a client that left are not among them. */
export type UpstreamFailure = Exclude<FailureKind, 'status' | 'client_abandoned'>;

type MethodClass = 'safe' | 'idempotent' | 'unsafe';

// RFC 9110 §9.2.2: repeating these has the effect of sending them once.
const idempotentMethods: ReadonlySet<string> = new Set([...safeMethods, 'PUT', 'DELETE']);

const methodClass = (method: string): MethodClass =>
  safeMethods.has(method) ? 'safe' : idempotentMethods.has(method) ? 'idempotent' : 'unsafe';

type Row = Record<Stage, Record<MethodClass, FailureAction>>;
const anyMethod = (action: FailureAction) => ({ safe: action, idempotent: action, unsafe: action });

/**
 * The failure table of the README ("Failures, retries, fallback"): failure kind × method ×
 * stage. When nothing reached the upstream any request may go elsewhere; once it may have
 * acted, only a safe method goes to the monolith, and only an idempotent one is repeated.
 * An open breaker is not retried (it would refuse again at once), nor is a timeout (the
 * upstream is slow, not gone).
 */
export const failurePolicy: Readonly<Record<UpstreamFailure, Row>> = {
  breaker_open: { service: anyMethod('fall_back'), final: anyMethod('fail') },
  connect: { service: anyMethod('fall_back'), final: anyMethod('retry') },
  reset: {
    service: { safe: 'fall_back', idempotent: 'fail', unsafe: 'fail' },
    final: { safe: 'retry', idempotent: 'retry', unsafe: 'fail' },
  },
  timeout: {
    service: { safe: 'fall_back', idempotent: 'fail', unsafe: 'fail' },
    final: anyMethod('fail'),
  },
  other: { service: anyMethod('fail'), final: anyMethod('fail') },
};

export interface FailedAttempt {
  kind: UpstreamFailure;
  method: string;
  stage: Stage;
  /** The body can be sent again: none, held in memory, or a stream nothing was read from. */
  replayable: boolean;
  /** Retries of this upstream still allowed (its `retries` less those made). */
  retriesLeft: number;
  /** Something was already written to the client. */
  answered: boolean;
}

/** The table's answer, where the request can still take it: a body that is gone cannot go again. */
export function nextStep(attempt: FailedAttempt): FailureAction {
  const action = failurePolicy[attempt.kind][attempt.stage][methodClass(attempt.method)];
  if (action === 'fail' || attempt.answered || !attempt.replayable) return 'fail';
  if (action === 'retry' && attempt.retriesLeft <= 0) return 'fail';
  return action;
}

/** The answer when the policy says fail: 504 for a timeout, 502 once the upstream may have acted, else 503. */
export function failureError(kind: UpstreamFailure, upstream: string) {
  if (kind === 'timeout') return new UpstreamTimeout(upstream);
  if (kind === 'reset' || kind === 'other') return new BadGateway(upstream);
  return new UpstreamUnavailable(upstream);
}

/** Full jitter on a small exponential base: spreads retries from many clients. */
export function retryDelayMs(attempt: number): number {
  return Math.random() * Math.min(200, 20 * 2 ** attempt);
}
