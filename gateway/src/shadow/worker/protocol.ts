// What the main thread (plugin/shadow-worker-client.ts) and the shadow worker
// (shadow-worker.ts) say to each other: the worker's settings, and every message either way.
import type { Side } from '@fig/routing-rules';
import type { CompareOptions } from '../comparison/compare-options.ts';
import type { ShadowMetrics, Labels } from '../comparison/comparison-metrics.ts';
import type { TimedResponse } from '../comparison/comparison-recorder.ts';
import type { RouteState } from '../comparison/comparison-store.ts';
import type { ShadowLimits } from './shadow-limits.ts';

/** The worker's `workerData`. */
export interface WorkerSettings {
  limits: ShadowLimits;
  bucketMs: number;
  redisUrl?: string;
}

export interface ShadowTarget {
  side: Side;
  /** Upstream origin, e.g. `http://127.0.0.1:5003`. */
  origin: string;
  /** The upstream declares `dryRun: true`: it answers a write marked `x-fig-dry-run` without doing it. */
  dryRun: boolean;
}

/** A request to send to the other side and compare; its buffers are transferred, not copied. */
export interface ShadowJob {
  route: string;
  options: CompareOptions;
  method: string;
  /** Path and query as sent upstream. */
  url: string;
  /** Request headers as sent upstream. */
  headers: Record<string, string | string[] | undefined>;
  body?: Buffer;
  /** The side that served the client, with its captured answer. */
  primary: TimedResponse & { origin: string };
  /** The side that did not. */
  target: ShadowTarget;
  /** With tracing on: the client request's server span, which the shadow's own trace links to. */
  trace?: { trace_id: string; span_id: string };
}

/** A metric operation recorded in the worker, applied to the main thread's registry. */
export type MetricOp = [metric: keyof ShadowMetrics, labels: Labels | undefined, value: number];

export type ToWorker =
  | { type: 'jobs'; jobs: ShadowJob[] }
  /** Counts the main thread recorded (traffic per side, shadows it did not send). */
  | { type: 'merge'; states: Map<string, RouteState> }
  | WorkerQuestion;

/** The messages the worker answers with a `reply` of the same id. */
export type WorkerQuestion =
  | { type: 'snapshot'; id: number }
  | { type: 'reset'; id: number; route: string }
  | { type: 'close'; id: number };

export type FromWorker =
  | { type: 'reply'; id: number; snapshot?: Map<string, RouteState>; error?: string }
  | { type: 'state'; inFlight: number; queued: number; ops: MetricOp[] }
  /** The worker has taken this many jobs off its port (the main thread's backlog bound). */
  | { type: 'taken'; jobs: number }
  | { type: 'error'; message: string };
