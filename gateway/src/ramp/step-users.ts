import { hash as digest } from 'node:crypto';
import { type CompiledRoute, type Requester, type Side, stickyKey } from '@fig/routing-rules';
import type { Redis } from 'ioredis';

/** Distinct users per side. */
export type SideCounts = Record<Side, number>;

/** The steps whose users are counted now: route -> step id (random per step). */
export type CountedSteps = ReadonlyMap<string, string>;

/** Users seen per side on one step, as the split check needs them. */
export interface StepUserCounts extends SideCounts {
  /** Counted by Redis HyperLogLogs: estimates within about 1% (docs/migration-autopilot.md). */
  approximate: boolean;
}

const sides: Side[] = ['service', 'monolith'];

// A pending batch larger than this is sent at once rather than at the next flush.
const maxPending = 20_000;

/**
 * Counts the distinct users (sticky keys) each side of a ramping route serves on the current
 * step, so the split is judged on users, not requests: a few heavy users must not make a
 * sound split look broken. A key is never kept in clear: it is hashed (SHA-256) with the step's
 * id, a random value that changes with every step, so counts of two steps cannot be joined
 * either. Noting a user only adds the hash to an in-process batch; batches go out once a
 * tick (`flush`).
 */
export abstract class StepUsers {
  #steps: CountedSteps = new Map();
  protected pending = new Map<string, Set<string>>();
  #size = 0;

  /** The steps to count for (the controller, whenever states or rules change). */
  count(steps: CountedSteps): void {
    this.#steps = steps;
  }

  protected get steps(): CountedSteps {
    return this.#steps;
  }

  /** A proxied request: its user counted when the route's ramp counts users now. Hot path. */
  note(route: CompiledRoute, side: Side, who: Requester): void {
    const stepId = this.#steps.get(route.name);
    if (stepId === undefined) return;
    const key = stickyKey(route, who);
    if (key === undefined) return;
    this.#add(route.name, stepId, side, key);
  }

  #add(route: string, stepId: string, side: Side, key: string): void {
    // The step's random id and the key through one-shot SHA-256, at a fraction of an HMAC's
    // cost per request: no user id leaves the process, and a HyperLogLog keeps only registers
    // derived from what it is given, never the hashes themselves.
    const hash = digest('sha256', `${stepId}\n${key}`, 'base64url').slice(0, 22);
    const name = usersKey(route, stepId, side);
    let batch = this.pending.get(name);
    if (!batch) this.pending.set(name, (batch = new Set()));
    if (batch.has(hash)) return;
    batch.add(hash);
    if (++this.#size >= maxPending) void this.flush();
  }

  /** Sends the pending batch. */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    this.#size = 0;
    await this.send(batch);
  }

  /** Users per side on a step so far (this replica's batch flushed first); undefined when unknown. */
  async users(route: string, stepId: string): Promise<StepUserCounts | undefined> {
    await this.flush();
    return this.read(sides.map((side) => usersKey(route, stepId, side)));
  }

  protected abstract send(batch: Map<string, Set<string>>): Promise<void>;
  protected abstract read(keys: string[]): Promise<StepUserCounts | undefined>;
}

/** Redis key of a step's users on one side. */
export function usersKey(route: string, stepId: string, side: Side): string {
  return `fig:ramp:users:${route}:${stepId}:${side}`;
}

// A step's counts outlive any step worth judging; they expire on their own after that.
const usersTtlMs = 7 * 24 * 3600_000;

/** Every replica's users in one HyperLogLog per step and side (PFADD, PFCOUNT). */
export class RedisStepUsers extends StepUsers {
  readonly #redis: Redis;

  constructor(redis: Redis) {
    super();
    this.#redis = redis;
  }

  protected async send(batch: Map<string, Set<string>>): Promise<void> {
    const pipeline = this.#redis.pipeline();
    for (const [key, hashes] of batch) pipeline.pfadd(key, ...hashes).pexpire(key, usersTtlMs);
    // A batch lost with Redis away leaves the count short: the split check only ever holds.
    await pipeline.exec().catch(() => undefined);
  }

  protected async read([service, monolith]: string[]): Promise<StepUserCounts | undefined> {
    const counts = await this.#redis.pipeline().pfcount(service!).pfcount(monolith!).exec();
    if (!counts || counts.some(([error]) => error)) return undefined;
    return { service: Number(counts[0]![1]), monolith: Number(counts[1]![1]), approximate: true };
  }
}

// Without Redis one gateway counts exactly, up to this many users per step and side.
const maxCounted = 500_000;

/** One gateway's users, exactly, in memory; past `maxCounted` on a side the count is unknown. */
export class MemoryStepUsers extends StepUsers {
  readonly #seen = new Map<string, Set<string>>();
  readonly #limit: number;

  constructor(limit = maxCounted) {
    super();
    this.#limit = limit;
  }

  protected async send(batch: Map<string, Set<string>>): Promise<void> {
    for (const [key, hashes] of batch) {
      let seen = this.#seen.get(key);
      if (!seen) this.#seen.set(key, (seen = new Set()));
      for (const hash of hashes) if (seen.size <= this.#limit) seen.add(hash);
    }
    // Steps no longer counted are forgotten.
    const live = new Set([...this.steps].map(([route, stepId]) => `fig:ramp:users:${route}:${stepId}:`));
    for (const key of this.#seen.keys())
      if (![...live].some((prefix) => key.startsWith(prefix))) this.#seen.delete(key);
  }

  protected async read([service, monolith]: string[]): Promise<StepUserCounts | undefined> {
    const s = this.#seen.get(service!)?.size ?? 0;
    const m = this.#seen.get(monolith!)?.size ?? 0;
    if (s > this.#limit || m > this.#limit) return undefined;
    return { service: s, monolith: m, approximate: false };
  }
}
