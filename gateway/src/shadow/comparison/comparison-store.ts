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
  /** With tracing on: the trace of the client's request and of its shadow, for the dashboard's links. */
  traces?: { primary: string; shadow: string };
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
