import type { CompiledRules, CompiledUpstream } from '@fig/routing-rules';
import { type Dispatcher, Pool } from 'undici';

interface Entry {
  pool: Pool;
  /** What the pool was built with: a change means a new pool. */
  shape: string;
}

// Requests that started on older rules may still reach a replaced pool for a moment.
const retireAfterMs = 60_000;

/**
 * One undici keep-alive pool per upstream origin, with the upstream's connection bound.
 * Reconciled on every rules swap: unchanged upstreams keep their warm connections, changed or
 * removed ones are retired after the grace period.
 */
export class UpstreamPools {
  readonly #byOrigin = new Map<string, Entry>();
  /** The same entries by upstream URL as the rules spell it: no URL parsing per request. */
  #byUrl = new Map<string, Entry>();
  readonly #retiring = new Set<NodeJS.Timeout>();

  constructor(rules: CompiledRules) {
    this.reconcile(rules);
  }

  reconcile(rules: CompiledRules): void {
    const wanted = new Set<string>();
    const byUrl = new Map<string, Entry>();
    for (const upstream of rules.upstreams.values()) {
      const origin = new URL(upstream.url).origin;
      const shape = `${upstream.connections}|${upstream.connectTimeoutMs}`;
      // Two names, one server: one pool, shaped by the first.
      if (!wanted.has(origin)) {
        wanted.add(origin);
        const existing = this.#byOrigin.get(origin);
        if (existing?.shape !== shape) {
          if (existing) this.#retire(existing.pool);
          this.#byOrigin.set(origin, { pool: this.#createPool(origin, upstream), shape });
        }
      }
      byUrl.set(upstream.url, this.#byOrigin.get(origin)!);
    }
    this.#byUrl = byUrl;
    for (const [origin, entry] of this.#byOrigin) {
      if (wanted.has(origin)) continue;
      const timer = setTimeout(() => {
        this.#retiring.delete(timer);
        if (this.#byOrigin.get(origin) === entry) this.#byOrigin.delete(origin);
        entry.pool.close().catch(() => undefined);
      }, retireAfterMs);
      timer.unref();
      this.#retiring.add(timer);
    }
  }

  /**
   * Sends one request to the upstream's pool. A request that started on older rules may name
   * an origin those rules had; its pool is kept for a grace period after a swap.
   */
  dispatch(
    upstream: CompiledUpstream,
    options: Dispatcher.DispatchOptions,
    handler: Dispatcher.DispatchHandler,
  ): void {
    const entry = this.#byUrl.get(upstream.url) ?? this.#byOrigin.get(new URL(upstream.url).origin);
    if (entry === undefined) {
      const error = Object.assign(new Error(`no pool for ${upstream.url}`), { code: 'ENOTFOUND' });
      handler.onResponseError?.(undefined as never, error);
      return;
    }
    entry.pool.dispatch(options, handler);
  }

  stats(): Record<string, { connected: number; running: number; pending: number }> {
    const stats: Record<string, { connected: number; running: number; pending: number }> = {};
    for (const [origin, { pool }] of this.#byOrigin) {
      stats[origin] = {
        connected: pool.stats.connected,
        running: pool.stats.running,
        pending: pool.stats.pending,
      };
    }
    return stats;
  }

  async close(): Promise<void> {
    for (const timer of this.#retiring) clearTimeout(timer);
    await Promise.all([...this.#byOrigin.values()].map(({ pool }) => pool.destroy()));
    this.#byOrigin.clear();
  }

  #createPool(origin: string, upstream: CompiledUpstream): Pool {
    return new Pool(origin, {
      connections: upstream.connections,
      // Pipelining would let one slow response hold up others queued behind it.
      pipelining: 1,
      keepAliveTimeout: 10_000,
      keepAliveMaxTimeout: 60_000,
      connect: { timeout: upstream.connectTimeoutMs },
    });
  }

  #retire(pool: Pool): void {
    const timer = setTimeout(() => {
      this.#retiring.delete(timer);
      pool.close().catch(() => undefined);
    }, retireAfterMs);
    timer.unref();
    this.#retiring.add(timer);
  }
}
