import type { Side } from '@fig/routing-rules';
import type { CompareOptions } from './compare-options.ts';
import { type CapturedResponse, compareResponses } from './compare-responses.ts';
import type { ShadowMetrics } from './comparison-metrics.ts';
import type { ComparisonStore, CounterDeltas } from './comparison-store.ts';
import { ExampleValues } from './example-values.ts';
import type { Difference } from './json-diff.ts';
import { latencyBounds, latencyBucket } from './latency-histogram.ts';
import { otherSet, setCounter } from './field-tallies.ts';
import { classifyField, type FieldVerdict } from './noise-filter.ts';
import { redactUrl } from './redact.ts';

export type Outcome = 'matched' | 'mismatched' | 'noise';

/**
 * The counter deltas of one proxied answer depend only on its side, whether it was an error
 * and its latency bucket: built once each and reused, since this runs for every request.
 */
function trafficDeltasFor(side: Side) {
  const requests = `requests|${side}`;
  const errors = `errors|${side}`;
  return {
    /** By error (0, 1), then latency bucket. */
    counters: [0, 1].map((error) =>
      latencyBounds.map((_, bucket): CounterDeltas =>
        Object.freeze({ [requests]: 1, [errors]: error, [`traffic|${side}|${bucket}`]: 1 }),
      ),
    ),
    /** By error (0, 1). */
    timeline: [0, 1].map((error): CounterDeltas => Object.freeze({ [requests]: 1, [errors]: error })),
  };
}
const trafficDeltas = { monolith: trafficDeltasFor('monolith'), service: trafficDeltasFor('service') };

/** One answer and how long it took. */
export interface TimedResponse {
  side: Side;
  response: CapturedResponse;
  ms: number;
}

export interface ComparisonInput {
  route: string;
  options: CompareOptions;
  method: string;
  url: string;
  /** The answer the client got. */
  primary: TimedResponse;
  /** The other side's answer to the same request. */
  shadow: TimedResponse;
  /** The serving side asked again, when this request was sampled for noise. */
  noiseProbe?: CapturedResponse;
  /** With tracing on: the trace ids of the client's request and of the shadow. */
  traces?: { primary: string; shadow: string };
}

export interface ComparisonResult {
  outcome: Outcome;
  differences: (Difference & { verdict: FieldVerdict })[];
}

// Distinct fields tracked per route: enough for any real API, bounded against a body whose
// keys are ids (which would otherwise grow the state and the metric labels without end).
const maxFieldsPerRoute = 200;
// Distinct sets of differing fields counted per route (field-tallies.ts); the same bound's reason.
const maxSetsPerRoute = 100;
const overflowField = '(other fields)';

const uniqueFields = (differences: Difference[]) => [...new Set(differences.map((d) => d.field))];

export class ComparisonRecorder {
  readonly #store: ComparisonStore;
  readonly #metrics?: ShadowMetrics;
  readonly #values: ExampleValues;

  /** `hashKey`: the key of the hashes that stand in for hidden values (random when not given). */
  constructor(store: ComparisonStore, metrics?: ShadowMetrics, hashKey?: string) {
    this.#store = store;
    this.#metrics = metrics;
    this.#values = new ExampleValues(hashKey);
  }

  /** Fields this instance has seen per route: cheap to consult on every comparison. */
  readonly #fields = new Map<string, Set<string>>();
  /** Sets of differing fields this instance has counted per route. */
  readonly #sets = new Map<string, Set<string>>();

  #setCounter(route: string, fields: string[]): string {
    let known = this.#sets.get(route);
    if (!known) this.#sets.set(route, (known = new Set()));
    const name = setCounter(fields);
    if (known.has(name) || known.size < maxSetsPerRoute) {
      known.add(name);
      return name;
    }
    return setCounter([otherSet]);
  }

  #bounded(route: string, differences: Difference[]): Difference[] {
    let known = this.#fields.get(route);
    if (!known) this.#fields.set(route, (known = new Set()));
    return differences.map((difference) => {
      if (known.has(difference.field) || known.size < maxFieldsPerRoute) {
        known.add(difference.field);
        return difference;
      }
      return { ...difference, field: overflowField };
    });
  }

  /**
   * Compares the two answers, learns from the noise probe, and records the outcome: a
   * comparison is mismatched when any differing field is a real difference, noise when
   * every differing field is noise, matched when nothing differs.
   */
  record(input: ComparisonInput): ComparisonResult {
    const { route, options, primary, shadow } = input;
    const differences = this.#bounded(route, compareResponses(primary.response, shadow.response, options));
    const counters: Record<string, number> = { compared: 1 };
    const fields = uniqueFields(differences);
    for (const field of fields) counters[`diff|${field}`] = 1;
    // Which fields differed together, so the comparison can be labelled again as noise is learnt.
    const set = fields.length > 0 ? this.#setCounter(route, fields) : undefined;
    if (set) counters[set] = 1;
    if (input.noiseProbe) {
      counters.noise_probes = 1;
      const noise = this.#bounded(route, compareResponses(primary.response, input.noiseProbe, options));
      for (const field of uniqueFields(noise)) counters[`noisediff|${field}`] = 1;
      this.#metrics?.noiseProbes.inc({ route });
    }
    for (const side of [primary, shadow]) {
      counters[`latency|${side.side}|${latencyBucket(side.ms)}`] = 1;
      this.#metrics?.latency.observe({ route, side: side.side }, side.ms / 1000);
    }
    this.#store.add(route, counters);

    const totals = this.#store.current(route);
    const count = (name: string) => totals.get(name) ?? 0;
    const classified = differences.map((difference) => ({
      ...difference,
      verdict: classifyField(
        {
          differences: count(`diff|${difference.field}`),
          compared: count('compared'),
          noiseDifferences: count(`noisediff|${difference.field}`),
          noiseProbes: count('noise_probes'),
        },
        options,
      ),
    }));
    const outcome: Outcome =
      classified.length === 0
        ? 'matched'
        : classified.some((d) => d.verdict === 'real')
          ? 'mismatched'
          : 'noise';
    // The outcome as judged now, for the metrics; reports label comparisons again from their sets.
    this.#store.add(route, { [outcome]: 1 }, { compared: 1, [outcome]: 1, ...(set && { [set]: 1 }) });
    this.#metrics?.comparisons.inc({ route, outcome });

    const url = redactUrl(input.url);
    const status: [number, number] = [primary.response.status, shadow.response.status];
    const recorded = new Set<string>();
    for (const difference of classified) {
      this.#metrics?.fieldDifferences.inc({ route, field: difference.field, verdict: difference.verdict });
      if (recorded.has(difference.field)) continue;
      recorded.add(difference.field);
      const shown = ExampleValues.shown(difference.field, options.showValues);
      this.#store.addExample(route, difference.field, {
        at: Date.now(),
        method: input.method,
        url,
        // `items[sku=A-1]` carries a value of the body: generalise it when values are hidden.
        path: shown || !difference.path.includes('=') ? difference.path : difference.field,
        shown,
        left: this.#values.value(difference.path, difference.left, shown),
        right: this.#values.value(difference.path, difference.right, shown),
        leftSide: primary.side,
        rightSide: shadow.side,
        status,
        ...(input.traces ? { traces: input.traces } : {}),
      });
    }
    return { outcome, differences: classified };
  }

  /** Noise probes recorded for a route so far (shared ones as last seen). */
  noiseProbes(route: string): number {
    return this.#store.current(route).get('noise_probes') ?? 0;
  }

  /** A shadow that could not be compared (queue full, timeout, body over the cap, ...). */
  dropped(route: string, reason: string): void {
    this.#store.add(route, { [`dropped|${reason}`]: 1 }, { dropped: 1 });
    this.#metrics?.dropped.inc({ route, reason });
  }

  /** Every proxied answer, so the dashboard shows requests, errors and latency per side. */
  traffic(route: string, side: Side, status: number, ms: number): void {
    const error = status >= 500 ? 1 : 0;
    const deltas = trafficDeltas[side];
    this.#store.add(route, deltas.counters[error]![latencyBucket(ms)]!, deltas.timeline[error]!);
  }
}
