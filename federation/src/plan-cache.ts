import type { QueryPlan } from '@apollo/query-planner';

/**
 * Query plans by operation and override-label combination. Bounded, least recently used out
 * first: a plan is cheap to keep and costly to rebuild, but clients can send endless variants.
 */
export class PlanCache {
  readonly #plans = new Map<string, QueryPlan>();
  readonly #max: number;

  constructor(max = 2000) {
    this.#max = max;
  }

  get(key: string): QueryPlan | undefined {
    const plan = this.#plans.get(key);
    if (plan) {
      this.#plans.delete(key);
      this.#plans.set(key, plan);
    }
    return plan;
  }

  set(key: string, plan: QueryPlan) {
    this.#plans.set(key, plan);
    if (this.#plans.size > this.#max) this.#plans.delete(this.#plans.keys().next().value!);
  }

  get size() {
    return this.#plans.size;
  }
}
