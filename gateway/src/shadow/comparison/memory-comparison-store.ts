import {
  type ComparisonStore,
  type CounterDeltas,
  type Counters,
  emptyRouteState,
  type ExamplePair,
  increment,
  type RouteState,
  type StoreOptions,
  storeDefaults,
} from './comparison-store.ts';

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
