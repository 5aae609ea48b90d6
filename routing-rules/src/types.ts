/** A problem found in a rules file, located so an operator can jump to it. */
export interface RuleProblem {
  message: string;
  /** JSON-pointer-like location inside the document, e.g. `/routes/2/percent`. */
  path: string;
  line?: number;
  column?: number;
  source?: string;
}

export type AuthMode = 'required' | 'optional' | 'none';
export type StickyMode = 'subject' | 'ip' | 'none' | `header:${string}`;
export type Side = 'service' | 'monolith';

export interface RateLimit {
  max: number;
  windowMs: number;
  by: 'subject' | 'ip';
}

export interface CompiledUpstream {
  name: string;
  url: string;
  connectTimeoutMs: number;
  /** Time allowed until the upstream's response headers arrive. */
  timeoutMs: number;
  /** Time allowed between body chunks, both ways. */
  bodyTimeoutMs: number;
  connections: number;
  retries: number;
  /** Answers requests marked `x-fig-dry-run: 1` without side effects: writes may be shadowed to it. */
  dryRun: boolean;
  breaker: {
    volumeThreshold: number;
    errorThresholdPercentage: number;
    resetTimeoutMs: number;
    rollingWindowMs: number;
  };
}

/** A route's `compare:` block: how its shadowed answers are compared. */
export interface RouteCompare {
  ignore?: readonly string[];
  headers?: readonly string[];
  arrayKeys?: Readonly<Record<string, string>>;
  methods?: readonly string[];
  /** Field paths whose differing values are kept as examples; others only as type, length and hash. */
  showValues?: readonly string[];
  noiseSample?: number;
  thresholds?: { relative?: number; absolute?: number };
}

/** A route's `ramp:` block, compiled: shares are fractions 0..1, durations milliseconds. */
export interface CompiledRamp {
  /** Shares in percent, strictly increasing, each above the route's `percent`. */
  steps: readonly number[];
  intervalMs: number;
  minDurationMs: number;
  maxDurationMs: number;
  minRequests: number;
  gates: {
    errorRate?: { max?: number; maxIncrease?: number; critical: number };
    latency?: { p99Increase: number };
    mismatches?: { max: number };
  };
  /** Steps entered only once a person approves. */
  approve: readonly number[];
  /**
   * Hash of the ramp and the route's floor (12 hex digits): the runtime state belongs to one
   * ramp, so changing the ramp in the file starts it again from its floor.
   */
  id: string;
}

export interface CompiledRoute {
  name: string;
  /** Prefix on a segment boundary; `/` matches everything. */
  path: string;
  methods?: readonly string[];
  service?: string;
  upstream?: string;
  /** Share sent to `service`, 0..100 with at most two decimals. */
  percent: number;
  /**
   * The effective share × 100: a request goes to the service when its bucket is below this.
   * `percent × 100`, or more while a ramp holds a higher step (effective-shares.ts).
   */
  threshold: number;
  /** The autopilot for this route's share, when it has one. */
  ramp?: CompiledRamp;
  sticky: StickyMode;
  shadow?: number;
  compare?: RouteCompare;
  auth: AuthMode;
  /** Token scopes a request on this route needs. */
  scopes?: readonly string[];
  rateLimit: RateLimit;
  /** Largest request body in bytes. */
  bodyLimit: number;
  /** True for the default route unmatched paths get: the monolith with `defaults`. */
  implicit: boolean;
}

export interface CompiledRules {
  /** Short hash of the effective rules (comments and formatting do not change it). */
  version: string;
  source?: string;
  upstreams: ReadonlyMap<string, CompiledUpstream>;
  defaults: { auth: AuthMode; rateLimit: RateLimit; sticky: StickyMode; bodyLimit: number };
  routes: readonly CompiledRoute[];
  byName: ReadonlyMap<string, CompiledRoute>;
  /** The implicit route unmatched paths get: the monolith with `defaults`. */
  fallback: CompiledRoute;
  /** The route for a normalised path: longest matching prefix whose methods allow `method`. */
  match(method: string, path: string): CompiledRoute;
}

export type RulesResult = { ok: true; rules: CompiledRules } | { ok: false; problems: RuleProblem[] };
