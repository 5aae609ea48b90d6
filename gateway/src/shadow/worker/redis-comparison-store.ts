import type { Redis } from 'ioredis';
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
} from '../comparison/comparison-store.ts';
import { MemoryComparisonStore } from '../comparison/memory-comparison-store.ts';

export interface RedisStoreOptions extends StoreOptions {
  redis: Redis;
  /** Key prefix, so several Fig installations can share one Redis. */
  prefix?: string;
  /** How often this instance adds its counters to the shared ones. */
  flushIntervalMs?: number;
  onError?: (error: unknown) => void;
}

const toCounters = (hash: Record<string, string>): Counters =>
  new Map(Object.entries(hash).map(([name, value]) => [name, Number(value)]));

/**
 * Several gateway instances feeding one picture: each counts in memory and adds its
 * counters to Redis hashes (HINCRBY) every second, so recording never waits on the network
 * and the shared totals are exact sums. Keys: `<prefix>routes` (set of route names),
 * `<prefix>r:<route>` (counters), `<prefix>r:<route>:timeline` (`<bucket>|<counter>`),
 * `<prefix>r:<route>:examples` (set of fields) and `<prefix>r:<route>:ex:<field>` (lists).
 * The two example keys expire `exampleTtlMs` after the latest example written to them.
 */
export class RedisComparisonStore implements ComparisonStore {
  readonly kind = 'redis' as const;
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #pending: MemoryComparisonStore;
  readonly #shared = new Map<string, Counters>();
  readonly #retentionMs: number;
  readonly #examplesPerField: number;
  readonly #exampleTtlMs: number;
  readonly #now: () => number;
  readonly #timer: NodeJS.Timeout;
  readonly #onError: (error: unknown) => void;
  #flushing: Promise<void> = Promise.resolve();

  constructor(options: RedisStoreOptions) {
    this.#redis = options.redis;
    this.#prefix = options.prefix ?? 'fig:cmp:';
    this.#pending = new MemoryComparisonStore(options);
    this.#retentionMs = options.retentionMs ?? storeDefaults.retentionMs;
    this.#examplesPerField = options.examplesPerField ?? storeDefaults.examplesPerField;
    this.#exampleTtlMs = options.exampleTtlMs ?? storeDefaults.exampleTtlMs;
    this.#now = options.now ?? Date.now;
    this.#onError = options.onError ?? (() => {});
    this.#timer = setInterval(() => void this.flush().catch(this.#onError), options.flushIntervalMs ?? 1000);
    this.#timer.unref();
  }

  #key(route: string, suffix = ''): string {
    return `${this.#prefix}r:${route}${suffix}`;
  }

  add(route: string, counters: CounterDeltas, timeline?: CounterDeltas): void {
    this.#pending.add(route, counters, timeline);
  }

  addExample(route: string, field: string, example: ExamplePair): void {
    this.#pending.addExample(route, field, example);
  }

  merge(states: Map<string, RouteState>): void {
    this.#pending.merge(states);
  }

  current(route: string): Counters {
    const merged = new Map(this.#shared.get(route) ?? []);
    increment(merged, Object.fromEntries(this.#pending.current(route)));
    return merged;
  }

  /** Adds this instance's counters to the shared ones and refreshes its view of them. */
  flush(): Promise<void> {
    // One flush at a time, so counters are never added twice or out of order.
    this.#flushing = this.#flushing.catch(() => {}).then(() => this.#flushNow());
    return this.#flushing;
  }

  async #flushNow(): Promise<void> {
    const drained = this.#pending.drain();
    if (drained.size === 0) return;
    const batch = this.#redis.multi();
    for (const [route, state] of drained) {
      batch.sadd(`${this.#prefix}routes`, route);
      for (const [name, delta] of state.counters) batch.hincrby(this.#key(route), name, delta);
      for (const [bucket, counters] of state.timeline) {
        for (const [name, delta] of counters)
          batch.hincrby(this.#key(route, ':timeline'), `${bucket}|${name}`, delta);
      }
      for (const [field, examples] of state.examples) {
        const key = this.#key(route, `:ex:${field}`);
        batch.sadd(this.#key(route, ':examples'), field);
        batch.lpush(key, ...examples.toReversed().map((example) => JSON.stringify(example)));
        batch.ltrim(key, 0, this.#examplesPerField - 1);
        batch.pexpire(key, this.#exampleTtlMs);
        batch.pexpire(this.#key(route, ':examples'), this.#exampleTtlMs);
      }
      batch.hgetall(this.#key(route));
    }
    let results: [Error | null, unknown][] | null;
    try {
      results = await batch.exec();
    } catch (error) {
      // Redis unreachable: keep the counts for the next flush rather than lose them.
      for (const [route, state] of drained) this.#pending.add(route, Object.fromEntries(state.counters));
      throw error;
    }
    const hashes = (results ?? []).filter(
      ([, value]) => value !== null && typeof value === 'object' && !Array.isArray(value),
    );
    [...drained.keys()].forEach((route, index) => {
      const hash = hashes[index]?.[1] as Record<string, string> | undefined;
      if (hash) this.#shared.set(route, toCounters(hash));
    });
  }

  async snapshot(): Promise<Map<string, RouteState>> {
    try {
      return await this.#sharedSnapshot();
    } catch (error) {
      // Redis away: the picture as this instance last saw it, plus its own counts since.
      this.#onError(error);
      const local = await this.#pending.snapshot();
      const view = new Map<string, RouteState>();
      for (const route of new Set([...this.#shared.keys(), ...local.keys()])) {
        view.set(route, { ...(local.get(route) ?? emptyRouteState()), counters: this.current(route) });
      }
      return view;
    }
  }

  async #sharedSnapshot(): Promise<Map<string, RouteState>> {
    await this.flush();
    const routes = await this.#redis.smembers(`${this.#prefix}routes`);
    const read = this.#redis.pipeline();
    for (const route of routes) {
      read.hgetall(this.#key(route));
      read.hgetall(this.#key(route, ':timeline'));
      read.smembers(this.#key(route, ':examples'));
    }
    const results = (await read.exec()) ?? [];
    const oldest = this.#now() - this.#retentionMs;
    const oldestExample = this.#now() - this.#exampleTtlMs;
    const states = new Map<string, RouteState>();
    const examples = this.#redis.pipeline();
    const wanted: [string, string][] = [];
    const expired = this.#redis.pipeline();
    routes.forEach((route, index) => {
      const [counters, timeline, fields] = results.slice(index * 3, index * 3 + 3).map(([, value]) => value);
      const state = emptyRouteState();
      state.counters = toCounters(counters as Record<string, string>);
      this.#shared.set(route, state.counters);
      for (const [entry, value] of Object.entries(timeline as Record<string, string>)) {
        const [bucket, name] = [
          Number(entry.slice(0, entry.indexOf('|'))),
          entry.slice(entry.indexOf('|') + 1),
        ];
        if (bucket < oldest) {
          expired.hdel(this.#key(route, ':timeline'), entry);
          continue;
        }
        let slot = state.timeline.get(bucket);
        if (!slot) state.timeline.set(bucket, (slot = new Map()));
        slot.set(name, Number(value));
      }
      for (const field of fields as string[]) {
        wanted.push([route, field]);
        examples.lrange(this.#key(route, `:ex:${field}`), 0, this.#examplesPerField - 1);
      }
      states.set(route, state);
    });
    const [lists] = await Promise.all([examples.exec(), expired.length > 0 ? expired.exec() : null]);
    (lists ?? []).forEach(([, value], index) => {
      const [route, field] = wanted[index];
      states.get(route)?.examples.set(
        field,
        (value as string[])
          .map((json) => JSON.parse(json) as ExamplePair)
          // A list lives as long as its newest example; older ones in it are past their time.
          .filter((example) => example.at >= oldestExample),
      );
    });
    return states;
  }

  async reset(route: string): Promise<void> {
    await this.flush();
    const fields = await this.#redis.smembers(this.#key(route, ':examples'));
    await this.#redis.del(
      this.#key(route),
      this.#key(route, ':timeline'),
      this.#key(route, ':examples'),
      ...fields.map((field) => this.#key(route, `:ex:${field}`)),
    );
    await this.#redis.srem(`${this.#prefix}routes`, route);
    this.#shared.delete(route);
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush().catch(this.#onError);
  }
}
