import type { GateResult } from './gates.ts';
import type { CounterRecord } from './step-evidence.ts';

/**
 * ramping: judging the current step; awaiting-approval: the next step waits for a person;
 * paused: an operator froze it (no promotion; a critical breach still rolls back);
 * failed: rolled back to the floor by a gate, stopped; aborted: an operator sent it back to
 * the floor, stopped; done: the last step passed.
 */
export type RampStatus = 'ramping' | 'awaiting-approval' | 'paused' | 'failed' | 'aborted' | 'done';

/** Why a ramp moved: the `reason` of the webhook and of fig_ramp_transitions_total. */
export type TransitionReason =
  | 'start'
  | 'advance'
  | 'awaiting-approval'
  | 'approved'
  | 'gate-failed'
  | 'critical'
  | 'stalled'
  | 'paused'
  | 'resumed'
  | 'aborted'
  | 'done';

export interface Transition {
  route: string;
  /** Shares in percent, before and after. */
  from: number;
  to: number;
  state: RampStatus;
  reason: TransitionReason;
  /** ISO time. */
  at: string;
  /** The sentence the decision log shows. */
  text: string;
  /** The fields that differed, when shadow comparisons decided it. */
  fields?: string[];
  /** `<route>:<revision>`: the same transition is never sent twice with another id. */
  id: string;
}

/** The last judgement of a step, for GET /ramps and the dashboard. */
export interface Evaluation {
  at: number;
  gates: GateResult[];
  split: string;
  /** The decision in one sentence: `holding at 25%: 140 of 200 requests on the service side`. */
  text: string;
}

/** A ramp's runtime state: one per route, in Redis or a file (ramp-store.ts). */
export interface RampState {
  route: string;
  /** The compiled ramp this state follows; a different one in the file starts afresh. */
  rampId: string;
  /** Bumped on every write; writes compare it, so two writers never both win. */
  revision: number;
  status: RampStatus;
  /** Index into the ramp's steps. */
  step: number;
  /** The share the ramp gives now, in percent: the step's, or the floor once stopped. */
  share: number;
  /**
   * A random id of the current step: names its user counts (step-users.ts) and keys the
   * hashes that stand in for its users. Absent in states saved before users were counted.
   */
  stepId?: string;
  /** When the current step (or stop) began, ms since the epoch. */
  since: number;
  /** The route's counters when the step began: the step's evidence is what came since. */
  baseline: CounterRecord;
  /** The service's requests and errors at the last judgement: the critical breach's window. */
  window: { requests: number; errors: number };
  evaluation?: Evaluation;
  /** The step has outlived maxDuration without a decision, and that was said once. */
  stalled?: boolean;
  /** Newest first, bounded. */
  log: Transition[];
}

export const logLength = 50;
