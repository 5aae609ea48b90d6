export interface ShadowLimits {
  /** Shadow requests in flight at once. */
  concurrency: number;
  /** Shadow requests waiting for a slot; more are dropped. */
  queue: number;
  /** Shadow jobs the main thread holds before the worker has taken them; more are dropped. */
  backlog: number;
  /** Largest body captured and compared, either side, in bytes. */
  maxBodyBytes: number;
  /** Time allowed for a shadow's answer to start, and between its body chunks. */
  timeoutMs: number;
  /** Every route's first noise probes are always taken, so noise is known before differences count. */
  warmupProbes: number;
  /** How long example pairs are kept. */
  exampleTtlMs: number;
  /**
   * Key of the hashes that stand in for hidden example values; the same on every instance that
   * shares comparisons. Random per process when not set. Never reported.
   */
  hashKey?: string;
}

export const shadowDefaults: ShadowLimits = {
  concurrency: 16,
  queue: 256,
  backlog: 256,
  maxBodyBytes: 1024 * 1024,
  timeoutMs: 5000,
  warmupProbes: 20,
  exampleTtlMs: 24 * 3600_000,
};
