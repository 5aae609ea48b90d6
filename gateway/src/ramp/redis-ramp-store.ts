import { randomUUID } from 'node:crypto';
import { rampSharesKey } from '@fig/routing-rules';
import type { Redis } from 'ioredis';
import type { RampState } from './ramp-state.ts';
import { type RampStore, shareOf } from './ramp-store.ts';

/** Keys: the lease, every ramp's state, and the shares the BFFs and replicas apply. */
export const rampKeys = { lease: 'fig:ramp:lease', states: 'fig:ramp:states', shares: rampSharesKey };

// Take the lease when free, keep it when ours (renewing its expiry).
const leadScript = `
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if not holder then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0`;

// Write a state only over the revision it was made from, and as leader only while leading.
const saveScript = `
if ARGV[2] == '1' and redis.call('GET', KEYS[1]) ~= ARGV[3] then return 0 end
local stored = redis.call('HGET', KEYS[2], ARGV[1])
local revision = 0
if stored then revision = cjson.decode(stored).revision end
if revision ~= tonumber(ARGV[4]) then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[5])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[6])
return 1`;

/**
 * Ramp states shared by every gateway replica. One replica decides at a time: it holds a
 * lease (`SET NX PX`, renewed on every tick, lost when it stops renewing), and its writes
 * are fenced by it. Operators' actions may come to any replica: every write compares the
 * state's revision, so of two writers one wins and the other sees the new state.
 */
export class RedisRampStore implements RampStore {
  readonly kind = 'redis' as const;
  readonly #redis: Redis;
  readonly #id = randomUUID();
  readonly #leaseMs: number;

  constructor(redis: Redis, leaseMs: number) {
    this.#redis = redis;
    this.#leaseMs = leaseMs;
  }

  async load(): Promise<Map<string, RampState>> {
    const stored = await this.#redis.hgetall(rampKeys.states);
    return new Map(Object.entries(stored).map(([route, text]) => [route, JSON.parse(text) as RampState]));
  }

  async save(state: RampState, asLeader: boolean): Promise<boolean> {
    const written = await this.#redis.eval(
      saveScript,
      3,
      rampKeys.lease,
      rampKeys.states,
      rampKeys.shares,
      state.route,
      asLeader ? '1' : '0',
      this.#id,
      String(state.revision - 1),
      JSON.stringify(state),
      JSON.stringify(shareOf(state)),
    );
    return written === 1;
  }

  async lead(): Promise<boolean> {
    return (await this.#redis.eval(leadScript, 1, rampKeys.lease, this.#id, String(this.#leaseMs))) === 1;
  }

  async close(): Promise<void> {
    // Hand the lease over at once rather than after it expires.
    await this.#redis
      .eval(
        `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end`,
        1,
        rampKeys.lease,
        this.#id,
      )
      .catch(() => {});
  }
}
