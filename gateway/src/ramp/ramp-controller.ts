import { type CompiledRoute, type CompiledRules, effectivePercent, type RampShare } from '@fig/routing-rules';
import type { FastifyBaseLogger } from 'fastify';
import type { RouteState } from '../shadow/comparison/comparison-store.ts';
import type { Thresholds } from '../shadow/comparison/noise-filter.ts';
import type { RampMetrics } from './ramp-metrics.ts';
import {
  judgeRamp,
  type OperatorAction,
  operate,
  RampActionRefused,
  type Step,
  startRamp,
} from './ramp-machine.ts';
import type { RampState, Transition } from './ramp-state.ts';
import { type RampStore, shareOf } from './ramp-store.ts';
import type { RampWebhook } from './ramp-webhook.ts';
import type { StepUsers } from './step-users.ts';

export interface RampControllerOptions {
  /** The active rules (file rules with the shares applied: routes keep their `percent` and `ramp`). */
  rules: () => CompiledRules;
  store: RampStore;
  /** Every route's comparison and traffic counters (the fleet's when shared through Redis). */
  counters: () => Promise<Map<string, RouteState>>;
  thresholds: (route: CompiledRoute) => Thresholds;
  /** Called with the shares to apply whenever they change (rules-source.ts puts them into the split). */
  applyShares: (shares: ReadonlyMap<string, RampShare>) => void;
  metrics: RampMetrics;
  /** Distinct users per side of each ramping step, for the split check. */
  users: StepUsers;
  webhook?: RampWebhook;
  log: FastifyBaseLogger;
  /** How often states are read and due ramps judged. */
  tickMs?: number;
  /** After the controller stops (e.g. to close its Redis connection). */
  onClose?: () => void;
  now?: () => number;
}

/** Thrown when a route has no ramp in the active rules. */
export class NoRamp extends Error {}
/** Thrown when the state store cannot be read or written. */
export class RampStoreUnavailable extends Error {}

const sameShares = (a: ReadonlyMap<string, RampShare>, b: ReadonlyMap<string, RampShare>) =>
  a.size === b.size &&
  [...a].every(
    ([route, share]) => b.get(route)?.rampId === share.rampId && b.get(route)?.percent === share.percent,
  );

/**
 * Whether a step's users are counted: while it is judged with both sides in use, on a route
 * whose split is sticky (by subject, address or header; `sticky: none` splits requests).
 */
function countsUsers(route: CompiledRoute, state: RampState): boolean {
  const share = effectivePercent(route, shareOf(state));
  return (
    state.stepId !== undefined &&
    route.sticky !== 'none' &&
    share > 0 &&
    share < 100 &&
    (state.status === 'ramping' || state.status === 'awaiting-approval' || state.status === 'paused')
  );
}

/**
 * Runs the ramps. Every tick (1 s) every replica reads the states and applies their shares,
 * so all of them serve the same split within a tick of a decision; the replica holding the
 * lease also judges each ramp whose interval has come, and writes the result. A write only
 * lands over the state it was made from (and, for a decision, while the lease is held), so
 * one replica's decision is the decision, and only the replica whose write landed announces
 * it (webhook, transition counter).
 */
export class RampController {
  readonly #options: RampControllerOptions;
  readonly #now: () => number;
  #states = new Map<string, RampState>();
  #shares: ReadonlyMap<string, RampShare> = new Map();
  #leader = false;
  #available = true;
  #timer?: NodeJS.Timeout;
  #ticking?: Promise<void>;
  #closed = false;

  constructor(options: RampControllerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Loads the states and applies their shares, then ticks. Resolves once the first tick is done. */
  async start(): Promise<void> {
    await this.tick();
    const every = this.#options.tickMs ?? 1000;
    const loop = () => {
      if (this.#closed) return;
      this.#ticking = this.tick().finally(() => {
        this.#timer = setTimeout(loop, every);
        this.#timer.unref();
      });
    };
    this.#timer = setTimeout(loop, every);
    this.#timer.unref();
  }

  get leader(): boolean {
    return this.#leader;
  }

  get storeKind(): RampStore['kind'] {
    return this.#options.store.kind;
  }

  /** The states as last read. */
  states(): ReadonlyMap<string, RampState> {
    return this.#states;
  }

  /** One round: read, apply, and (as leader) judge what is due. */
  async tick(): Promise<void> {
    const { store, log } = this.#options;
    try {
      this.#leader = await store.lead();
      const loaded = await store.load();
      // A store that lost its states (a Redis restarted without persistence) must not restart
      // a ramp this replica knows, least of all one that was rolled back: the states it last
      // read are written back as they were.
      const lost = [...this.#states.values()].filter((state) => !loaded.has(state.route));
      this.#states = loaded;
      if (this.#leader) for (const state of lost) await this.#restore(state);
      this.#available = true;
    } catch (error) {
      // Keep serving the shares last seen; make no decision without the shared state.
      if (this.#available) log.warn({ err: error }, 'ramp state unavailable, holding every ramp');
      this.#available = false;
      this.#leader = false;
      return;
    }
    this.#apply();
    await this.#options.users.flush();
    if (!this.#leader) return;
    const rules = this.#options.rules();
    const due = rules.routes.filter((route) => route.ramp !== undefined && this.#due(route));
    if (due.length === 0) return;
    let counters: Map<string, RouteState>;
    try {
      counters = await this.#options.counters();
    } catch (error) {
      log.warn({ err: error }, 'ramp evidence unavailable, holding every ramp');
      return;
    }
    for (const route of due) {
      const totals = counters.get(route.name)?.counters ?? new Map<string, number>();
      const state = this.#states.get(route.name);
      const now = this.#now();
      const fresh = state === undefined || state.rampId !== route.ramp!.id;
      const users = fresh ? undefined : await this.#users(route, state);
      const step = fresh
        ? startRamp(route, totals, now, state)
        : judgeRamp(route, state, totals, this.#options.thresholds(route), now, users);
      await this.#write(step, true).catch((error) =>
        log.warn({ err: error, route: route.name }, 'ramp state not saved'),
      );
    }
    this.#apply();
  }

  #due(route: CompiledRoute): boolean {
    const state = this.#states.get(route.name);
    if (state === undefined || state.rampId !== route.ramp!.id) return true;
    // Done stays watched (by the critical ceiling); a stopped ramp waits for a person.
    if (state.status === 'failed' || state.status === 'aborted') return false;
    const last = state.evaluation?.at ?? state.since;
    return this.#now() - last >= route.ramp!.intervalMs;
  }

  /** The step's distinct users per side, when its route's split is sticky; else undefined (judged on requests). */
  async #users(route: CompiledRoute, state: RampState) {
    if (!countsUsers(route, state)) return undefined;
    return this.#options.users.users(route.name, state.stepId!).catch((error: unknown) => {
      this.#options.log.warn({ err: error, route: route.name }, 'ramp user counts unavailable');
      return undefined;
    });
  }

  async #restore(state: RampState): Promise<void> {
    const restored = { ...state, revision: 1 };
    if (await this.#options.store.save(restored, true)) {
      this.#states.set(state.route, restored);
      this.#options.log.warn(
        { route: state.route },
        'ramp state was lost by its store; restored as last read',
      );
    }
  }

  /** Saves a step's state; announces its transition only when this write landed. */
  async #write(step: Step, asLeader: boolean): Promise<boolean> {
    const saved = await this.#options.store.save(step.state, asLeader);
    if (!saved) return false;
    this.#states.set(step.state.route, step.state);
    if (step.transition) this.#announce(step.transition);
    return true;
  }

  #announce(transition: Transition): void {
    this.#options.metrics.transitions.inc({ route: transition.route, reason: transition.reason });
    this.#options.log.info({ ramp: transition }, `ramp ${transition.route}: ${transition.text}`);
    this.#options.webhook?.send(transition);
  }

  /** Puts the states' shares into the split, for ramps the active rules still have. */
  #apply(): void {
    const rules = this.#options.rules();
    const shares = new Map<string, RampShare>();
    const counted = new Map<string, string>();
    for (const route of rules.routes) {
      if (route.ramp === undefined) continue;
      const state = this.#states.get(route.name);
      const share = state && state.rampId === route.ramp.id ? shareOf(state) : undefined;
      if (share) shares.set(route.name, share);
      if (share && countsUsers(route, state!)) counted.set(route.name, state!.stepId!);
      this.#options.metrics.percent.set({ route: route.name }, effectivePercent(route, share));
    }
    this.#options.users.count(counted);
    if (sameShares(shares, this.#shares)) return;
    this.#shares = shares;
    this.#options.applyShares(shares);
  }

  /**
   * An operator's action, on whichever replica it arrives: read the state, apply the
   * action, write it over the revision read; if another write came first, try again on it.
   */
  async act(routeName: string, action: OperatorAction, by?: string): Promise<RampState> {
    const route = this.#options.rules().byName.get(routeName);
    if (route?.ramp === undefined) throw new NoRamp(routeName);
    for (let attempt = 0; attempt < 5; attempt++) {
      let state: RampState | undefined;
      let counters: Map<string, RouteState>;
      try {
        state = (await this.#options.store.load()).get(routeName);
        counters = await this.#options.counters();
      } catch (error) {
        throw new RampStoreUnavailable(String(error));
      }
      const totals = counters.get(routeName)?.counters ?? new Map<string, number>();
      if (state === undefined || state.rampId !== route.ramp.id)
        throw new RampActionRefused(`${routeName}: the ramp starts within a second; try again`);
      const step = operate(route, state, action, totals, this.#now(), by);
      let saved: boolean;
      try {
        saved = await this.#write(step, false);
      } catch (error) {
        throw new RampStoreUnavailable(String(error));
      }
      if (saved) {
        this.#apply();
        return step.state;
      }
    }
    throw new RampStoreUnavailable('the ramp kept changing under this action');
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#ticking?.catch(() => {});
    await this.#options.store.close();
    await this.#options.webhook?.idle();
    this.#options.onClose?.();
  }
}
