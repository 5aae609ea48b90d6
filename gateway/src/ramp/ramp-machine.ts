import { randomBytes } from 'node:crypto';
import type { CompiledRamp, CompiledRoute } from '@fig/routing-rules';
import type { Counters } from '../shadow/comparison/comparison-store.ts';
import type { Thresholds } from '../shadow/comparison/noise-filter.ts';
import { criticalBreach, judgeGates, splitBroken } from './gates.ts';
import {
  type Evaluation,
  logLength,
  type RampState,
  type RampStatus,
  type Transition,
  type TransitionReason,
} from './ramp-state.ts';
import { baselineOf, sinceBaseline, stepEvidence } from './step-evidence.ts';
import type { StepUserCounts } from './step-users.ts';

/** The next state, and the transition to announce when the share or status changed. */
export interface Step {
  state: RampState;
  transition?: Transition;
}

const shown = (percent: number) => `${percent}%`;

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

function move(
  state: RampState,
  changes: Partial<RampState> & { status: RampStatus; share: number },
  reason: TransitionReason,
  text: string,
  now: number,
  fields?: string[],
): Step {
  const revision = state.revision + 1;
  const transition: Transition = {
    route: state.route,
    from: state.share,
    to: changes.share,
    state: changes.status,
    reason,
    at: new Date(now).toISOString(),
    text,
    ...(fields?.length ? { fields } : {}),
    id: `${state.route}:${revision}`,
  };
  return {
    state: { ...state, ...changes, revision, log: [transition, ...state.log].slice(0, logLength) },
    transition,
  };
}

/** A ramp begins (or begins again after its block changed): on its first step, evidence from now. */
export function startRamp(route: CompiledRoute, totals: Counters, now: number, previous?: RampState): Step {
  const ramp = route.ramp!;
  const fresh: RampState = {
    route: route.name,
    rampId: ramp.id,
    revision: previous?.revision ?? 0,
    status: 'ramping',
    step: 0,
    share: previous?.rampId === ramp.id ? previous.share : route.percent,
    since: now,
    baseline: baselineOf(totals),
    window: serviceWindow(totals),
    log: previous?.log ?? [],
  };
  return move(
    fresh,
    { status: 'ramping', share: ramp.steps[0]!, stepId: newStepId() },
    'start',
    `started: ${ramp.steps.map(shown).join(' -> ')} from floor ${shown(route.percent)}`,
    now,
  );
}

function serviceWindow(totals: Counters) {
  return { requests: totals.get('requests|service') ?? 0, errors: totals.get('errors|service') ?? 0 };
}

/** A random id per step: its user counts start empty and its hashes share nothing with other steps'. */
const newStepId = () => randomBytes(12).toString('base64url');

/** A step begins: evidence from now. */
function enterStep(state: RampState, step: number, share: number, totals: Counters, now: number) {
  return { step, share, since: now, baseline: baselineOf(totals), stalled: false, stepId: newStepId() };
}

/**
 * One judgement of a ramp on its route's counters (`totals`: the whole fleet's when shared).
 * In order: a critical breach over the last interval rolls back; a gate surely beyond its
 * limit rolls back; a broken split holds; a step short of its time or traffic holds; every
 * gate surely within its limit passes (into the next step, its approval, or done);
 * anything else holds, and a step past maxDuration says so once. A ramp that is done is
 * only watched by the critical ceiling. `users`: the step's distinct users per side, when
 * counted (the split is then judged on them rather than on requests).
 */
export function judgeRamp(
  route: CompiledRoute,
  state: RampState,
  totals: Counters,
  thresholds: Thresholds,
  now: number,
  users?: StepUserCounts,
): Step {
  const ramp = route.ramp as CompiledRamp;
  const floor = route.percent;
  const share = Math.max(floor, state.share);
  const window = serviceWindow(totals);
  const since = sinceBaseline(totals, state.baseline);
  if (since === undefined) {
    // The counters went back (comparisons reset, or a restart without Redis): evidence starts again.
    return {
      state: {
        ...state,
        revision: state.revision + 1,
        baseline: baselineOf(totals),
        since: now,
        window,
        evaluation: {
          at: now,
          gates: [],
          split: '',
          text: `holding at ${shown(share)}: the counters were reset, evidence starts again`,
        },
      },
    };
  }
  const evidence = stepEvidence(since, totals, thresholds);
  const gates = judgeGates(ramp, state.share, evidence);
  const split = splitBroken(share, evidence, users);
  const evaluated = (text: string): Evaluation => ({ at: now, gates, split: split.text, text });
  const base = { ...state, window };
  const critical = ramp.gates.errorRate?.critical;
  const breach =
    critical !== undefined && share > 0
      ? criticalBreach(critical, {
          requests: window.requests - state.window.requests,
          errors: window.errors - state.window.errors,
        })
      : undefined;
  const stop = (reason: TransitionReason, text: string, fields?: string[]) =>
    move(
      { ...base, evaluation: evaluated(text) },
      { status: 'failed', share: floor, since: now, baseline: baselineOf(totals) },
      reason,
      text,
      now,
      fields,
    );
  if (breach?.breached) return stop('critical', `rolled back to ${shown(floor)}: ${breach.text}`);
  if (state.status === 'done') {
    // Done is promoted, not forgotten: the critical ceiling still watches every interval (the
    // step's gates compared against a monolith that no longer gets the traffic, or judge
    // evidence too old to react in time).
    const text =
      critical === undefined
        ? `done at ${shown(share)}: no critical ceiling to watch (no errorRate gate)`
        : `done at ${shown(share)}: watched for service 5xx above the ${shown(critical)} ceiling`;
    return { state: { ...base, revision: base.revision + 1, evaluation: evaluated(text) } };
  }
  const failed = gates.filter((gate) => gate.outcome === 'fail');
  if (failed.length > 0) {
    const fields = failed.flatMap((gate) => gate.fields?.map((f) => f.field) ?? []);
    return stop(
      'gate-failed',
      `rolled back to ${shown(floor)}: ${failed.map((g) => g.text).join('; ')}`,
      fields,
    );
  }
  if (state.status !== 'ramping') {
    // Paused or waiting for approval: judged for the dashboard and for rollbacks, never promoted.
    const text =
      state.status === 'paused'
        ? `paused at ${shown(share)}: resume to let it move`
        : `waiting for approval to go from ${shown(share)} to ${shown(ramp.steps[state.step + 1]!)}`;
    return { state: { ...base, revision: base.revision + 1, evaluation: evaluated(text) } };
  }
  const hold = (text: string): Step => {
    const stalled = now - state.since >= ramp.maxDurationMs && !state.stalled;
    const next: RampState = { ...base, evaluation: evaluated(text) };
    if (!stalled) return { state: { ...next, revision: next.revision + 1 } };
    return move(
      next,
      { status: 'ramping', share: state.share, stalled: true },
      'stalled',
      `${text}; no decision after ${duration(now - state.since)} on this step`,
      now,
    );
  };
  if (split.broken) return hold(`holding at ${shown(share)}: the split looks wrong, ${split.text}`);
  const onStep = now - state.since;
  if (onStep < ramp.minDurationMs)
    return hold(
      `holding at ${shown(share)}: ${duration(onStep)} of ${duration(ramp.minDurationMs)} on this step`,
    );
  const short = shortOfTraffic(ramp, state.share, evidence);
  if (short) return hold(`holding at ${shown(share)}: ${short}`);
  // rules:check refuses a step no gate can judge; should one get here, it never passes on time alone.
  if (gates.length === 0) return hold(`holding at ${shown(share)}: no gate can judge this step`);
  const waiting = gates.filter((gate) => gate.outcome === 'wait');
  if (waiting.length > 0) return hold(`holding at ${shown(share)}: ${waiting.map((g) => g.text).join('; ')}`);

  const passed = gates.map((gate) => gate.text).join('; ');
  const next = state.step + 1;
  if (next >= ramp.steps.length) {
    const text = `done at ${shown(share)}: ${passed}`;
    return move(
      { ...base, evaluation: evaluated(text) },
      { status: 'done', share: state.share, since: now },
      'done',
      text,
      now,
    );
  }
  const nextShare = ramp.steps[next]!;
  if (ramp.approve.includes(nextShare)) {
    const text = `${shown(share)} passed (${passed}); ${shown(nextShare)} waits for approval`;
    return move(
      { ...base, evaluation: evaluated(text) },
      { status: 'awaiting-approval', share: state.share },
      'awaiting-approval',
      text,
      now,
    );
  }
  const text = `${shown(share)} -> ${shown(nextShare)}: ${passed}`;
  return move(
    { ...base, evaluation: evaluated(text) },
    { status: 'ramping', ...enterStep(state, next, nextShare, totals, now) },
    'advance',
    text,
    now,
  );
}

/** What a step still needs before it may pass, in words; undefined when it has enough. */
function shortOfTraffic(ramp: CompiledRamp, share: number, evidence: ReturnType<typeof stepEvidence>) {
  const need = ramp.minRequests;
  if (share === 0)
    return evidence.compared < need ? `${evidence.compared} of ${need} comparisons on this step` : undefined;
  if (evidence.requests.service < need)
    return `${evidence.requests.service} of ${need} requests on the service side`;
  if (share < 100 && evidence.requests.monolith < need)
    return `${evidence.requests.monolith} of ${need} requests on the monolith side`;
  return undefined;
}

export type OperatorAction = 'approve' | 'pause' | 'resume' | 'abort';

/** Why an action does not apply to a ramp in this state. */
export class RampActionRefused extends Error {}

/**
 * An operator's action. approve: enter the step that waits for it. pause: no promotion until
 * resumed. resume: a paused ramp goes on where it was; a failed or aborted one starts again
 * at its first step with fresh evidence. abort: back to the floor at once, stopped.
 */
export function operate(
  route: CompiledRoute,
  state: RampState,
  action: OperatorAction,
  totals: Counters,
  now: number,
  by = 'operator',
): Step {
  const ramp = route.ramp!;
  const floor = route.percent;
  const refuse = (why: string): never => {
    throw new RampActionRefused(`${route.name}: cannot ${action}: ${why}`);
  };
  switch (action) {
    case 'approve': {
      if (state.status !== 'awaiting-approval')
        refuse(`the ramp is ${state.status}, not waiting for approval`);
      const next = state.step + 1;
      const share = ramp.steps[next]!;
      return move(
        state,
        { status: 'ramping', ...enterStep(state, next, share, totals, now) },
        'approved',
        `${shown(state.share)} -> ${shown(share)}: approved by ${by}`,
        now,
      );
    }
    case 'pause':
      if (state.status !== 'ramping' && state.status !== 'awaiting-approval')
        refuse(`the ramp is ${state.status}`);
      return move(
        state,
        { status: 'paused', share: state.share },
        'paused',
        `paused at ${shown(Math.max(floor, state.share))} by ${by}`,
        now,
      );
    case 'resume': {
      if (state.status === 'paused')
        return move(
          state,
          { status: 'ramping', share: state.share },
          'resumed',
          `resumed at ${shown(Math.max(floor, state.share))} by ${by}`,
          now,
        );
      if (state.status !== 'failed' && state.status !== 'aborted')
        refuse(`the ramp is ${state.status}, not paused or stopped`);
      const share = ramp.steps[0]!;
      return move(
        state,
        { status: 'ramping', ...enterStep(state, 0, share, totals, now) },
        'resumed',
        `resumed by ${by}: starts again at ${shown(Math.max(floor, share))}`,
        now,
      );
    }
    case 'abort':
      if (state.status === 'failed' || state.status === 'aborted')
        refuse(`the ramp is already ${state.status}`);
      return move(
        state,
        { status: 'aborted', share: floor, since: now, baseline: baselineOf(totals) },
        'aborted',
        `aborted by ${by}: back to ${shown(floor)}`,
        now,
      );
  }
}
