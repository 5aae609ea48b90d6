import type { CompiledRules, CompiledUpstream } from '@fig/routing-rules';
import { type Dispatcher, Pool } from 'undici';

interface Entry {
  pool: Pool;
  upstream: CompiledUpstream;
  shape: string;
}

type RequestOptions = Dispatcher.RequestOptions & { origin?: string };
type RequestCallback = (error: Error | null, data: Dispatcher.ResponseData) => void;

// Requests that started on older rules may still reach a replaced pool for a moment.
const retireAfterMs = 60_000;

/**
 * One undici keep-alive pool per upstream origin, with the upstream's connection bound and
 * timeouts. Handed to @fastify/reply-from as its dispatcher: reply-from passes the origin, this
 * picks the pool and applies the per-upstream headers/body timeouts (undici aborts the upstream
 * request when one fires). Reconciled on every rules swap: unchanged upstreams keep their
 * warm connections, changed or removed ones are retired after the grace period.
 */
export class UpstreamPools {
  readonly #byOrigin = new Map<string, Entry>();
  readonly #retiring = new Set<NodeJS.Timeout>();

  constructor(rules: CompiledRules) {
    this.reconcile(rules);
  }

  reconcile(rules: CompiledRules): void {
    const wanted = new Set<string>();
    for (const upstream of rules.upstreams.values()) {
      const origin = new URL(upstream.url).origin;
      if (wanted.has(origin)) continue; // two names, one server: one pool
      wanted.add(origin);
      const shape = `${upstream.connections}|${upstream.connectTimeoutMs}`;
      const existing = this.#byOrigin.get(origin);
      if (existing && existing.shape === shape) {
        existing.upstream = upstream;
        continue;
      }
      if (existing) this.#retire(existing.pool);
      this.#byOrigin.set(origin, { pool: this.#createPool(origin, upstream), upstream, shape });
    }
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

  /** The `request` reply-from calls (it treats any object with one as an undici dispatcher). */
  request(options: RequestOptions, callback: RequestCallback): void {
    const entry = this.#byOrigin.get(options.origin as string);
    if (entry === undefined) {
      callback(
        Object.assign(new Error(`no pool for ${options.origin}`), { code: 'ENOTFOUND' }),
        undefined as never,
      );
      return;
    }
    options.headersTimeout = entry.upstream.timeoutMs;
    options.bodyTimeout = entry.upstream.bodyTimeoutMs;
    entry.pool.request(options, callback);
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
