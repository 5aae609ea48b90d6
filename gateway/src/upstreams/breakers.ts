import type { CompiledRules, CompiledUpstream } from '@fig/routing-rules';
import CircuitBreaker from 'opossum';
import type { GatewayMetrics } from '../metrics.ts';
import { ClientAbandoned } from '../proxy/failure.ts';

export type BreakerState = 'closed' | 'half-open' | 'open';

type Attempt<T> = () => Promise<T>;

const stateValue: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

function stateOf(breaker: CircuitBreaker): BreakerState {
  if (breaker.opened) return 'open';
  return breaker.halfOpen ? 'half-open' : 'closed';
}

/**
 * One opossum breaker per upstream. The breaker runs whatever attempt it is given, so one
 * breaker covers every route to that upstream. It only opens after `volumeThreshold` calls in
 * the rolling window; attempts reject only for upstream faults (connection errors, timeouts,
 * 5xx), so 4xx answers never count. When open it lets one probe through after `resetTimeout`
 * (half-open) and closes again when that probe succeeds.
 */
export class UpstreamBreakers {
  readonly #breakers = new Map<string, { breaker: CircuitBreaker; shape: string }>();
  readonly #metrics: GatewayMetrics;
  readonly #listeners: Array<(upstream: string, state: BreakerState) => void> = [];

  constructor(rules: CompiledRules, metrics: GatewayMetrics) {
    this.#metrics = metrics;
    this.reconcile(rules);
  }

  fire<T>(upstream: string, attempt: Attempt<T>): Promise<T> {
    const entry = this.#breakers.get(upstream);
    return entry ? (entry.breaker.fire(attempt) as Promise<T>) : attempt();
  }

  /** Called on every breaker transition; used by the dashboard's event log. */
  onStateChange(listener: (upstream: string, state: BreakerState) => void): void {
    this.#listeners.push(listener);
  }

  state(upstream: string): BreakerState | undefined {
    const entry = this.#breakers.get(upstream);
    return entry && stateOf(entry.breaker);
  }

  states(): Record<string, BreakerState> {
    return Object.fromEntries([...this.#breakers].map(([name, { breaker }]) => [name, stateOf(breaker)]));
  }

  reconcile(rules: CompiledRules): void {
    for (const upstream of rules.upstreams.values()) {
      const shape = JSON.stringify(upstream.breaker);
      const existing = this.#breakers.get(upstream.name);
      if (existing?.shape === shape) continue;
      existing?.breaker.shutdown();
      this.#breakers.set(upstream.name, { breaker: this.#create(upstream), shape });
    }
    for (const [name, { breaker }] of this.#breakers) {
      if (rules.upstreams.has(name)) continue;
      breaker.shutdown();
      this.#breakers.delete(name);
      this.#metrics.breakerState.remove({ upstream: name });
    }
  }

  close(): void {
    for (const { breaker } of this.#breakers.values()) breaker.shutdown();
    this.#breakers.clear();
  }

  #create(upstream: CompiledUpstream): CircuitBreaker {
    const breaker = new CircuitBreaker((attempt: Attempt<unknown>) => attempt(), {
      // The pools enforce the upstream's own timeouts and abort the request; no second clock.
      timeout: false,
      volumeThreshold: upstream.breaker.volumeThreshold,
      errorThresholdPercentage: upstream.breaker.errorThresholdPercentage,
      resetTimeout: upstream.breaker.resetTimeoutMs,
      rollingCountTimeout: upstream.breaker.rollingWindowMs,
      rollingCountBuckets: 10,
      rollingPercentilesEnabled: false,
      // A client that walks away says nothing about the upstream (opossum counts it as a success).
      errorFilter: (error: unknown) => error instanceof ClientAbandoned,
      name: upstream.name,
    });
    const publish = () =>
      this.#metrics.breakerState.set({ upstream: upstream.name }, stateValue[stateOf(breaker)]);
    const transition = () => {
      publish();
      for (const listener of this.#listeners) listener(upstream.name, stateOf(breaker));
    };
    breaker.on('open', transition);
    breaker.on('halfOpen', transition);
    breaker.on('close', transition);
    publish();
    return breaker;
  }
}
