import type { RampShare } from '@fig/routing-rules';
import type { RampState } from './ramp-state.ts';

/**
 * Where ramp states live: Redis when the gateway has REDIS_URL (every replica reads them,
 * one decides at a time), else a file under DATA_DIR (one gateway), else memory.
 */
export interface RampStore {
  readonly kind: 'redis' | 'file' | 'memory';
  /** Every ramp's state. */
  load(): Promise<Map<string, RampState>>;
  /**
   * Writes `state` if the stored revision is still `state.revision - 1` (none counts as 0):
   * of two writers of the same state, one wins. With `asLeader`, also only while this
   * replica holds the lease. False when the write lost.
   */
  save(state: RampState, asLeader: boolean): Promise<boolean>;
  /** Takes or keeps the right to decide; true while this replica holds it. */
  lead(): Promise<boolean>;
  close(): Promise<void>;
}

/** The share every replica and both BFFs apply for a state. */
export function shareOf(state: RampState): RampShare {
  return { rampId: state.rampId, percent: state.share };
}

/** Keeps ramp states in this process: a restart starts every ramp again from its floor. */
export class MemoryRampStore implements RampStore {
  readonly kind: RampStore['kind'] = 'memory';
  protected states = new Map<string, RampState>();

  async load(): Promise<Map<string, RampState>> {
    return new Map(this.states);
  }

  /** One process: it always leads, so `asLeader` changes nothing. */
  async save(state: RampState, _asLeader?: boolean): Promise<boolean> {
    const stored = this.states.get(state.route)?.revision ?? 0;
    if (stored !== state.revision - 1) return false;
    this.states.set(state.route, state);
    await this.persist();
    return true;
  }

  protected async persist(): Promise<void> {}

  async lead(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {}
}
