/**
 * Comparison state as plain counters, so instances can add theirs up (in Redis) and one
 * read gives the whole picture. Counter names:
 *   compared, matched, mismatched, noise, noise_probes, dropped|<reason>
 *   diff|<field>, noisediff|<field>                      per-field difference counts
 *   latency|<side>|<bucket>                              compared pairs, per side
 *   requests|<side>, errors|<side>, traffic|<side>|<bucket>  all proxied traffic, per side
 */
export type Counters = Map<string, number>;

/**
 * A differing field side by side. Only fields the route lists in `compare.showValues` keep
 * their values (redacted); the others keep a `ValueSummary` per side (type, length, keyed hash).
 */
export interface ExamplePair {
  at: number;
  method: string;
  /** Path and query parameter names; query values never. */
  url: string;
  /** The exact location; generalised (`items[*]`) when it would carry an array key's value. */
  path: string;
  /** False when `left` and `right` are summaries, not values. */
  shown: boolean;
  left: unknown;
  right: unknown;
  leftSide: string;
  rightSide: string;
  status: [number, number];
}

export interface RouteState {
  counters: Counters;
  /** Time bucket start (ms) -> counters recorded in it. */
  timeline: Map<number, Counters>;
  /** Field -> the latest few example pairs, newest first. */
  examples: Map<string, ExamplePair[]>;
}

/** Amounts to add, by counter name; the store never changes them, so they can be shared. */
export type CounterDeltas = Readonly<Record<string, number>>;

export interface ComparisonStore {
  readonly kind: 'memory' | 'redis';
  /** Adds to a route's counters; those in `timeline` also to the current time bucket. */
  add(route: string, counters: CounterDeltas, timeline?: CounterDeltas): void;
  addExample(route: string, field: string, example: ExamplePair): void;
  /** Adds states recorded elsewhere (another thread), keeping their time buckets. */
  merge(states: Map<string, RouteState>): void;
  /** The counters this instance can decide with right now (shared ones as last seen, plus its own). */
  current(route: string): Counters;
  snapshot(): Promise<Map<string, RouteState>>;
  reset(route: string): Promise<void>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** Width of a timeline bucket. */
  bucketMs?: number;
  /** How long timeline buckets are kept. */
  retentionMs?: number;
  examplesPerField?: number;
  /** How long an example is kept (Redis expires its keys; memory drops it when read). */
  exampleTtlMs?: number;
  now?: () => number;
}

export const storeDefaults = {
  bucketMs: 10_000,
  retentionMs: 30 * 60_000,
  examplesPerField: 3,
  exampleTtlMs: 24 * 3600_000,
};

export function increment(counters: Counters, deltas: CounterDeltas): void {
  // `for...in`, not Object.entries: this runs for every proxied answer.
  for (const name in deltas) counters.set(name, (counters.get(name) ?? 0) + deltas[name]!);
}

export function emptyRouteState(): RouteState {
  return { counters: new Map(), timeline: new Map(), examples: new Map() };
}

/** Keeps everything in this process: the default, and the right choice for a single gateway. */
export class MemoryComparisonStore implements ComparisonStore {
  readonly kind = 'memory' as const;
  readonly #routes = new Map<string, RouteState>();
  readonly #bucketMs: number;
  readonly #retentionMs: number;
  readonly #examplesPerField: number;
  readonly #exampleTtlMs: number;
  readonly #now: () => number;

  constructor(options: StoreOptions = {}) {
    this.#bucketMs = options.bucketMs ?? storeDefaults.bucketMs;
    this.#retentionMs = options.retentionMs ?? storeDefaults.retentionMs;
    this.#examplesPerField = options.examplesPerField ?? storeDefaults.examplesPerField;
    this.#exampleTtlMs = options.exampleTtlMs ?? storeDefaults.exampleTtlMs;
    this.#now = options.now ?? Date.now;
  }

  #route(route: string): RouteState {
    let state = this.#routes.get(route);
    if (!state) this.#routes.set(route, (state = emptyRouteState()));
    return state;
  }

  add(route: string, counters: CounterDeltas, timeline?: CounterDeltas): void {
    const state = this.#route(route);
    increment(state.counters, counters);
    if (!timeline) return;
    const now = this.#now();
    const bucket = now - (now % this.#bucketMs);
    let slot = state.timeline.get(bucket);
    if (!slot) {
      state.timeline.set(bucket, (slot = new Map()));
      for (const start of state.timeline.keys()) {
        if (start < now - this.#retentionMs) state.timeline.delete(start);
      }
    }
    increment(slot, timeline);
  }

  addExample(route: string, field: string, example: ExamplePair): void {
    const examples = this.#route(route).examples;
    examples.set(field, [example, ...(examples.get(field) ?? [])].slice(0, this.#examplesPerField));
  }

  merge(states: Map<string, RouteState>): void {
    for (const [route, incoming] of states) {
      const state = this.#route(route);
      increment(state.counters, Object.fromEntries(incoming.counters));
      for (const [bucket, counters] of incoming.timeline) {
        let slot = state.timeline.get(bucket);
        if (!slot) state.timeline.set(bucket, (slot = new Map()));
        increment(slot, Object.fromEntries(counters));
      }
      for (const [field, examples] of incoming.examples) {
        for (const example of examples.toReversed()) this.addExample(route, field, example);
      }
    }
  }

  current(route: string): Counters {
    return this.#routes.get(route)?.counters ?? new Map();
  }

  async snapshot(): Promise<Map<string, RouteState>> {
    const oldest = this.#now() - this.#exampleTtlMs;
    for (const state of this.#routes.values()) {
      for (const [field, examples] of state.examples) {
        const kept = examples.filter((example) => example.at >= oldest);
        if (kept.length === 0) state.examples.delete(field);
        else if (kept.length < examples.length) state.examples.set(field, kept);
      }
    }
    return this.#routes;
  }

  /** Everything recorded so far, handed over (used to flush into a shared store). */
  drain(): Map<string, RouteState> {
    const drained = new Map(this.#routes);
    this.#routes.clear();
    return drained;
  }

  async reset(route: string): Promise<void> {
    this.#routes.delete(route);
  }

  async close(): Promise<void> {}
}
