export interface VerdictInput {
  hasService: boolean;
  percent: number;
  /** The route's shadow share, 0 when shadowing is off. */
  shadow: number;
  compared: number;
  /** (matched + noise) / compared, 0..1. */
  matchRate: number;
  /** The worst real difference, if any. */
  worstField?: { field: string; rate: number };
  p99: { monolith?: number; service?: number };
  errorRate: { monolith?: number; service?: number };
}

export interface Verdict {
  state: 'ready' | 'hold' | 'collecting' | 'done' | 'monolith-only';
  text: string;
}

/** The steps operators usually take when raising a route's share. */
const ladder = [1, 5, 10, 25, 50, 100];
/** Below this many comparisons a match rate says little. */
export const minComparisons = 100;
/** The service may be this much slower at p99 before it holds a route back. */
const latencyTolerance = 1.5;
const latencySlackMs = 20;
/** Percentage points of extra 5xx the service may have. */
const errorSlack = 0.01;

const count = new Intl.NumberFormat('en-US');
const percent = (rate: number) => `${(Math.floor(rate * 1000) / 10).toFixed(1)}%`;
const ms = (value: number | undefined) => (value === undefined ? 'n/a' : `${Math.round(value)} ms`);
/** A field as people say it: `amount_cents`, `HTTP status`, `header etag`. */
export const fieldName = (field: string) =>
  field === 'status'
    ? 'HTTP status'
    : field.startsWith('headers.')
      ? `header ${field.slice(8)}`
      : field.replace(/^body\./, '');

/**
 * A plain sentence an operator can act on: raise the percentage, hold it (and why), or
 * wait for more evidence.
 */
export function verdict(input: VerdictInput): Verdict {
  if (!input.hasService)
    return { state: 'monolith-only', text: 'monolith only: no service takes this route' };
  const latency = `p99 ${ms(input.p99.service)} vs monolith ${ms(input.p99.monolith)}`;
  if (input.worstField) {
    return {
      state: 'hold',
      text: `hold: ${fieldName(input.worstField.field)} differs in ${percent(input.worstField.rate)}`,
    };
  }
  const { monolith: monolithErrors = 0, service: serviceErrors } = input.errorRate;
  if (serviceErrors !== undefined && serviceErrors > monolithErrors + errorSlack) {
    return {
      state: 'hold',
      text: `hold: service errors ${percent(serviceErrors)} vs monolith ${percent(monolithErrors)}`,
    };
  }
  if (input.compared === 0 && input.shadow === 0) {
    return { state: 'collecting', text: 'no evidence: shadowing is off for this route (set shadow: N)' };
  }
  if (input.compared < minComparisons) {
    return {
      state: 'collecting',
      text: `collecting: ${count.format(input.compared)} of ${minComparisons} comparisons`,
    };
  }
  // Only judged on enough comparisons: a p99 of a few dozen answers is one slow answer.
  const { monolith, service } = input.p99;
  if (
    monolith !== undefined &&
    service !== undefined &&
    service > monolith * latencyTolerance &&
    service > monolith + latencySlackMs
  ) {
    return { state: 'hold', text: `hold: service slower, ${latency}` };
  }
  const evidence = `${percent(input.matchRate)} match over ${count.format(input.compared)} comparisons, ${latency}`;
  const next = ladder.find((step) => step > input.percent);
  if (next === undefined) return { state: 'done', text: `done: service serves 100%, ${evidence}` };
  return { state: 'ready', text: `ready for ${next}%: ${evidence}` };
}
